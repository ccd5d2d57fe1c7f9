"""Operators keep the document types, the records classifications, the delegation table
(위임전결규정) and the units' approval line templates here, audited like every admin change; documents themselves are read-only here
(they change only through services.py)."""

from django.contrib import admin

from nara.core.admin import OperatorAdmin, ReadOnlyAdmin

from .models import Classification, Delegation, Document, DocumentType, LineTemplate


@admin.register(DocumentType)
class DocumentTypeAdmin(OperatorAdmin):
    list_display = ("code", "name_ko", "name_en")
    search_fields = ("code", "name_ko", "name_en")
    fields = ("code", "name_ko", "name_en")


@admin.register(Classification)
class ClassificationAdmin(OperatorAdmin):
    list_display = ("code", "name_ko", "unit", "retention")
    list_filter = ("retention",)
    list_select_related = ("unit",)
    search_fields = ("code", "name_ko", "name_en")
    autocomplete_fields = ("unit",)
    fields = ("code", "name_ko", "name_en", "unit", "retention")


@admin.register(Delegation)
class DelegationAdmin(OperatorAdmin):
    list_display = ("document_type", "agency", "level", "post_approval")
    list_filter = ("level", "post_approval")
    list_select_related = ("document_type", "agency")
    autocomplete_fields = ("agency",)
    fields = ("document_type", "agency", "level", "post_approval")


@admin.register(LineTemplate)
class LineTemplateAdmin(OperatorAdmin):
    list_display = ("name", "unit", "document_type", "reviewer")
    list_select_related = ("unit", "document_type", "reviewer")
    search_fields = ("name", "unit__name_ko", "unit__code")
    autocomplete_fields = ("unit", "reviewer", "cooperating_units")
    fields = ("name", "unit", "document_type", "reviewer", "cooperating_units")


@admin.register(Document)
class DocumentAdmin(ReadOnlyAdmin):
    list_display = ("reg_no", "title", "unit", "status", "grade", "registered_at", "published_at")
    list_filter = ("status", "grade")
    list_select_related = ("unit",)
    search_fields = ("reg_no", "title")
    fields = (
        "reg_no", "title", "unit", "drafter", "document_type", "classification", "status",
        "grade", "grounds", "registered_at", "retention", "published_at", "pdf_sha256",
        "public_pdf_sha256",
    )  # fmt: skip
    readonly_fields = fields
