"""Every write to a civil complaint. Each function, inside one transaction: locks the complaint,
checks the policy and the transition table, changes the state, writes the audit event and the
notifications (outbox rows, same transaction); mail leaves after commit."""

import hashlib
import re
import secrets
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership, Unit
from nara.agencies.selectors import route, unit_members, user_has_role
from nara.approvals import engine
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core import clock
from nara.core.errors import NotAllowed, required
from nara.core.transitions import transition
from nara.core.uploads import CleanFile
from nara.notifications.messages import localized, msg
from nara.notifications.services import notify

from . import policies
from .models import (
    AnswerDraft,
    Attachment,
    Complaint,
    InfoRequest,
    Kind,
    Note,
    Status,
    Transfer,
)
from .transitions import TABLE, Action

Role = Membership.Role
RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L, U: easy to read and type


class RepeatComplaint(Exception):
    """The citizen filed the same content before; show them the earlier complaint first."""

    def __init__(self, earlier: Complaint):
        super().__init__(earlier.receipt_no)
        self.earlier = earlier


def complaint_url(complaint: Complaint) -> str:
    return f"/complaints/{complaint.receipt_no}/"


def official_url(complaint: Complaint) -> str:
    return f"/office/complaints/{complaint.receipt_no}/"


def lock_complaint(complaint: Complaint) -> Complaint:
    return (
        Complaint.objects.select_for_update(of=("self",))
        .select_related("unit")
        .get(pk=complaint.pk)
    )


def content_fingerprint(title: str, body: str) -> str:
    normal = re.sub(r"\s+", " ", f"{title}\n{body}".strip().lower())
    return hashlib.sha256(normal.encode()).hexdigest()


def new_receipt_no(moment: datetime) -> str:
    local = timezone.localtime(moment)
    tail = "".join(secrets.choice(RECEIPT_ALPHABET) for _ in range(6))
    return f"{settings.NARA_RECEIPT_PREFIX}-{local:%y%m%d}-{tail[:3]}{tail[3:]}"


def compute_due(complaint: Complaint) -> datetime:
    """The deadline from the clock start, the kind's period, and any pauses."""
    period = clock.period_for_kind(complaint.kind)
    due = clock.due_at(complaint.clock_started_at, period)
    if period.counted_in_hours:
        return clock.add_working_minutes(due, complaint.paused_minutes)
    return clock.add_working_days(due, complaint.paused_days)


def notify_unit(unit: Unit | None, roles: tuple[str, ...], subject, body, complaint, email=True):
    if unit is None:
        return
    for official in unit_members(unit, *roles):
        notify(user=official, subject=subject, body=body, url=official_url(complaint), email=email)


# --- filing ----------------------------------------------------------------------------------


def complaint_file(
    *,
    citizen,
    kind: str,
    title: str,
    body: str,
    category=None,
    address: str = "",
    latitude=None,
    longitude=None,
    region=None,
    publish_consent: bool = False,
    attachments: list[CleanFile] = (),
    parent: Complaint | None = None,
    idempotency_key: str = "",
    confirm_repeat: bool = False,
) -> Complaint:
    """File a civil complaint (민원 접수). A retry with the same idempotency key returns the
    complaint the first attempt created."""
    if not getattr(citizen, "is_authenticated", False):
        raise NotAllowed()
    if kind not in Kind.values:
        raise ValidationError({"kind": _("Choose a kind of complaint.")})
    if len(attachments) > settings.NARA_MAX_ATTACHMENTS:
        raise ValidationError(
            {"attachments": _("Attach at most %(n)d files.") % {"n": settings.NARA_MAX_ATTACHMENTS}}
        )
    if earlier := _by_idempotency_key(citizen, idempotency_key):
        return earlier
    if parent is not None and parent.citizen_id != citizen.pk:
        raise ValidationError({"parent": _("You can only follow up your own complaints.")})
    fingerprint = content_fingerprint(title, body)
    if not confirm_repeat:
        earlier = (
            Complaint.objects.filter(citizen=citizen, fingerprint=fingerprint)
            .order_by("-received_at")
            .first()
        )
        if earlier is not None:
            # a concurrent retry of this very submission may have committed first
            if same := _by_idempotency_key(citizen, idempotency_key):
                return same
            raise RepeatComplaint(earlier)

    written: list[str] = []  # attachment files stored so far
    try:
        with transaction.atomic():
            complaint = _complaint_create(
                written=written,
                citizen=citizen,
                kind=kind,
                title=title,
                body=body,
                category=category,
                address=address,
                latitude=latitude,
                longitude=longitude,
                region=region,
                publish_consent=publish_consent,
                attachments=attachments,
                parent=parent,
                idempotency_key=idempotency_key,
                fingerprint=fingerprint,
            )
    except BaseException as error:
        for name in written:  # their rows went with the transaction: so do the files
            default_storage.delete(name)
        if isinstance(error, IntegrityError) and (
            existing := _by_idempotency_key(citizen, idempotency_key)
        ):
            return existing  # a concurrent retry won the race: its complaint is this one
        raise
    return complaint


