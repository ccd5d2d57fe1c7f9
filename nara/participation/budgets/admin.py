"""Operators author budgets here (title, total, ballot style). The ballot rules are locked once
voting starts or the first ballot is cast: the admin shows them read-only then, and the service
refuses a change anyway. Projects are proposed, moderated and assessed on the site; the admin
only lists them."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from nara.core.admin import OperatorAdmin, ReadOnlyAdmin
from nara.core.djangointernals import mark_saved

from . import services
from .forms import BudgetAdminForm
from .models import Budget, Project


class LockedRulesForm(BudgetAdminForm):
    def clean(self):
        cleaned = super().clean()
        instance = self.instance
        if instance.pk and instance.style_locked():
            for field in services.RULE_FIELDS:
                if field in self.changed_data:
                    raise forms.ValidationError(
                        _(
                            "The ballot rules are locked: voting has started or ballots have "
                            "been cast."
                        )
                    )
        return cleaned


@admin.register(Budget)
class BudgetAdmin(OperatorAdmin):
    form = LockedRulesForm
    list_display = ("title", "process", "total_amount", "ballot_style", "style_locked_at")
    list_filter = ("ballot_style",)
    search_fields = ("title", "process__title")
    list_select_related = ("process",)
    readonly_fields = ("style_locked_at",)
    # Korean and English side by side (an English reader sees "Korean only" where it is blank)
    fields = (
        "process",
        ("title", "title_en"),
        ("summary", "summary_en"),
        "total_amount",
        "ballot_style",
        "approval_votes",
        "style_locked_at",
    )

    def get_readonly_fields(self, request, obj=None):
        fields = ["style_locked_at"]
        if obj is not None:
            fields.append("process")
            if obj.style_locked():
                fields += list(services.RULE_FIELDS)
        return fields

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            created = services.budget_create(
                process=data["process"],
                by=request.user,
                title=data["title"],
                summary=data.get("summary", ""),
                title_en=data.get("title_en", ""),
                summary_en=data.get("summary_en", ""),
                total_amount=data["total_amount"],
                ballot_style=data["ballot_style"],
                approval_votes=data["approval_votes"],
            )
            obj.pk = created.pk
            obj.created_at = created.created_at
            mark_saved(obj)
            return
        changes = {
            f: data[f]
            for f in form.changed_data
            if f in (*services.TEXT_FIELDS, *services.RULE_FIELDS) and f in data
        }
        if changes:
            services.budget_update(budget=obj, by=request.user, **changes)


@admin.register(Project)
class ProjectAdmin(ReadOnlyAdmin):
    list_display = (
        "title",
        "budget",
        "moderation_status",
        "feasibility",
        "estimated_cost",
        "official_cost",
    )
    list_filter = ("moderation_status", "feasibility")
    search_fields = ("title", "location")
    list_select_related = ("budget",)
    fields = (
        "budget",
        "title",
        "description",
        "location",
        "estimated_cost",
        "moderation_status",
        "feasibility",
        "feasibility_reason",
        "official_cost",
        "assessed_at",
    )
