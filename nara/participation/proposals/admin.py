"""Operators set each process's proposal rules (threshold, days to answer) here. Proposals and
comments change state only through the services and moderation; here they are read-only."""

from django.contrib import admin

from nara.core.admin import OperatorAdmin, ReadOnlyAdmin

from .models import Proposal, ProposalComment, ProposalSettings


@admin.register(ProposalSettings)
class ProposalSettingsAdmin(OperatorAdmin):
    list_display = ("process", "support_threshold", "answer_days", "answer_in_working_days")
    list_select_related = ("process",)


@admin.register(Proposal)
class ProposalAdmin(ReadOnlyAdmin):
    list_display = ("title", "process", "status", "moderation_status", "support_count")
    list_filter = ("status", "moderation_status")
    list_select_related = ("process",)
    search_fields = ("title",)
    fields = (
        "process",
        "title",
        "status",
        "moderation_status",
        "unit",
        "support_count",
        "comment_count",
        "threshold_reached_at",
        "answer_due_at",
        "answer_kind",
        "answered_at",
    )


@admin.register(ProposalComment)
class ProposalCommentAdmin(ReadOnlyAdmin):
    list_display = ("__str__", "proposal", "moderation_status", "submitted_at")
    list_filter = ("moderation_status",)
    list_select_related = ("proposal",)
    fields = ("proposal", "body", "moderation_status", "submitted_at")
