"""/open/documents/ (원문정보공개): published documents for everyone, as far as each one's grade
allows — the list with its search, a document's page, its public PDF, an Atom feed and CSV/JSON
exports. All of them read through selectors.documents_published and selectors.public_form."""

import json
from urllib.parse import urlencode

from django.contrib.syndication.views import Feed
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from nara.agencies.models import Unit
from nara.core.access import public
from nara.core.csvexport import csv_response

from . import selectors
from .grounds import Grade
from .models import Document, DocumentType

EXPORT_MAX = 10_000  # rows in one export; the next ones with `after` (Link: rel="next")
FEED_SIZE = 50


def _filters_or_errors(request) -> tuple[selectors.Filters, dict]:
    try:
        return selectors.filters_from(request.GET), {}
    except ValidationError as error:
        return selectors.Filters(), error.message_dict


def _audit_url() -> str:
    """The audit chain's public page, where it is installed."""
    try:
        return reverse("audit:chain")
    except NoReverseMatch:
        return ""


@public
@require_GET
def document_list(request):
    """Published documents, newest first, with their search; a "next page" link by cursor."""
    filters, errors = _filters_or_errors(request)
    documents, next_cursor = [], ""
    if not errors:
        qs = selectors.documents_published(filters=filters)
        try:
            documents, next_cursor = selectors.documents_page(
                qs, cursor=request.GET.get("after", "")
            )
        except ValidationError as error:
            errors = error.message_dict
    return _list_page(request, filters, errors, documents, next_cursor)


def _list_page(request, filters, errors: dict, documents=(), next_cursor: str = ""):
    query = filters.as_query()
    context = {
        "documents": documents,
        "errors": errors,
        "values": {k: request.GET.get(k, "")[:200] for k in ("q", "unit", "from", "to", "type")},
        "grade": filters.grade,
        "grades": Grade.choices,
        "units": Unit.objects.filter(is_active=True).order_by("code"),
        "types": DocumentType.objects.order_by("code"),
        "is_first": not request.GET.get("after"),
        "first_url": "?" + urlencode(query),
        "next_url": "?" + urlencode(query | {"after": next_cursor}) if next_cursor else "",
        "query": urlencode(query),
    }
    return render(request, "documents/open_list.html", context, status=400 if errors else 200)


@public
@require_GET
def document_detail(request, reg_no):
    document = selectors.document_published_get(reg_no=reg_no)
    form = selectors.public_form(document)
    return render(
        request,
        "documents/open_detail.html",
        {"document": document, "form": form, "audit_url": _audit_url()},
    )


