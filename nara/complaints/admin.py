"""Complaints in the admin: a read-only list for operators. A complaint's state changes only
through the services (the back office at /office/), never here. The citizen's text and
personal data are not shown here."""

from django.contrib import admin, messages
from django.utils.translation import ngettext

from nara.core.admin import OperatorAdmin, ReadOnlyAdmin
from nara.core.models import Holiday

from . import holidays
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


@admin.register(Holiday)
class HolidayAdmin(OperatorAdmin):
    """Extra days off (임시공휴일). Adding or removing one moves the deadlines of open
    complaints at once, through nara.complaints.holidays."""

    list_display = ("date", "name", "created_at")
    date_hierarchy = "date"
    search_fields = ("name",)
    fields = ("date", "name")
    actions = ["delete_selected"]

    def has_change_permission(self, request, obj=None):
        return False  # remove the day and add the right one: both move the deadlines

    def save_model(self, request, obj, form, change):
        holiday = holidays.holiday_add(by=request.user, day=obj.date, name=obj.name)
        obj.pk, obj.created_at = holiday.pk, holiday.created_at
        self._moved_message(request, holiday.moved)

    def delete_model(self, request, obj):
        moved = holidays.holiday_remove(by=request.user, holiday=obj)
        self._moved_message(request, moved)

    def delete_queryset(self, request, queryset):
        moved = sum(
            holidays.holiday_remove(by=request.user, holiday=holiday) for holiday in queryset
        )
        self._moved_message(request, moved)

    def _moved_message(self, request, moved: int) -> None:
        self.message_user(
            request,
            ngettext(
                "The due date of %(count)d open complaint moved.",
                "The due dates of %(count)d open complaints moved.",
                moved,
            )
            % {"count": moved},
            messages.INFO,
        )
