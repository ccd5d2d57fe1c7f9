"""Reads of complaints, always scoped to what the user may see."""

from datetime import datetime

from django.db.models import Avg, Count, F, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from nara.agencies.models import Membership, Unit
from nara.agencies.selectors import official_unit_ids

from . import policies
from .models import ANSWERED_STATUSES, OPEN_STATUSES, AnswerDraft, Complaint, Status

Role = Membership.Role


def complaint_get_visible(*, user, receipt_no: str) -> Complaint:
    """The complaint if `user` may see it; Http404 otherwise (never a hint that it exists)."""
    complaint = (
        Complaint.objects.select_related("unit", "category", "citizen", "handler", "region")
        .filter(receipt_no=str(receipt_no).strip().upper())
        .first()
    )
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


def inbox(
    *,
    user,
    status: str = "",
    kind: str = "",
    due: str = "",
    q: str = "",
    mine: bool = False,
    now: datetime | None = None,
) -> QuerySet[Complaint]:
    """An official's inbox: complaints of their units (and the triage queue for operators).
    `due`: "overdue", "today" (due by the end of today), "week" (within 7 days)."""
    now = now or timezone.now()
    units = official_unit_ids(user)
    scope = Q(unit_id__in=units)
    if policies.is_operator(user):
        scope |= Q(status=Status.TRIAGE)
    qs = Complaint.objects.filter(scope).select_related("unit", "handler")
    if status == "open" or not status:
        qs = qs.filter(status__in=OPEN_STATUSES)
    elif status in Status.values:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
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
    return qs.order_by("due_at", "id")


def current_answer_draft(complaint: Complaint) -> AnswerDraft | None:
    """The saved, not yet submitted answer of a complaint (기안), if any."""
    return complaint.drafts.filter(state=AnswerDraft.State.DRAFT).last()


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


def agency_figures() -> list[dict]:
    """Per agency (root unit) figures, public: received, answered, on-time rate, median handling
    time in hours, average satisfaction. Computed over each agency's whole subtree."""
    units = {u.pk: u for u in Unit.objects.all()}

    def root(unit_id):
        unit = units[unit_id]
        while unit.parent_id is not None:
            unit = units[unit.parent_id]
        return unit

    rows = (
        Complaint.objects.exclude(unit=None)
        .values("unit_id")
        .annotate(
            received=Count("id"),
            answered=Count("id", filter=Q(answered_at__isnull=False)),
            on_time=Count("id", filter=Q(answered_at__isnull=False, answered_at__lte=F("due_at"))),
            rating_sum=Avg("rating"),
            rated=Count("rating"),
        )
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
    durations = (
        Complaint.objects.filter(answered_at__isnull=False)
        .exclude(unit=None)
        .values_list("unit_id", "received_at", "answered_at")
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
    """The steps of a complaint from the audit log. Citizens do not see internal notes,
    who handled it internally, nor the approval line's back-and-forth."""
    from nara.audit.models import AuditEvent, EventType

    events = AuditEvent.objects.filter(
        target_type="complaints.complaint", target_id=str(complaint.pk)
    ).select_related("actor")
    if for_citizen:
        events = events.exclude(
            event_type__in=[
                EventType.COMPLAINT_NOTE_ADDED,
                EventType.COMPLAINT_CLAIMED,
                EventType.COMPLAINT_ASSIGNED,
                EventType.COMPLAINT_ANSWER_DRAFTED,
                EventType.COMPLAINT_ANSWER_SUBMITTED,
                EventType.COMPLAINT_ANSWER_RETURNED,
                EventType.COMPLAINT_ESCALATED,
            ]
        )
    return list(events.order_by("created_at", "id"))