def _by_idempotency_key(citizen, key: str) -> Complaint | None:
    if not key:
        return None
    return Complaint.objects.filter(citizen=citizen, idempotency_key=key).first()


def _complaint_create(*, written, citizen, attachments, fingerprint, **fields) -> Complaint:
    now = timezone.now()
    unit = route(
        category=fields["category"],
        text=f"{fields['title']}\n{fields['body']}",
        region=fields["region"],
    )
    complaint = Complaint(
        citizen=citizen,
        status=Status.RECEIVED if unit else Status.TRIAGE,
        unit=unit,
        received_at=now,
        clock_started_at=now,
        fingerprint=fingerprint,
        **fields,
    )
    complaint.due_at = compute_due(complaint)
    for _attempt in range(5):
        complaint.receipt_no = new_receipt_no(now)
        if not Complaint.objects.filter(receipt_no=complaint.receipt_no).exists():
            break
    complaint.save()
    for item in attachments:
        attachment = Attachment.objects.create(
            complaint=complaint,
            file=ContentFile(item.data, name=item.name),
            name=item.name,
            content_type=item.content_type,
            size=len(item.data),
        )
        written.append(attachment.file.name)
    audit_record(
        actor=citizen,
        event_type=EventType.COMPLAINT_FILED,
        target=complaint,
        to_state=complaint.status,
        data={
            "kind": complaint.kind,
            "unit": unit.code if unit else None,
            "parent": fields["parent"].receipt_no if fields["parent"] else None,
        },
    )
    notify(
        user=citizen,
        subject=msg(_("Complaint %(no)s received"), {"no": complaint.receipt_no}),
        body=msg(
            _("We received your complaint “%(title)s”. It will be answered by %(due)s."),
            {"title": complaint.title, "due": clock.local_text(complaint.due_at)},
        ),
        url=complaint_url(complaint),
    )
    notify_unit(  # nobody yet if it waits in the triage queue
        unit,
        (Role.HANDLER,),
        msg(_("New complaint %(no)s"), {"no": complaint.receipt_no}),
        complaint.title,
        complaint,
        email=False,
    )
    return complaint


# --- handling --------------------------------------------------------------------------------


def complaint_transition(complaint: Complaint, *, by, action: Action, allowed, event: EventType):
    """One state change of a complaint (nara.core.transitions.transition), its unit read with
    the locked row."""
    return transition(
        complaint,
        by=by,
        action=action,
        table=TABLE,
        allowed=allowed,
        event=event,
        locker=lock_complaint,
    )


def complaint_claim(*, complaint: Complaint, by) -> Complaint:
    """A handler of the unit takes the complaint (담당자 지정)."""
    with complaint_transition(
        complaint,
        by=by,
        action=Action.CLAIM,
        allowed=policies.can_claim,
        event=EventType.COMPLAINT_CLAIMED,
    ) as change:
        change.obj.handler = by
    return change.obj


def complaint_assign(*, complaint: Complaint, by, handler) -> Complaint:
    """The unit's approver or agency administrator gives the complaint to a handler."""
    with complaint_transition(
        complaint,
        by=by,
        action=Action.ASSIGN,
        allowed=policies.can_assign,
        event=EventType.COMPLAINT_ASSIGNED,
    ) as change:
        c = change.obj
        if not user_has_role(handler, c.unit_id, Role.HANDLER):
            raise ValidationError({"handler": _("Choose a handler of this unit.")})
        c.handler = handler
        change.data = {"handler": handler.pk}
        notify(
            user=handler,
            subject=msg(_("Complaint %(no)s assigned to you"), {"no": c.receipt_no}),
            body=c.title,
            url=official_url(c),
            email=False,
        )
    return c


