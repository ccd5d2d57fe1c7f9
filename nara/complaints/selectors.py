"""Reads of complaints, always scoped to what the user may see."""

from datetime import datetime

from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from nara.agencies.models import Membership, Unit
from nara.agencies.selectors import official_unit_ids
from nara.audit.models import AuditEvent, EventType
from nara.core.prepared import PreparedList, PreparedQuery

from . import policies
from .models import (
    ANSWERED_STATUSES,
    OPEN_STATUSES,
    AnswerDraft,
    Attachment,
    Complaint,
    InfoRequest,
    Kind,
    Note,
    Status,
)

Role = Membership.Role

# What a complaint's pages read on every view, compiled once (nara.core.prepared).
_by_receipt_no = PreparedQuery(
    lambda receipt_no: (
        Complaint.objects.select_related("unit", "category", "citizen", "handler", "region")
        .filter(receipt_no=receipt_no)
        .order_by()[:1]
    )
)
_attachments = PreparedQuery(
    lambda complaint_id: Attachment.objects.filter(complaint_id=complaint_id)
)
_info_requests = PreparedQuery(
    lambda complaint_id: InfoRequest.objects.filter(complaint_id=complaint_id)
)
_notes = PreparedQuery(
    lambda complaint_id: Note.objects.filter(complaint_id=complaint_id).select_related("author")
)
_follow_ups = PreparedQuery(
    lambda parent_id: Complaint.objects.filter(parent_id=parent_id).order_by("received_at", "id")
)
_drafts_in = PreparedQuery(
    lambda complaint_id, states: (
        AnswerDraft.objects.filter(complaint_id=complaint_id, state__in=states)
        .select_related("author", "decided_by")
        .order_by("-created_at", "-id")
    ),
    shape=("states",),
)
# Citizens do not see internal notes, who handled it internally, nor the approval line.
INTERNAL_EVENTS = [
    EventType.COMPLAINT_NOTE_ADDED,
    EventType.COMPLAINT_CLAIMED,
    EventType.COMPLAINT_ASSIGNED,
    EventType.COMPLAINT_ANSWER_DRAFTED,
    EventType.COMPLAINT_ANSWER_SUBMITTED,
    EventType.COMPLAINT_ANSWER_RETURNED,
    EventType.COMPLAINT_ESCALATED,
]


def _events_of(target_id: str, for_citizen: bool):
    events = AuditEvent.objects.filter(target_type="complaints.complaint", target_id=target_id)
    if for_citizen:
        events = events.exclude(event_type__in=INTERNAL_EVENTS)
    return events.select_related("actor").order_by("created_at", "id")


_events = PreparedQuery(_events_of, shape=("for_citizen",))


def complaint_get_visible(*, user, receipt_no: str) -> Complaint:
    """The complaint if `user` may see it; Http404 otherwise (never a hint that it exists)."""
    complaint = _by_receipt_no.first(receipt_no=str(receipt_no).strip().upper())
    if complaint is None or not policies.can_view(user, complaint):
        raise Http404
    return complaint


def complaint_get_for_official(*, user, receipt_no: str) -> Complaint:
    complaint = complaint_get_visible(user=user, receipt_no=receipt_no)
    if not policies.can_view_as_official(user, complaint):
        raise Http404
    return complaint


def complaints_of_citizen(*, user) -> QuerySet[Complaint]:
    return (
        Complaint.objects.filter(citizen=user)
        .select_related("unit")
        .order_by("-received_at", "-id")
    )


# The lists of complaints (a citizen's, an official's inbox) as Paginator sources, each query
# compiled once per filter and page (nara.core.prepared). `full`: what the API shows.
def _counted(qs: QuerySet[Complaint]) -> QuerySet:
    return qs.values("status").annotate(n=Count("id")).values_list("n", flat=True).order_by()


