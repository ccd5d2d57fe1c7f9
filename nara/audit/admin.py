"""The audit log in the admin: read-only, for operators. Events are never changed."""

from django.contrib import admin

from .models import AuditEvent


class ReadOnly:
    """Nobody adds, changes or deletes here (nara.core.admin.ReadOnlyAdmin builds on it)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnly, admin.ModelAdmin):
    """Operators (active staff) read the log. The audit app sits below every other app
    (nara.core included), so it does not use nara.core.admin's base classes."""

    list_display = (
        "seq",
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
        "seq",
        "prev_hash",
        "hash",
    )
    readonly_fields = fields
    actions = None
    show_full_result_count = False  # the log is large: no COUNT(*) of the whole table

    def has_module_permission(self, request):
        return self.has_view_permission(request)

    def has_view_permission(self, request, obj=None):
        return bool(request.user.is_active and request.user.is_staff)