def complaint_transfer(*, complaint: Complaint, by, to_unit: Unit, reason: str) -> Complaint:
    """Transfer to the competent unit (이송), or route out of triage. The clock restarts there."""
    reason = required(reason, "reason", _("Give the reason for the transfer."))
    if complaint.status == Status.TRIAGE:
        action, allowed, event = Action.ROUTE, policies.can_route, EventType.COMPLAINT_ROUTED
    else:
        action, allowed = Action.TRANSFER, policies.can_transfer
        event = EventType.COMPLAINT_TRANSFERRED
    with complaint_transition(
        complaint, by=by, action=action, allowed=allowed, event=event
    ) as change:
        c = change.obj
        if not to_unit.is_active or to_unit.pk == c.unit_id:
            raise ValidationError({"to_unit": _("Choose another, active unit.")})
        from_unit = c.unit
        c.unit, c.handler = to_unit, None
        c.clock_started_at = timezone.now()
        c.paused_minutes = c.paused_days = 0
        c.extended_at, c.extension_reason, c.escalated_at = None, "", None
        if action == Action.TRANSFER:
            c.transfer_count += 1
            c.flagged = c.flagged or c.transfer_count >= settings.NARA_TRANSFER_FLAG_AT
        c.due_at = compute_due(c)
        Transfer.objects.create(
            complaint=c, from_unit=from_unit, to_unit=to_unit, reason=reason, by=by
        )
        change.data = {
            "from": from_unit.code if from_unit else None,
            "to": to_unit.code,
            "reason": reason,
            "due_at": c.due_at.isoformat(),
            "flagged": c.flagged,
        }
        notify(
            user=c.citizen,
            subject=msg(
                _("Complaint %(no)s sent to %(unit)s"),
                {"no": c.receipt_no, "unit": localized(to_unit)},
            ),
            body=msg(
                _("Your complaint is now handled by %(unit)s and will be answered by %(due)s."),
                {"unit": localized(to_unit), "due": clock.local_text(c.due_at)},
            ),
            url=complaint_url(c),
        )
        notify_unit(
            to_unit,
            (Role.HANDLER,),
            msg(_("New complaint %(no)s"), {"no": c.receipt_no}),
            c.title,
            c,
            email=False,
        )
    return c


def complaint_extend(*, complaint: Complaint, by, new_due: date, reason: str) -> Complaint:
    """Extend the handling period once (처리기간 연장), by at most the original period; the
    citizen is told the reason and the new date."""
    reason = required(reason, "reason", _("Give the reason for the extension."))
    with complaint_transition(
        complaint,
        by=by,
        action=Action.EXTEND,
        allowed=policies.can_handle,
        event=EventType.COMPLAINT_EXTENDED,
    ) as change:
        c = change.obj
        if c.extended_at is not None:
            raise ValidationError(
                {
                    "new_due": _(
                        "The period was already extended once; a further extension needs "
                        "the citizen's consent."
                    )
                }
            )
        period = clock.period_for_kind(c.kind)
        new_due_at = timezone.make_aware(datetime.combine(new_due, clock.office_close()))
        limit = clock.extension_limit(c.due_at, period)
        if period.counted_in_hours and new_due == timezone.localtime(limit).date():
            new_due_at = min(new_due_at, limit)  # a period in hours ends within the day
        if not clock.is_working_day(new_due):
            raise ValidationError({"new_due": _("Choose a working day.")})
        if new_due_at <= c.due_at:
            raise ValidationError({"new_due": _("Choose a date after the current deadline.")})
        if new_due_at > limit:
            raise ValidationError(
                {
                    "new_due": _(
                        "An extension may not be longer than the original period "
                        "(at most %(limit)s)."
                    )
                    % {"limit": clock.local_text(limit)}
                }
            )
        change.data = {"from": c.due_at.isoformat(), "to": new_due_at.isoformat(), "reason": reason}
        c.due_at, c.extended_at, c.extension_reason = new_due_at, timezone.now(), reason
        c.escalated_at = None
        notify(
            user=c.citizen,
            subject=msg(_("Complaint %(no)s: handling period extended"), {"no": c.receipt_no}),
            body=msg(
                _("The handling period was extended to %(due)s. Reason: %(reason)s"),
                {"due": clock.local_text(new_due_at), "reason": reason},
            ),
            url=complaint_url(c),
        )
    return c


