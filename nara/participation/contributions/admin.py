from django.contrib import admin

from .models import Contribution, ContributionDraft, ContributionImage


class ContributionImageInline(admin.TabularInline):
    model = ContributionImage
    extra = 0
    fields = ("order", "image", "thumbnail", "caption", "alt", "width", "height")
    readonly_fields = ("image", "thumbnail", "width", "height")


@admin.register(Contribution)
class ContributionAdmin(admin.ModelAdmin):
    """Read mostly: moderation decides publication (through its queue, audited)."""

    list_display = ("receipt_number", "title", "process", "moderation_status", "submitted_at")
    list_filter = ("moderation_status", "process")
    search_fields = ("receipt_number", "title")
    readonly_fields = (
        "author",
        "process",
        "receipt_number",
        "submit_key",
        "moderation_status",
        "submitted_at",
        "moderation_due_at",
        "spam_score",
        "flag_count",
        "moderated_by",
        "moderated_at",
        "moderation_reason",
        "created_at",
    )
    inlines = [ContributionImageInline]


@admin.register(ContributionDraft)
class ContributionDraftAdmin(admin.ModelAdmin):
    list_display = ("token", "process", "updated_at", "expires_at")
    readonly_fields = ("token", "user", "process", "created_at", "updated_at")