# The columns a row of the web lists shows (office/inbox.html; complaints/mine.html without the
# handler): their rows leave out the text, the location and the timestamps they do not show.
ROW_FIELDS = (
    *("receipt_no", "title", "status", "kind", "due_at", "flagged", "transfer_count"),
    *("unit__name_ko", "unit__name_en"),
)
HANDLER_FIELDS = ("handler__name", "handler__email")


# The columns the API shows of a complaint (nara.api.api.complaint_out): no handler, citizen,
# location or internal timestamps.
API_FIELDS = (
    *("receipt_no", "status", "kind", "title", "body", "received_at", "due_at", "flagged"),
    *("extended_at", "extension_reason", "paused_at", "answer", "answered_at"),
    *("rating", "rating_comment", "category__code", "parent__receipt_no"),
    *("unit__code", "unit__name_ko", "unit__name_en"),
)


def _listed(qs: QuerySet[Complaint], full: bool, handler: bool = True) -> QuerySet[Complaint]:
    """A list's rows: the columns the API shows (`full`: API_FIELDS), or those a web list's
    rows show (ROW_FIELDS, and the handler's name unless `handler` is false)."""
    if full:
        return qs.select_related("unit", "category", "parent").only(*API_FIELDS)
    if not handler:
        return qs.select_related("unit").only(*ROW_FIELDS)
    return qs.select_related("unit", "handler").only(*ROW_FIELDS, *HANDLER_FIELDS)


def _of_citizen(citizen_id: int, status: str) -> QuerySet[Complaint]:
    qs = Complaint.objects.filter(citizen_id=citizen_id)
    return qs.filter(status=status) if status else qs


_citizen_count = PreparedQuery(
    lambda citizen_id, status, full: _counted(_of_citizen(citizen_id, status)),
    shape=("status", "full"),
)
_citizen_page = PreparedQuery(
    lambda citizen_id, status, full, start, stop: _listed(
        _of_citizen(citizen_id, status),
        full,
        handler=False,  # the citizen's rows do not show it
    ).order_by("-received_at", "-id")[start:stop],
    shape=("status", "full", "start", "stop"),
)


def complaints_of_citizen_list(*, user, status: str = "", full: bool = False) -> PreparedList:
    """The citizen's complaints, newest first, optionally of one status."""
    return PreparedList(_citizen_count, _citizen_page, citizen_id=user.pk, status=status, full=full)


def _status_and_kind(qs: QuerySet[Complaint], status: str, kind: str) -> QuerySet[Complaint]:
    """The inbox's status filter ("open" or none: the open ones; an unknown status filters
    nothing) and kind filter."""
    if status == "open" or not status:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    return qs.filter(kind=kind) if kind else qs


def _in_units(units: tuple[int, ...], status: str, kind: str) -> QuerySet[Complaint]:
    return _status_and_kind(Complaint.objects.filter(unit_id__in=units), status, kind)


_inbox_count = PreparedQuery(
    lambda units, status, kind, full: _counted(_in_units(units, status, kind)),
    shape=("units", "status", "kind", "full"),
)
_inbox_page = PreparedQuery(
    lambda units, status, kind, full, start, stop: _listed(
        _in_units(units, status, kind), full
    ).order_by("due_at", "id")[start:stop],
    shape=("units", "status", "kind", "full", "start", "stop"),
)


def inbox_list(*, user, full: bool = False, **filters) -> "PreparedList | QuerySet[Complaint]":
    """`inbox()` for Django's Paginator. Filtering by status and kind only (the inbox as it
    opens) reads through compiled queries; other filters through `inbox()`."""
    units = tuple(sorted(official_unit_ids(user)))
    status, kind = filters.get("status", ""), filters.get("kind", "")
    simple = (
        not any(filters.get(k) for k in ("due", "q", "mine"))
        and kind in ("", *Kind.values)
        and filters.get("sort", "due") == "due"
    )
    if not simple or not units or policies.is_operator(user):
        return _listed(inbox(user=user, **filters), full)
    if status not in ("", "open", *Status.values):
        status = "all"  # as inbox(): an unknown status filters nothing
    return PreparedList(_inbox_count, _inbox_page, units=units, status=status, kind=kind, full=full)


