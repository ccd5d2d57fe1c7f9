"""Operators author polls here: a poll with its questions inline, and each question with its
options inline. Once a poll has responses its questions and options are frozen (changing them
would change what people answered). Publishing goes through `services.poll_publish` (audited)."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nara.core.admin import OperatorAdmin, OperatorInline

from . import services
from .models import Choice, Poll, Question


class _FrozenOnceAnswered(OperatorInline):
    def _answered(self, obj) -> bool:
        poll = obj if isinstance(obj, Poll) else getattr(obj, "poll", None)
        return bool(poll and poll.response_count)

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and not self._answered(obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and not self._answered(obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and not self._answered(obj)


class QuestionInline(_FrozenOnceAnswered):
    model = Question
    fields = (
        "position",
        "text",
        "text_en",
        "kind",
        "required",
        "max_choices",
        "help_text",
        "help_text_en",
    )
    show_change_link = True


class ChoiceInline(_FrozenOnceAnswered):
    model = Choice
    fields = ("position", "text", "text_en")


@admin.register(Poll)
class PollAdmin(OperatorAdmin):
    list_display = ("title", "process", "published", "results_always_public", "response_count")
    list_filter = ("published",)
    list_select_related = ("process",)
    search_fields = ("title",)
    # Korean and English side by side (an English reader sees "Korean only" where it is blank)
    fields = (
        "process",
        ("title", "title_en"),
        ("description", "description_en"),
        "results_always_public",
        "published",
    )
    readonly_fields = ("published",)
    inlines = [QuestionInline]
    actions = ["publish"]

    @admin.action(description=_("Publish the selected polls"))
    def publish(self, request, queryset):
        done = 0
        for poll in queryset.filter(published=False):
            services.poll_publish(poll=poll, by=request.user)
            done += 1
        messages.success(
            request, ngettext("%(n)d poll published.", "%(n)d polls published.", done) % {"n": done}
        )


@admin.register(Question)
class QuestionAdmin(OperatorAdmin):
    list_display = ("text", "poll", "kind", "required", "position")
    list_select_related = ("poll",)
    list_filter = ("kind",)
    search_fields = ("text", "poll__title")
    fields = (
        "poll",
        "position",
        ("text", "text_en"),
        ("help_text", "help_text_en"),
        "kind",
        "required",
        "max_choices",
    )
    inlines = [ChoiceInline]
