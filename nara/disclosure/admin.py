from django.contrib import admin

from .models import DisclosureRequest


@admin.register(DisclosureRequest)
class DisclosureRequestAdmin(admin.ModelAdmin):
    """Read only: every change goes through the services (and their audit events)."""

    list_display = ("no", "title", "agency", "unit", "status", "received_at", "due_at")
    list_filter = ("status", "form", "delivery")
    search_fields = ("no", "title")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
