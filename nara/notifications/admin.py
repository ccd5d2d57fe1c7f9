"""Outgoing e-mail and in-site notifications in the admin: read-only; failed mail can be
retried."""

from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from nara.core.admin import ReadOnlyAdmin

from . import services
from .models import Notification, OutboxMessage


@admin.register(OutboxMessage)
class OutboxMessageAdmin(ReadOnlyAdmin):
    list_display = ("id", "to_email", "subject", "status", "attempts", "next_attempt_at", "sent_at")
    list_filter = ("status",)
    search_fields = ("to_email", "subject")
    date_hierarchy = "created_at"
    fields = (
        "to_email",
        "subject",
        "body",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "sent_at",
    )
    readonly_fields = fields
    actions = ["retry_now"]

    @admin.action(description=_("Retry sending now"))
    def retry_now(self, request, queryset):
        sent, tried = services.outbox_retry(message_ids=list(queryset.values_list("pk", flat=True)))
        ids = range(tried)
        level = messages.SUCCESS if sent == len(ids) else messages.WARNING
        self.message_user(
            request,
            ngettext(
                "%(sent)d of %(count)d message sent.",
                "%(sent)d of %(count)d messages sent.",
                len(ids),
            )
            % {"sent": sent, "count": len(ids)},
            level,
        )


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "user", "title", "read_at")
    list_select_related = ("user",)
    search_fields = ("user__email", "title")
    fields = ("user", "title", "body", "url", "created_at", "read_at")
    readonly_fields = fields
