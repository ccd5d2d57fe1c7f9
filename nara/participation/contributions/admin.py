"""Operators may look at contributions here, never change or delete them: publication is
decided in the moderation queue (audited). Drafts are private to their authors and have no
admin page."""

from django.contrib import admin

from nara.core.admin import ReadOnlyAdmin, is_operator

from .models import Contribution, ContributionImage


class ContributionImageInline(admin.TabularInline):
    model = ContributionImage
    extra = 0
    fields = ("order", "image", "thumbnail", "caption", "alt", "width", "height")
    readonly_fields = fields

    def has_view_permission(self, request, obj=None):
        return is_operator(request)

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Contribution)
class ContributionAdmin(ReadOnlyAdmin):
    list_display = ("receipt_number", "title", "process", "moderation_status", "submitted_at")
    list_filter = ("moderation_status", "process")
    list_select_related = ("process",)
    search_fields = ("receipt_number", "title")
    readonly_fields = [f.name for f in Contribution._meta.fields]
    inlines = [ContributionImageInline]
