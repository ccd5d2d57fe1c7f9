"""Reads of published documents (원문정보공개): one search used by the public list, its feed, its
exports and the API, and what of a document each grade lets the public see.

Only documents with `published_at` are public. Lists are ordered newest publication first
(`-published_at, -id`, the index `document_published`), or newest registration first when
registration dates are asked (`-registered_at, -id`, the index `document_registered`: the range
is read from that index and stops after a page, however many documents were published since),
and paged by keyset (a cursor naming the
last row shown), never by counting or offsetting: a page costs the same at ten thousand and at
a million documents. Words are searched in the title of every public document and in its
`public_text` (set at publication: an open document's text, a partly open one's with its
withheld passages replaced by their grounds, nothing of a closed one's), so that a search never
reveals a word the public may not read. On PostgreSQL, trigram indexes (migrations 0002, 0004)
serve these searches; SQLite scans."""

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Unit
from nara.agencies.selectors import unit_descendant_ids

from . import text
from .grounds import Grade
from .models import Document, DocumentType

PAGE_SIZE = 20
MAX_WORDS = 5
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class Filters:
    """A public search: words, a unit (with the units below it), registration dates (both
    ends included), a document type's code and a grade."""

    q: str = ""
    unit: str = ""
    date_from: date | None = None
    date_to: date | None = None
    type: str = ""
    grade: str = ""

    def as_query(self) -> dict[str, str]:
        """The filters as query parameters (for links to the next page, the feed, exports)."""
        values = {
            "q": self.q,
            "unit": self.unit,
            "from": self.date_from.isoformat() if self.date_from else "",
            "to": self.date_to.isoformat() if self.date_to else "",
            "type": self.type,
            "grade": self.grade,
        }
        return {k: v for k, v in values.items() if v}


def _clean(value, max_length: int) -> str:
    return CONTROL.sub("", str(value or "")).strip()[:max_length]


def _date(value: str, field: str, errors: dict) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = [_("Give the date as YYYY-MM-DD, e.g. 2026-03-31.")]
        return None


def filters_from(params) -> Filters:
    """The filters from query parameters (a QueryDict or a dict), or ValidationError with a
    message for each parameter that is not valid."""
    errors: dict[str, list] = {}
    get = params.get
    filters = Filters(
        q=_clean(get("q"), 200),
        unit=_clean(get("unit"), 40),
        date_from=_date(_clean(get("from"), 20), "from", errors),
        date_to=_date(_clean(get("to"), 20), "to", errors),
        type=_clean(get("type"), 40),
        grade=_clean(get("grade"), 10),
    )
    if filters.grade and filters.grade not in Grade.values:
        errors["grade"] = [_("Choose open, partial or closed.")]
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors["to"] = [_("The end date is before the start date.")]
    if filters.unit and not Unit.objects.filter(code=filters.unit).exists():
        errors["unit"] = [_("Unknown unit.")]
    if filters.type and not DocumentType.objects.filter(code=filters.type).exists():
        errors["type"] = [_("Unknown document type.")]
    if errors:
        raise ValidationError(errors)
    return filters


def _day_start(day: date) -> datetime:
    """The day's first moment here; the first and the last days of the calendar are clamped a
    day inwards, where the time zone's offset would carry them out of range."""
    day = min(max(day, date.min + timedelta(days=1)), date.max - timedelta(days=1))
    return timezone.make_aware(datetime.combine(day, time.min))


def documents_published(*, filters: Filters = Filters()) -> QuerySet[Document]:
    """Published documents matching `filters`, newest publication first. A unit's code takes
    in the units below it (an agency's code finds the documents of all its divisions)."""
    qs = Document.objects.filter(published_at__isnull=False).select_related("unit", "document_type")
    if filters.unit:
        top = Unit.objects.filter(code=filters.unit).values_list("pk", flat=True).first()
        qs = qs.filter(unit_id__in=sorted(unit_descendant_ids({top})) if top else [])
    if filters.type:
        qs = qs.filter(document_type__code=filters.type)
    if filters.grade:
        qs = qs.filter(grade=filters.grade)
    if filters.date_from:
        start = _day_start(filters.date_from)
        # published after registration: the bound lets the published index start there
        qs = qs.filter(registered_at__gte=start, published_at__gte=start)
    if filters.date_to:
        qs = qs.filter(registered_at__lt=_day_start(filters.date_to) + timedelta(days=1))
    for word in filters.q.split()[:MAX_WORDS]:
        qs = qs.filter(Q(title__icontains=word) | Q(public_text__icontains=word))
    key = "registered_at" if filters.date_from or filters.date_to else "published_at"
    return qs.order_by(f"-{key}", "-id")


