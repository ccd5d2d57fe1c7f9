"""Operators' admin for reference data, and the base class of every
Nara admin page.

Operators are staff users (`is_staff`). They manage agencies, routing and holidays in the admin; they
never change the state of a complaint here (state changes go through the services)."""

import json

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from nara.audit.admin import ReadOnly
from nara.audit.models import EventType

from .models import Region


def is_operator(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


class OperatorPermissions:
    """Operators (active staff) may use an admin page without per-model permissions."""

    def has_module_permission(self, request):
        return is_operator(request)

    def has_view_permission(self, request, obj=None):
        return is_operator(request)

    def has_add_permission(self, request):
        return is_operator(request)

    def has_change_permission(self, request, obj=None):
        return is_operator(request)

    def has_delete_permission(self, request, obj=None):
        return is_operator(request)


class AuditedAdmin(admin.ModelAdmin):
    """Every change made on this admin page also lands in Nara's audit log, in the admin's
    transaction, beside Django's own admin log. Every registered admin page that can change
    anything is one (tests/test_admin_audit.py)."""

    def _audit(self, request, obj, event_type, message):
        from nara.audit.services import audit_record

        # Django's change message: a list like [{"changed": {"fields": [...]}}, {"added": …}]
        try:
            change = json.loads(message) if isinstance(message, str) else message
        except ValueError:
            change = message
        audit_record(
            actor=request.user,
            event_type=event_type,
            target=obj,
            data={
                "object": str(obj)[:200],
                "change": json.loads(json.dumps(change or [], default=str)),
            },
        )

    def log_addition(self, request, obj, message):
        self._audit(request, obj, EventType.CONFIG_ADDED, message)
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        self._audit(request, obj, EventType.CONFIG_CHANGED, message)
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        for obj in queryset:
            self._audit(request, obj, EventType.CONFIG_DELETED, "")
        return super().log_deletions(request, queryset)


class OperatorAdmin(OperatorPermissions, AuditedAdmin):
    """Operators' pages (units, roles, routing rules, …): audited."""


class ReadOnlyAdmin(ReadOnly, OperatorAdmin):
    """Operators may look, never add, change or delete."""


class OperatorInline(admin.TabularInline):
    extra = 0

    def has_view_permission(self, request, obj=None):
        return is_operator(request)

    def has_add_permission(self, request, obj=None):
        return is_operator(request)

    def has_change_permission(self, request, obj=None):
        return is_operator(request)

    def has_delete_permission(self, request, obj=None):
        return is_operator(request)


@admin.register(Region)
class RegionAdmin(OperatorAdmin):
    """Regions come from the statistical classification (data migration): names may be
    corrected, codes and the tree stay."""

    list_display = ("code", "name_ko", "name_en", "parent")
    list_select_related = ("parent",)
    search_fields = ("code", "name_ko", "name_en")
    list_filter = (("parent", admin.EmptyFieldListFilter),)
    readonly_fields = ("code", "parent")
    fields = ("code", "name_ko", "name_en", "parent")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.site_header = _("Nara operations")
admin.site.site_title = _("Nara operations")
admin.site.index_title = _("Agencies, routing, calendars and logs")
