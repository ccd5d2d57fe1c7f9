"""The audit log in the admin: read-only, for operators. Events are never changed."""

from django.contrib import admin

from nara.core.admin import ReadOnlyAdmin

from .models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "event_type",
        "actor",
        "target_type",
        "target_id",
        "from_state",
        "to_state",
    )
    list_select_related = ("actor",)
    list_filter = ("event_type", "target_type")
    search_fields = ("target_id", "actor__email")
    date_hierarchy = "created_at"
    fields = (
        "created_at",
        "event_type",
        "actor",
        "target_type",
        "target_id",
        "from_state",
        "to_state",
        "data",
    )
    readonly_fields = fields
    actions = None
    show_full_result_count = False  # the log is large: no COUNT(*) of the whole table