# --- keyset pages ----------------------------------------------------------------------------


KEYS = ("published_at", "registered_at")


def _key(qs: QuerySet[Document]) -> str:
    """The moment a list of documents_published is ordered by."""
    first = qs.query.order_by[0].lstrip("-") if qs.query.order_by else ""
    return first if first in KEYS else "published_at"


def cursor_of(document: Document, key: str = "published_at") -> str:
    """An opaque cursor naming a row of a list ordered by `key`: the next page starts after it."""
    return _cursor(getattr(document, key), document.pk)


def _cursor(published_at: datetime, pk: int) -> str:
    raw = f"{published_at.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _after(cursor: str) -> tuple[datetime, int]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        at, _sep, pk = base64.urlsafe_b64decode(padded.encode()).decode().partition("|")
        moment, number = datetime.fromisoformat(at), int(pk)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise ValidationError({"cursor": [_("This page link is not valid: start again.")]})
    if moment.tzinfo is None or not 0 < number < 2**63:
        raise ValidationError({"cursor": [_("This page link is not valid: start again.")]})
    return moment, number


def documents_after(qs: QuerySet[Document], cursor: str) -> QuerySet[Document]:
    """The rows of `qs` after the one `cursor` names (all of them without a cursor), or
    ValidationError for a cursor that is not one of ours."""
    cursor = _clean(cursor, 200)
    if not cursor:
        return qs
    at, pk = _after(cursor)
    key = _key(qs)
    return qs.filter(Q(**{f"{key}__lt": at}) | Q(**{key: at, "pk__lt": pk}))


def documents_page(
    qs: QuerySet[Document], *, cursor: str = "", size: int = PAGE_SIZE
) -> tuple[list[Document], str]:
    """One page of `qs` (ordered as documents_published orders) after `cursor`, and the cursor
    of the next page ("" on the last). One query."""
    rows = list(documents_after(qs, cursor)[: size + 1])
    more = len(rows) > size
    rows = rows[:size]
    return rows, cursor_of(rows[-1], _key(qs)) if more else ""


def documents_all(qs: QuerySet[Document], *, limit: int, chunk: int = 500):
    """Up to `limit` rows of `qs` (already past any cursor), read `chunk` at a time by keyset,
    for exports: memory stays flat however many rows are given."""
    cursor, given = "", 0
    while given < limit:
        rows, cursor = documents_page(qs, cursor=cursor, size=min(chunk, limit - given))
        yield from rows
        given += len(rows)
        if not cursor:
            return


def cursor_past(qs: QuerySet[Document], count: int) -> str:
    """The cursor after the first `count` rows of `qs` when more follow, else "" (one query:
    an export announces its next part before streaming this one)."""
    rows = list(qs.values_list(_key(qs), "pk")[count - 1 : count + 1])
    return _cursor(*rows[0]) if len(rows) == 2 else ""


# --- one document ----------------------------------------------------------------------------


def document_published_get(*, reg_no: str) -> Document:
    """A published document by its registration number, else 404 (drafts, documents in
    approval and those registered but not yet published included)."""
    reg_no = reg_no or ""
    if not reg_no or len(reg_no) > 200 or CONTROL.search(reg_no):
        raise Http404
    document = (
        Document.objects.select_related("unit", "document_type")
        .filter(reg_no=reg_no, published_at__isnull=False)
        .first()
    )
    if document is None:
        raise Http404
    return document


@dataclass(frozen=True)
class PublicForm:
    """What the public sees of a document: the body (sanitised HTML, withheld passages replaced
    by bars naming their ground) or nothing, the grounds, and the public PDF if any."""

    body_html: str
    withheld: list[str]  # the ground of each withheld passage, in order
    grounds: list[str]
    has_pdf: bool

    @property
    def text(self) -> str:
        return text.plain_text(self.body_html) if self.body_html else ""


def public_form(document: Document) -> PublicForm:
    """The document as far as its grade allows: 공개 in full, 부분공개 redacted, 비공개 none.
    The original (`document.pdf`) is never part of it."""
    grounds = list(document.ground_labels)
    if document.grade == Grade.OPEN:
        return PublicForm(document.body, [], grounds, bool(document.public_pdf))
    if document.grade == Grade.PARTIAL:
        passages = [(w.passage, w.get_ground_display()) for w in document.withheld.all()]
        body = text.redact_html(document.body, passages)
        return PublicForm(
            body, [label for _p, label in passages], grounds, bool(document.public_pdf)
        )
    return PublicForm("", [], grounds, False)