def inbox(
    *,
    user,
    status: str = "",
    kind: str = "",
    due: str = "",
    q: str = "",
    mine: bool = False,
    sort: str = "due",
    now: datetime | None = None,
) -> QuerySet[Complaint]:
    """An official's inbox: complaints of their units (and the triage queue for operators).
    `due`: "overdue", "today" (due by the end of today), "week" (within 7 days). `sort`: one of
    INBOX_SORTS (the soonest due first by default)."""
    now = now or timezone.now()
    units = official_unit_ids(user)
    scope = Q(unit_id__in=units)
    if policies.is_operator(user):
        scope |= Q(status=Status.TRIAGE)
    qs = _status_and_kind(Complaint.objects.filter(scope), status, kind)
    if due == "overdue":
        qs = qs.filter(due_at__lt=now, status__in=OPEN_STATUSES).exclude(
            status=Status.WAITING_CITIZEN
        )
    elif due == "today":
        end = timezone.localtime(now).replace(hour=23, minute=59, second=59)
        qs = qs.filter(due_at__lte=end)
    elif due == "week":
        qs = qs.filter(due_at__lte=now + timezone.timedelta(days=7))
    if mine:
        qs = qs.filter(handler=user)
    q = (q or "").strip()
    if q:
        qs = qs.filter(Q(receipt_no__iexact=q) | Q(title__icontains=q) | Q(body__icontains=q))
    return qs.order_by(*INBOX_SORTS.get(sort, INBOX_SORTS["due"]))


# the inbox's orders: the soonest due first (the default), the latest due, the newest received,
# the oldest received, by receipt number
INBOX_SORTS = {
    "due": ("due_at", "id"),
    "-due": ("-due_at", "-id"),
    "-received": ("-received_at", "-id"),
    "received": ("received_at", "id"),
    "receipt": ("receipt_no",),
}


def last_answer_draft(complaint: Complaint, state: str) -> AnswerDraft | None:
    """The latest answer draft of a complaint in `state`, with its author and decider."""
    return last_answer_drafts(complaint, state).get(str(state))


def last_answer_drafts(complaint: Complaint, *states: str) -> dict[str, AnswerDraft]:
    """The latest answer draft of each of `states` that has one, with its author and decider,
    in one query (a complaint has a handful of drafts: one per answer written, submitted or
    returned)."""
    latest: dict[str, AnswerDraft] = {}
    if states:
        wanted = tuple(sorted({str(state) for state in states}))
        for draft in _drafts_in.all(complaint_id=complaint.pk, states=wanted):
            latest.setdefault(draft.state, draft)
    return latest


def current_answer_draft(complaint: Complaint) -> AnswerDraft | None:
    """The saved, not yet submitted answer of a complaint (기안), if any."""
    return last_answer_draft(complaint, AnswerDraft.State.DRAFT)


def attachments(complaint: Complaint) -> list[Attachment]:
    return _attachments.all(complaint_id=complaint.pk)


def info_requests(complaint: Complaint) -> list[InfoRequest]:
    return _info_requests.all(complaint_id=complaint.pk)


# The requests for information of up to INFO_BATCH complaints (arguments id0, id1, …): one
# compiled statement for any list of complaints, padded to the batch with repeated ids.
INFO_BATCH = 25
_info_requests_in = PreparedQuery(
    lambda **ids: InfoRequest.objects.filter(complaint_id__in=list(ids.values())).order_by(
        "asked_at", "id"
    )
)


def info_requests_of(complaints: list[Complaint]) -> dict[int, list[InfoRequest]]:
    """The requests for information of several complaints, by complaint id: one query per
    INFO_BATCH complaints (what prefetch_related would do, without building a related manager
    per complaint, nor compiling the query each time)."""
    by_complaint: dict[int, list[InfoRequest]] = {}
    ids = list(dict.fromkeys(c.pk for c in complaints))
    for start in range(0, len(ids), INFO_BATCH):
        batch = ids[start : start + INFO_BATCH]
        batch += batch[:1] * (INFO_BATCH - len(batch))
        for request in _info_requests_in.all(**{f"id{i}": pk for i, pk in enumerate(batch)}):
            by_complaint.setdefault(request.complaint_id, []).append(request)
    return by_complaint