def complaint_request_info(*, complaint: Complaint, by, question: str) -> Complaint:
    """Ask the citizen for more information (보완 요구); the clock stops until they reply."""
    question = required(question, "question", _("Write what you need from the citizen."))
    with complaint_transition(
        complaint,
        by=by,
        action=Action.REQUEST_INFO,
        allowed=policies.can_handle,
        event=EventType.COMPLAINT_INFO_REQUESTED,
    ) as change:
        c = change.obj
        c.paused_at = timezone.now()
        c.handler = c.handler or by
        InfoRequest.objects.create(
            complaint=c, asked_by=by, question=question, asked_at=c.paused_at
        )
        change.data = {"question": question}
        notify(
            user=c.citizen,
            subject=msg(_("Complaint %(no)s: more information needed"), {"no": c.receipt_no}),
            body=question,
            url=complaint_url(c),
        )
    return c


def complaint_reply_info(*, complaint: Complaint, by, reply: str) -> Complaint:
    """The citizen answers a request for information; the clock starts again."""
    reply = required(reply, "reply", _("Write your reply."))
    with complaint_transition(
        complaint,
        by=by,
        action=Action.REPLY_INFO,
        allowed=policies.can_act_as_citizen,
        event=EventType.COMPLAINT_INFO_REPLIED,
    ) as change:
        c = change.obj
        now = timezone.now()
        _resume_clock(c, now)
        c.info_requests.filter(replied_at=None).update(reply=reply, replied_at=now)
        change.data = {"due_at": c.due_at.isoformat()}
        if c.handler is not None:
            notify(
                user=c.handler,
                subject=msg(_("Complaint %(no)s: the citizen replied"), {"no": c.receipt_no}),
                body=reply,
                url=official_url(c),
                email=False,
            )
    return c


def _resume_clock(complaint: Complaint, now: datetime) -> None:
    """Add the working time the citizen took to the deadline."""
    paused_at, complaint.paused_at = complaint.paused_at, None
    if paused_at is None:
        return
    period = clock.period_for_kind(complaint.kind)
    if period.counted_in_hours:
        minutes = clock.working_minutes_between(paused_at, now)
        complaint.paused_minutes += minutes
        shifted = clock.add_working_minutes(complaint.due_at, minutes)
    else:
        days = clock.working_days_between(paused_at, now)
        complaint.paused_days += days
        shifted = clock.add_working_days(complaint.due_at, days)
    complaint.due_at = shifted if complaint.extended_at else compute_due(complaint)


def complaint_add_note(*, complaint: Complaint, by, body: str) -> Note:
    """An internal note; never shown to the citizen."""
    body = required(body, "body", _("Write the note."))
    with complaint_transition(
        complaint,
        by=by,
        action=Action.ADD_NOTE,
        allowed=policies.can_view_as_official,
        event=EventType.COMPLAINT_NOTE_ADDED,
    ) as change:
        note = Note.objects.create(complaint=change.obj, author=by, body=body)
    return note


# --- the citizen after filing -----------------------------------------------------------------


def complaint_withdraw(*, complaint: Complaint, by) -> Complaint:
    """The citizen withdraws a complaint not yet answered (취하)."""
    with complaint_transition(
        complaint,
        by=by,
        action=Action.WITHDRAW,
        allowed=policies.can_act_as_citizen,
        event=EventType.COMPLAINT_WITHDRAWN,
    ) as change:
        c = change.obj
        c.withdrawn_at, c.paused_at = timezone.now(), None
        for draft in c.drafts.filter(state=AnswerDraft.State.SUBMITTED):
            engine.line_cancel(subject=draft, by=by)  # nothing left to approve
        if c.handler is not None:
            notify(
                user=c.handler,
                subject=msg(_("Complaint %(no)s withdrawn"), {"no": c.receipt_no}),
                body=c.title,
                url=official_url(c),
                email=False,
            )
    return c


def complaint_rate(*, complaint: Complaint, by, rating: int, comment: str = "") -> Complaint:
    """The citizen rates the answer (만족도 평가), 1 to 5."""
    try:
        rating = int(rating)
    except (TypeError, ValueError):
        rating = 0
    if not 1 <= rating <= 5:
        raise ValidationError({"rating": _("Choose a rating from 1 to 5.")})
    with complaint_transition(
        complaint,
        by=by,
        action=Action.RATE,
        allowed=policies.can_act_as_citizen,
        event=EventType.COMPLAINT_RATED,
    ) as change:
        c = change.obj
        c.rating, c.rating_comment, c.rated_at = rating, (comment or "").strip(), timezone.now()
        change.data = {"rating": rating}
    return c
