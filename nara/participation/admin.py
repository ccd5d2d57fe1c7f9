"""Operators author participation processes here: the process, its phases (kind, dates, what
may be done in each), publication. Every change lands in the audit log as
PARTICIPATION_PROCESS_CREATED / _CHANGED. Digest preferences and activity are shown read-only."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from nara.audit.models import EventType
from nara.core.admin import OperatorAdmin, OperatorInline, ReadOnlyAdmin

from .models import DEFAULT_PHASE_ACTIONS, Action, Activity, DigestPreference, Phase, Process
from .services import phases_clean


class PhaseForm(forms.ModelForm):
    actions = forms.MultipleChoiceField(
        label=_("actions allowed"),
        choices=Action.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text=_("Leave all unticked to use the defaults of the phase kind."),
    )

    class Meta:
        model = Phase
        fields = ("kind", "title", "title_en", "starts_at", "ends_at", "actions")

    def clean(self):
        data = super().clean()
        if not data.get("actions") and data.get("kind"):
            data["actions"] = list(DEFAULT_PHASE_ACTIONS[data["kind"]])
        return data


class PhaseFormSet(forms.BaseInlineFormSet):
    """Phases in order, each ending after it starts, none overlapping."""

    def clean(self):
        super().clean()
        if any(form.errors for form in self.forms):
            return
        phases = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE"):
                continue
            if not (data.get("kind") and data.get("starts_at") and data.get("ends_at")):
                continue
            phases.append((data["kind"], data["starts_at"], data["ends_at"], data["actions"]))
        phases.sort(key=lambda p: p[1])
        try:
            phases_clean(phases)
        except ValidationError as error:
            raise ValidationError(error.message_dict["phases"]) from None
        if self.instance.published and not phases:
            raise ValidationError(_("A published process needs at least one phase."))


class PhaseInline(OperatorInline):
    model = Phase
    form = PhaseForm
    formset = PhaseFormSet
    extra = 1
    ordering = ("starts_at",)


@admin.register(Process)
class ProcessAdmin(OperatorAdmin):
    list_display = ("title", "slug", "unit", "region", "published", "created_at")
    list_filter = ("published", "unit")
    list_select_related = ("unit", "region")
    search_fields = ("title", "slug")
    autocomplete_fields = ("region",)
    # Korean and English side by side (an English reader sees "Korean only" where it is blank)
    fields = (
        "slug",
        ("title", "title_en"),
        ("summary", "summary_en"),
        "unit",
        "region",
        "published",
    )
    inlines = [PhaseInline]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)

    def log_addition(self, request, obj, message):
        self._audit(request, obj, EventType.PARTICIPATION_PROCESS_CREATED, message)
        return admin.ModelAdmin.log_addition(self, request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, EventType.PARTICIPATION_PROCESS_CHANGED, message)
        return admin.ModelAdmin.log_change(self, request, obj, message)


@admin.register(DigestPreference)
class DigestPreferenceAdmin(ReadOnlyAdmin):
    list_display = ("user", "frequency", "covered_until", "last_sent_at")
    list_filter = ("frequency",)
    list_select_related = ("user",)
    fields = ("user", "frequency", "covered_until", "last_sent_at")


@admin.register(Activity)
class ActivityAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "process", "__str__", "url")
    list_select_related = ("process",)
    fields = ("process", "content_type", "object_id", "message", "url", "created_at")
