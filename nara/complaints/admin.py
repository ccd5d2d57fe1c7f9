"""Complaints in the admin: a read-only list for operators. A complaint's state changes only
through the services (the back office at /office/), never here. The citizen's text and
personal data are not shown here."""

from django.contrib import admin

from nara.core.admin import ReadOnlyAdmin

from .models import Complaint, Transfer


class TransferInline(admin.TabularInline):
    model = Transfer
    fields = ("created_at", "from_unit", "to_unit", "reason", "by")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    list_display = (
        "receipt_no",
        "title",
        "kind",
        "status",
        "unit",
        "handler",
        "received_at",
        "due_at",
        "transfer_count",
        "flagged",
    )
    list_select_related = ("unit", "handler")
    list_filter = ("status", "kind", "flagged")
    search_fields = ("receipt_no",)
    date_hierarchy = "received_at"
    fields = (
        "receipt_no",
        "kind",
        "title",
        "category",
        "status",
        "unit",
        "handler",
        "received_at",
        "due_at",
        "extended_at",
        "extension_reason",
        "escalated_at",
        "transfer_count",
        "flagged",
        "answered_at",
        "rating",
        "withdrawn_at",
    )
    readonly_fields = fields
    inlines = [TransferInline]
    actions = None
    show_full_result_count = False