@public
@require_GET
def document_pdf(request, reg_no):
    """The public PDF: the whole document when open, the withheld passages blacked out when
    partly open; none for a closed document. Never the original of a partly open one."""
    document = selectors.document_published_get(reg_no=reg_no)
    if not selectors.public_form(document).has_pdf:
        raise Http404
    try:
        handle = default_storage.open(document.public_pdf.name, "rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, content_type="application/pdf", filename=f"{document.reg_no}.pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600"
    response["Digest"] = f"sha-256={document.public_pdf_sha256}"
    return response


def pdf_url(document: Document) -> str:
    return reverse("open_documents:pdf", args=[document.reg_no])


def _grade_line(document: Document) -> str:
    line = f"{document.unit.name} · {document.get_grade_display()}"
    if document.grade != Grade.OPEN and document.ground_labels:
        line += " (" + "; ".join(str(g) for g in document.ground_labels) + ")"
    return line


class DocumentFeed(Feed):
    """The newest published documents matching the list's filters, as Atom."""

    feed_type = Atom1Feed
    title = gettext_lazy("Published documents")
    subtitle = gettext_lazy("Documents of public agencies, published in the original.")

    def get_object(self, request, *args, **kwargs):
        filters = selectors.filters_from(request.GET)
        return filters

    def link(self, filters):
        query = urlencode(filters.as_query())
        return reverse("open_documents:list") + (f"?{query}" if query else "")

    def items(self, filters):
        qs = selectors.documents_published(filters=filters).defer("body")
        return selectors.documents_page(qs, size=FEED_SIZE)[0]

    def item_title(self, item):
        return f"[{item.reg_no}] {item.title}"

    def item_description(self, item):
        return _grade_line(item)

    def item_link(self, item):
        return item.public_url()

    def item_guid(self, item):
        return item.reg_no

    def item_pubdate(self, item):
        return item.published_at

    def item_updateddate(self, item):
        return item.published_at

    def item_author_name(self, item):
        return item.unit.name


_feed = DocumentFeed()


@public
@require_GET
def document_feed(request):
    filters, errors = _filters_or_errors(request)
    if errors:
        return _bad_filters(request, errors)
    return _feed(request)


def _bad_filters(request, errors: dict):
    return _list_page(request, selectors.Filters(), errors)


def export_row(document: Document, request) -> dict:
    has_pdf = document.grade != Grade.CLOSED and bool(document.public_pdf)
    return {
        "reg_no": document.reg_no,
        "title": document.title,
        "unit_code": document.unit.code,
        "unit": document.unit.name,
        "type": document.document_type.code,
        "registered_at": document.registered_at.isoformat(),
        "published_at": document.published_at.isoformat(),
        "grade": document.grade,
        "grounds": ";".join(document.grounds),
        "url": request.build_absolute_uri(document.public_url()),
        "pdf_url": request.build_absolute_uri(pdf_url(document)) if has_pdf else "",
        "pdf_sha256": document.public_pdf_sha256 if has_pdf else "",
    }


COLUMNS = [
    "reg_no", "title", "unit_code", "unit", "type", "registered_at", "published_at", "grade",
    "grounds", "url", "pdf_url", "pdf_sha256",
]  # fmt: skip


@public
@require_GET
def document_export(request):
    """The list's documents as CSV or JSON (`format`), streamed, at most `limit` rows per file
    (EXPORT_MAX and by default); when more match, the header `Link: <…>; rel="next"` gives the
    next part (`after`)."""
    filters, errors = _filters_or_errors(request)
    fmt = request.GET.get("format", "csv")
    if fmt not in ("csv", "json"):
        errors["format"] = [_("Choose csv or json.")]
    limit = request.GET.get("limit", "") or str(EXPORT_MAX)
    if not limit.isdigit() or not 1 <= int(limit) <= EXPORT_MAX:
        errors["limit"] = [_("Give a number of rows from 1 to %(n)d.") % {"n": EXPORT_MAX}]
    if not errors:
        try:
            qs = selectors.documents_after(
                selectors.documents_published(filters=filters).defer("body"),
                request.GET.get("after", ""),
            )
        except ValidationError as error:
            errors = error.message_dict
    if errors:
        return _bad_filters(request, errors)
    limit = int(limit)
    next_cursor = selectors.cursor_past(qs, limit)
    dicts = (export_row(d, request) for d in selectors.documents_all(qs, limit=limit))
    if fmt == "csv":
        rows = ([row[c] for c in COLUMNS] for row in dicts)
        response = csv_response("documents.csv", COLUMNS, rows)
    else:
        response = StreamingHttpResponse(
            _json_lines(dicts), content_type="application/json; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="documents.json"'
    if next_cursor:
        query = urlencode(
            filters.as_query() | {"format": fmt, "limit": limit, "after": next_cursor}
        )
        url = request.build_absolute_uri(reverse("open_documents:export") + "?" + query)
        response["Link"] = f'<{url}>; rel="next"'
    response["Cache-Control"] = "public, max-age=60"
    return response


def _json_lines(rows):
    yield "["
    for i, row in enumerate(rows):
        yield ("," if i else "") + "\n" + json.dumps(row, ensure_ascii=False)
    yield "\n]\n"
