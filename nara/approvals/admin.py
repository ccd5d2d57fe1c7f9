"""Operators record officials' absences and their deputies (대결) here, and read approval
lines; lines change only through the engine (nara/approvals/engine.py)."""

from django.contrib import admin

from nara.core.admin import OperatorAdmin, OperatorInline, ReadOnlyAdmin

from .models import Absence, ApprovalLine, ApprovalStep


@admin.register(Absence)
class AbsenceAdmin(OperatorAdmin):
    list_display = ("user", "starts_at", "ends_at", "deputy")
    list_select_related = ("user", "deputy")
    search_fields = ("user__email", "user__name", "deputy__email", "deputy__name")
    autocomplete_fields = ("user", "deputy")
    fields = ("user", "starts_at", "ends_at", "deputy")


class StepInline(OperatorInline):
    model = ApprovalStep
    fields = ("position", "kind", "unit", "role", "person", "state", "acted_by", "acted_at", "mark")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApprovalLine)
class ApprovalLineAdmin(ReadOnlyAdmin):
    list_display = ("id", "kind", "object_id", "drafter", "status", "submitted_at", "ended_at")
    list_filter = ("status", "kind")
    list_select_related = ("drafter",)
    fields = ("kind", "content_type", "object_id", "drafter", "status", "submitted_at", "ended_at")
    readonly_fields = fields
    inlines = [StepInline]
