"""Reads of disclosure requests, scoped to what the user may see (else Http404)."""

from django.db.models import Case, IntegerField, Value, When
from django.http import Http404

from nara.agencies.selectors import official_unit_ids
from nara.audit.models import AuditEvent, EventType
from nara.core.masking import mask_personal_data

from . import policies
from .models import OBJECTION_OPEN, UNDECIDED, DisclosureRequest, Status

NO_PATTERN = r"[0-9]{4}-[0-9]{6}"
# Requesters and the public do not see the approval line's comings and goings.
INTERNAL_EVENTS = [EventType.DISCLOSURE_DECISION_SUBMITTED, EventType.DISCLOSURE_DECISION_RETURNED]
TARGET_TYPE = "disclosure.disclosurerequest"


def _base():
    return DisclosureRequest.objects.select_related("agency", "unit")


def _full():
    return _base().select_related("decision", "objection", "requester")


def request_get_visible(*, user, no: str) -> DisclosureRequest:
    """The request if `user` may see it (its requester, officials of the handling unit)."""
    r = _full().filter(no=str(no).strip()[:20]).first()
    if r is None or not policies.can_view(user, r):
        raise Http404
    return r


def requests_of_requester(*, user):
    return _base().filter(requester=user).order_by("-received_at", "-id")


def inbox(*, user, status: str = ""):
    """The requests of the official's units, those still to decide first, soonest deadline
    (overdue) first; then objections; then the rest, newest first."""
    units = official_unit_ids(user, policies.HANDLING_ROLES)
    rows = _base().filter(unit_id__in=units)
    if status in Status.values:
        rows = rows.filter(status=status)
    return rows.annotate(
        rank=Case(
            When(status__in=UNDECIDED, then=Value(0)),
            When(status__in=OBJECTION_OPEN, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    ).order_by("rank", "due_at", "-received_at")


def is_official_anywhere(user) -> bool:
    return bool(official_unit_ids(user, policies.HANDLING_ROLES))


def timeline(r: DisclosureRequest, *, for_requester: bool) -> list[AuditEvent]:
    events = AuditEvent.objects.filter(target_type=TARGET_TYPE, target_id=str(r.pk))
    if for_requester:
        events = events.exclude(event_type__in=INTERNAL_EVENTS)
    return list(events.select_related("actor").order_by("created_at", "id"))


def released_files(r: DisclosureRequest, *, user):
    """The files `user` may see: officials all of them; the requester the released ones."""
    if policies.can_view_as_official(user, r):
        return list(r.files.all())
    return list(r.files.exclude(released_at=None))


def file_for_download(*, user, r: DisclosureRequest, file_id: int):
    """A file of the request the user may take now; Http404 for any other."""
    item = r.files.filter(pk=file_id).first()
    if item is None or not policies.can_download(user, r):
        raise Http404
    if not policies.can_view_as_official(user, r) and not item.is_available():
        raise Http404
    return item


# --- the public register ------------------------------------------------------------------------


def register(*, q: str = ""):
    """Requests in the public register: every request its requester did not opt out of,
    withdrawn ones aside."""
    rows = _base().select_related("decision").filter(published_in_register=True)
    rows = rows.exclude(status=Status.WITHDRAWN)
    if q:
        rows = rows.filter(public_text__icontains=q)  # masked as shown: no masked word is found
    return rows.order_by("-received_at", "-id")


def register_entry(*, no: str) -> DisclosureRequest:
    r = register().select_related("objection", "requester").filter(no=str(no)[:20]).first()
    if r is None:
        raise Http404
    return r


def anonymised(r: DisclosureRequest, text: str) -> str:
    """`text` as the register shows it: the requester's name, e-mail and the personal data
    people write masked (nara.core.masking)."""
    return mask_personal_data(text, extra=[r.requester.name, r.requester.email])