def notes(complaint: Complaint) -> list[Note]:
    return _notes.all(complaint_id=complaint.pk)


def follow_ups(complaint: Complaint) -> list[Complaint]:
    return _follow_ups.all(parent_id=complaint.pk)


def public_complaints(*, q: str = "", unit: str = "") -> QuerySet[Complaint]:
    """Answered complaints whose citizens consented to publication."""
    qs = Complaint.objects.filter(
        publish_consent=True, status__in=ANSWERED_STATUSES
    ).select_related("unit", "category")
    if unit:
        qs = qs.filter(unit__code=unit)
    q = (q or "").strip()
    if q:
        # only the masked copies: searching the originals would reveal what the mask hides
        qs = qs.filter(
            Q(public_title__icontains=q)
            | Q(public_body__icontains=q)
            | Q(public_answer__icontains=q)
        )
    return qs.order_by("-answered_at", "-id")


def public_complaint(*, receipt_no: str) -> Complaint:
    complaint = public_complaints().filter(receipt_no=str(receipt_no).upper()).first()
    if complaint is None:
        raise Http404
    return complaint


def agency_figures(since=None) -> list[dict]:
    """Per agency (root unit) figures, public: received, answered, on-time rate, median handling
    time in hours, average satisfaction. Computed over each agency's whole subtree, for the
    complaints received from `since` on (all of them when None)."""
    units = {u.pk: u for u in Unit.objects.all()}

    def root(unit_id):
        unit = units[unit_id]
        while unit.parent_id is not None:
            unit = units[unit.parent_id]
        return unit

    received = Complaint.objects.exclude(unit=None)
    if since is not None:
        received = received.filter(received_at__gte=since)
    rows = received.values("unit_id").annotate(
        received=Count("id"),
        answered=Count("id", filter=Q(answered_at__isnull=False)),
        on_time=Count("id", filter=Q(answered_at__isnull=False, answered_at__lte=F("due_at"))),
        rating_sum=Avg("rating"),
        rated=Count("rating"),
    )
    by_agency: dict[int, dict] = {}
    for row in rows:
        agency = root(row["unit_id"])
        entry = by_agency.setdefault(
            agency.pk,
            {
                "agency": agency,
                "received": 0,
                "answered": 0,
                "on_time": 0,
                "rating_total": 0.0,
                "rated": 0,
                "durations": [],
            },
        )
        entry["received"] += row["received"]
        entry["answered"] += row["answered"]
        entry["on_time"] += row["on_time"]
        if row["rated"]:
            entry["rating_total"] += (row["rating_sum"] or 0) * row["rated"]
            entry["rated"] += row["rated"]
    durations = received.filter(answered_at__isnull=False).values_list(
        "unit_id", "received_at", "answered_at"
    )
    for unit_id, received, answered in durations.iterator():
        by_agency[root(unit_id).pk]["durations"].append((answered - received).total_seconds())
    result = []
    for entry in by_agency.values():
        values = sorted(entry.pop("durations"))
        median = None
        if values:
            mid = len(values) // 2
            median = values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2
        entry["median_hours"] = round(median / 3600, 1) if median is not None else None
        entry["on_time_rate"] = (
            round(100 * entry["on_time"] / entry["answered"], 1) if entry["answered"] else None
        )
        entry["satisfaction"] = (
            round(entry["rating_total"] / entry["rated"], 2) if entry["rated"] else None
        )
        entry.pop("rating_total")
        result.append(entry)
    return sorted(result, key=lambda e: e["agency"].code)


def timeline(complaint: Complaint, *, for_citizen: bool) -> list:
    """The steps of a complaint from the audit log (for citizens, without INTERNAL_EVENTS)."""
    return _events.all(target_id=str(complaint.pk), for_citizen=for_citizen)
