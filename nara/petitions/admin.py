"""Operators configure petition types (thresholds, periods) here. Petitions change state only
through the services (the moderation and office pages), never here."""

from django.contrib import admin

from nara.core.admin import OperatorAdmin, ReadOnlyAdmin

from .models import Petition, PetitionType


@admin.register(PetitionType)
class PetitionTypeAdmin(OperatorAdmin):
    list_display = (
        "code",
        "name_ko",
        "supporters_needed",
        "open_days",
        "refer_threshold",
        "answer_threshold",
        "answer_days",
    )


@admin.register(Petition)
class PetitionAdmin(ReadOnlyAdmin):
    list_display = ("id", "title", "status", "signature_count", "opened_at", "closes_at")
    list_filter = ("status", "type")
    search_fields = ("title",)
    fields = ("title", "status", "type", "unit", "signature_count", "opened_at", "closes_at")
