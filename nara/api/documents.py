"""Published documents in the JSON API (/api/v1/documents): public, no token. The same search
as /open/documents/ (nara.documents.selectors) and only what a document's grade allows: the
text of an open one, the text of a partly open one with its withheld passages replaced by
markers naming their ground, nothing of a closed one's content."""

from datetime import datetime
from typing import Literal

from django.urls import reverse
from ninja import Path, Query, Router, Schema

from nara.documents import selectors
from nara.documents.grounds import Ground
from nara.documents.models import Document

from . import schemas as s

GradeName = Literal["open", "partial", "closed"]
LIMIT = Query(20, ge=1, le=100)
DAY = r"^\d{4}-\d{2}-\d{2}$"  # an ISO date; pydantic alone would take 0 for 1970-01-01
DATE_FROM = Query("", alias="from", pattern=DAY, description="Registered on or after")
DATE_TO = Query("", alias="to", pattern=DAY, description="Registered on or before")
GRADE = Query(None, description="open, partial or closed")

documents_router = Router(tags=["documents"])


class NamedRef(Schema):
    code: str
    name: str


class GroundOut(Schema):
    code: str
    label: str


class PdfOut(Schema):
    url: str
    sha256: str


class DocumentSummaryOut(Schema):
    reg_no: str
    title: str
    unit: NamedRef
    document_type: NamedRef
    registered_at: datetime
    published_at: datetime
    grade: GradeName
    grounds: list[GroundOut]
    url: str


class DocumentListOut(Schema):
    items: list[DocumentSummaryOut]
    next: str | None


class WithheldOut(Schema):
    ground: str


class DocumentOut(DocumentSummaryOut):
    body_html: str | None
    text: str | None
    withheld: list[WithheldOut]
    pdf: PdfOut | None


def _grounds(document: Document) -> list[dict]:
    return [
        {"code": g, "label": str(Ground(g).label)} for g in document.grounds if g in Ground.values
    ]


def summary_out(request, document: Document) -> dict:
    return {
        "reg_no": document.reg_no,
        "title": document.title,
        "unit": {"code": document.unit.code, "name": document.unit.name},
        "document_type": {
            "code": document.document_type.code,
            "name": document.document_type.name,
        },
        "registered_at": s.local(document.registered_at),
        "published_at": s.local(document.published_at),
        "grade": document.grade,
        "grounds": _grounds(document),
        "url": request.build_absolute_uri(document.public_url()),
    }


def document_out(request, document: Document) -> dict:
    form = selectors.public_form(document)
    pdf = None
    if form.has_pdf:
        url = reverse("open_documents:pdf", args=[document.reg_no])
        pdf = {"url": request.build_absolute_uri(url), "sha256": document.public_pdf_sha256}
    shown = document.grade != "closed"
    return summary_out(request, document) | {
        "body_html": form.body_html if shown else None,
        "text": form.text if shown else None,
        "withheld": [{"ground": label} for label in form.withheld],
        "pdf": pdf,
    }


@documents_router.get("", auth=None, response={200: DocumentListOut, 400: s.ErrorOut})
def document_list(
    request,
    q: str = Query("", max_length=200, description="Words in the title (or an open text)"),
    unit: str = Query("", max_length=40, description="A unit's code, with the units below it"),
    date_from: str = DATE_FROM,
    date_to: str = DATE_TO,
    type: str = Query("", max_length=40, description="A document type's code"),
    grade: GradeName | None = GRADE,
    cursor: str = Query("", max_length=200, description="The `next` of the previous page"),
    limit: int = LIMIT,
):
    """Published documents, newest first, a page at a time (keyset: follow `next`)."""
    filters = selectors.filters_from(
        {
            "q": q,
            "unit": unit,
            "from": date_from,
            "to": date_to,
            "type": type,
            "grade": grade or "",
        }
    )  # ValidationError: 400 with the field's message
    qs = selectors.documents_published(filters=filters).defer("body")
    rows, next_cursor = selectors.documents_page(qs, cursor=cursor, size=limit)
    return {"items": [summary_out(request, d) for d in rows], "next": next_cursor or None}


@documents_router.get(
    "/{reg_no}", auth=None, response={200: DocumentOut, 400: s.ErrorOut, 404: s.DetailOut}
)
def document_detail(
    request, reg_no: str = Path(..., max_length=200, description="The registration number")
):
    """One published document, as far as its grade allows (404 when not published)."""
    return document_out(request, selectors.document_published_get(reg_no=reg_no))
