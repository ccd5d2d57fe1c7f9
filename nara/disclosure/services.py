"""Every write to a disclosure request but the decisions (decisions.py). Each change goes through
`request_transition` (nara.core.transitions.transition): lock, policy, transition table, the
change, the audit event; notifications are queued in the same transaction and mail leaves
after commit."""

from datetime import datetime

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership, Unit
from nara.agencies.selectors import unit_members
from nara.approvals import engine
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.clock import local_text
from nara.core.errors import InvalidTransition, NotAllowed, required
from nara.core.transitions import lock, transition
from nara.notifications.messages import localized, msg
from nara.notifications.services import email_enqueue, notify

from . import periods, policies, selectors
from .models import (
    Decision,
    Delivery,
    DisclosureRequest,
    DraftState,
    Form,
    Objection,
    Opinion,
    Status,
    ThirdParty,
    Transfer,
)
from .transitions import TABLE, Action

Role = Membership.Role


def requester_url(r: DisclosureRequest) -> str:
    return f"/disclosure/{r.no}/"


def office_url(r: DisclosureRequest) -> str:
    return f"/office/disclosure/{r.no}/"


def request_transition(r: DisclosureRequest, *, by, action: Action, allowed, event, data=None):
    """One state change of a request (nara.core.transitions.transition)."""
    return transition(
        r, by=by, action=action, table=TABLE, allowed=allowed, event=event, data=data, locker=lock
    )


def tell_requester(r: DisclosureRequest, subject, body) -> None:
    notify(user=r.requester, subject=subject, body=body, url=requester_url(r))


def tell_unit(r: DisclosureRequest, roles: tuple[str, ...], subject, body="") -> None:
    for official in unit_members(r.unit, *roles):
        notify(user=official, subject=subject, body=body or r.title, url=office_url(r), email=False)


# --- the request -------------------------------------------------------------------------------


def _next_no(now: datetime) -> str:
    year = timezone.localtime(now).year
    last = (
        DisclosureRequest.objects.filter(no__startswith=f"{year}-")
        .order_by("-no")
        .values_list("no", flat=True)
        .first()
    )
    return f"{year}-{int(last.split('-')[1]) + 1 if last else 1:06d}"


def request_file(
    *,
    requester,
    unit: Unit,
    title: str,
    body: str,
    purpose: str = "",
    form: str,
    delivery: str,
    published_in_register: bool = True,
    idempotency_key: str = "",
) -> DisclosureRequest:
    """A signed-in person asks `unit` (an agency or one of its units) for information
    (정보공개청구). The clock starts at receipt. A retry with the same key returns the first."""
    if not getattr(requester, "is_authenticated", False):
        raise NotAllowed()
    errors = {}
    title = (title or "").strip()
    body = (body or "").strip()
    if not title:
        errors["title"] = [_("Say in a few words what you ask for.")]
    if not body:
        errors["body"] = [_("Describe the information you ask for.")]
    if form not in Form.values:
        errors["form"] = [_("Choose a form.")]
    if delivery not in Delivery.values:
        errors["delivery"] = [_("Choose how to receive it.")]
    if unit is None or not unit.is_active:
        errors["unit"] = [_("Choose an agency.")]
    if errors:
        raise ValidationError(errors)
    if earlier := _by_key(requester, idempotency_key):
        return earlier
    now = timezone.now()
    for _attempt in range(10):
        try:
            with transaction.atomic():
                r = DisclosureRequest.objects.create(
                    no=_next_no(now),
                    requester=requester,
                    agency=unit.agency,
                    unit=unit,
                    title=title,
                    body=body,
                    purpose=(purpose or "").strip(),
                    form=form,
                    delivery=delivery,
                    published_in_register=published_in_register,
                    idempotency_key=idempotency_key,
                    status=Status.RECEIVED,
                    received_at=now,
                    clock_started_at=now,
                    due_at=periods.decision_due(now),
                    deemed_refusal_at=periods.deemed_refusal_at(now),
                )
                r.public_text = selectors.anonymised(r, f"{title}\n{body}")
                r.save(update_fields=["public_text"])
                audit_record(
                    actor=requester,
                    event_type=EventType.DISCLOSURE_REQUESTED,
                    target=r,
                    to_state=r.status,
                    data={"unit": unit.code, "form": form, "delivery": delivery},
                )
                tell_requester(
                    r,
                    msg(_("Disclosure request %(no)s received"), {"no": r.no}),
                    msg(
                        _("%(agency)s will decide on “%(title)s” by %(due)s."),
                        {
                            "agency": localized(r.agency),
                            "title": r.title,
                            "due": local_text(r.due_at),
                        },
                    ),
                )
                tell_unit(r, (Role.HANDLER,), msg(_("New disclosure request %(no)s"), {"no": r.no}))
            return r
        except IntegrityError:
            if earlier := _by_key(requester, idempotency_key):
                return earlier  # a concurrent retry of this very request won
    raise InvalidTransition(_("Too many requests at once: please try again."))


def _by_key(requester, key: str) -> DisclosureRequest | None:
    if not key:
        return None
    return DisclosureRequest.objects.filter(requester=requester, idempotency_key=key).first()


def request_withdraw(*, request: DisclosureRequest, by) -> DisclosureRequest:
    """The requester withdraws a request not yet decided (청구 취하)."""
    with request_transition(
        request,
        by=by,
        action=Action.WITHDRAW,
        allowed=policies.can_act_as_requester,
        event=EventType.DISCLOSURE_WITHDRAWN,
    ) as change:
        r = change.obj
        r.withdrawn_at = timezone.now()
        decision = Decision.objects.filter(request=r).first()
        if decision is not None and decision.state == DraftState.PENDING:
            engine.line_cancel(subject=decision, by=by)
            decision.state = DraftState.DRAFT
            decision.save(update_fields=["state"])
        tell_unit(r, (Role.HANDLER,), msg(_("Disclosure request %(no)s withdrawn"), {"no": r.no}))
    return r


# --- handling ----------------------------------------------------------------------------------


def request_transfer(*, request: DisclosureRequest, by, to_unit: Unit, reason: str):
    """Send the request to the unit that holds the information (이송). To another agency, the
    clock restarts there (its day 1 is the day of the transfer) and the requester is told;
    within the agency, only the handling unit changes."""
    reason = required(reason, "reason", _("Give the reason for the transfer."))
    with request_transition(
        request,
        by=by,
        action=Action.TRANSFER,
        allowed=policies.can_handle,
        event=EventType.DISCLOSURE_TRANSFERRED,
    ) as change:
        r = change.obj
        if to_unit is None or not to_unit.is_active or to_unit.pk == r.unit_id:
            raise ValidationError({"to_unit": _("Choose another, active unit.")})
        from_unit, agency = r.unit, to_unit.agency
        elsewhere = agency.pk != r.agency_id
        r.unit, r.agency, r.handler = to_unit, agency, None
        if elsewhere:
            now = timezone.now()
            r.clock_started_at, r.due_at = now, periods.decision_due(now)
            r.deemed_refusal_at, r.deemed_refused_at = periods.deemed_refusal_at(now), None
            r.extended_due_at, r.extension_reason = None, ""
        Transfer.objects.create(
            request=r,
            from_unit=from_unit,
            to_unit=to_unit,
            to_another_agency=elsewhere,
            reason=reason,
            by=by,
        )
        change.data = {
            "from": from_unit.code,
            "to": to_unit.code,
            "reason": reason,
            "due_at": r.due_at.isoformat(),
        }
        if elsewhere:
            tell_requester(
                r,
                msg(
                    _("Disclosure request %(no)s sent to %(agency)s"),
                    {"no": r.no, "agency": localized(agency)},
                ),
                msg(
                    _(
                        "The information is held by %(agency)s, which now handles your request "
                        "and will decide by %(due)s. Reason: %(reason)s"
                    ),
                    {"agency": localized(agency), "due": local_text(r.due_at), "reason": reason},
                ),
            )
        tell_unit(r, (Role.HANDLER,), msg(_("New disclosure request %(no)s"), {"no": r.no}))
    return r


def request_extend(*, request: DisclosureRequest, by, days: int, reason: str):
    """Extend the decision period once, by 1 to 10 days counted from the day after the first
    period ends (연장); the requester is told the reason and the new date."""
    reason = required(reason, "reason", _("Give the reason for the extension."))
    limit = periods.days("extension")
    if not isinstance(days, int) or not 1 <= days <= limit:
        raise ValidationError({"days": _("Extend by 1 to %(n)d days.") % {"n": limit}})
    with request_transition(
        request,
        by=by,
        action=Action.EXTEND,
        allowed=policies.can_handle,
        event=EventType.DISCLOSURE_EXTENDED,
    ) as change:
        r = change.obj
        if r.extended_due_at is not None:
            raise InvalidTransition(_("The decision period can be extended only once."))
        if timezone.now() > r.due_at:
            raise InvalidTransition(
                _("The decision period has ended: it can no longer be extended.")
            )
        r.extended_due_at, r.extension_reason = periods.extended_due(r.due_at, days), reason
        change.data = {"days": days, "to": r.extended_due_at.isoformat(), "reason": reason}
        tell_requester(
            r,
            msg(_("Disclosure request %(no)s: decision period extended"), {"no": r.no}),
            msg(
                _("The decision will be made by %(due)s. Reason: %(reason)s"),
                {"due": local_text(r.extended_due_at), "reason": reason},
            ),
        )
    return r


def third_party_notify(*, request: DisclosureRequest, by, name: str, contact: str) -> ThirdParty:
    """Tell a third party the information concerns (제3자 통지); they may ask for
    non-disclosure within 3 days. A contact that is an e-mail address gets the notice by mail."""
    name = required(name, "name", _("Name the third party."))
    contact = required(contact, "contact", _("Give their address, phone or e-mail."))
    with request_transition(
        request,
        by=by,
        action=Action.NOTIFY_THIRD_PARTY,
        allowed=policies.can_handle,
        event=EventType.DISCLOSURE_THIRD_PARTY_NOTIFIED,
    ) as change:
        r = change.obj
        now = timezone.now()
        party = ThirdParty.objects.create(
            request=r,
            name=name[:200],
            contact=contact[:300],
            notified_at=now,
            notified_by=by,
            opinion_due_at=periods.third_party_opinion_due(now),
        )
        change.data = {"third_party": party.pk, "due": party.opinion_due_at.isoformat()}
        if _is_email(contact):
            with translation.override("ko"):
                email_enqueue(
                    to=contact,
                    subject=msg(
                        _("A request for information concerning you (%(no)s)"), {"no": r.no}
                    ),
                    body=msg(
                        _(
                            "%(agency)s received a request for information that concerns you: "
                            "“%(title)s”. You may ask for it not to be disclosed, with your "
                            "reasons, by %(due)s (reply to this agency)."
                        ),
                        {
                            "agency": r.agency.name,
                            "title": r.title,
                            "due": local_text(party.opinion_due_at),
                        },
                    ),
                )
    return party


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


def third_party_opinion(*, request: DisclosureRequest, by, party_id: int, opinion: str, text: str):
    """Record a third party's opinion (비공개 요청 or agreement), received by the agency."""
    if opinion not in (Opinion.AGREES, Opinion.OBJECTS):
        raise ValidationError({"opinion": _("Choose their opinion.")})
    if opinion == Opinion.OBJECTS:
        text = required(text, "text", _("Write their reasons."))
    with request_transition(
        request,
        by=by,
        action=Action.RECORD_OPINION,
        allowed=policies.can_handle,
        event=EventType.DISCLOSURE_THIRD_PARTY_OPINION,
    ) as change:
        party = ThirdParty.objects.filter(request=change.obj, pk=party_id).first()
        if party is None:
            raise ValidationError({"party": _("Choose a third party of this request.")})
        if party.opinion:
            raise InvalidTransition(_("Their opinion is already recorded."))
        party.opinion, party.opinion_text = opinion, (text or "").strip()
        party.opinion_at = timezone.now()
        party.save(update_fields=["opinion", "opinion_text", "opinion_at"])
        change.data = {"third_party": party.pk, "opinion": opinion, "late": party.opinion_late}
    return party


def requests_deem_refused(now=None) -> int:
    """Mark the requests with no decision by the end of their 20th day as deemed refused
    (the scheduler's task); the requester is told they may object."""
    now = now or timezone.now()
    due = DisclosureRequest.objects.filter(
        status__in=TABLE.allowed_from(Action.DEEM_REFUSED),
        deemed_refused_at=None,
        deemed_refusal_at__lt=now,
    )
    marked = 0
    for r in due:
        try:
            _deem_refused(r, now)
        except (_AlreadyDone, InvalidTransition):
            continue  # marked, decided or withdrawn meanwhile
        marked += 1
    return marked


class _AlreadyDone(Exception):
    pass


def _deem_refused(r: DisclosureRequest, now) -> None:
    with request_transition(
        r,
        by=None,
        action=Action.DEEM_REFUSED,
        allowed=policies.system,
        event=EventType.DISCLOSURE_DEEMED_REFUSED,
    ) as change:
        r = change.obj
        if r.deemed_refused_at is not None or r.deemed_refusal_at >= now:
            raise _AlreadyDone()
        r.deemed_refused_at = now
        until = periods.objection_filing_until(r.deemed_refusal_at)
        change.data = {"objection_until": until.isoformat()}
        tell_requester(
            r,
            msg(_("Disclosure request %(no)s: no decision in time"), {"no": r.no}),
            msg(
                _(
                    "No decision was made within 20 days: this counts as a refusal. You may "
                    "object until %(until)s."
                ),
                {"until": local_text(until)},
            ),
        )


def file_release(*, request: DisclosureRequest, by, file) -> None:
    """The requester takes a released file (공개 실시): the first time is audited as the
    release; officials' downloads change nothing."""
    if not policies.is_requester(by, request) or request.released_at is not None:
        return
    with request_transition(
        request,
        by=by,
        action=Action.RELEASE,
        allowed=policies.can_act_as_requester,
        event=EventType.DISCLOSURE_RELEASED,
    ) as change:
        change.obj.released_at = timezone.now()
        change.data = {"file": file.pk}


# --- the objection -----------------------------------------------------------------------------


def objection_until(r: DisclosureRequest, status: str | None = None):
    """Until when the requester may object, or None when they may not (nothing refused);
    `status`: the request's status before the change under way."""
    status = status or r.status
    decision = Decision.objects.filter(request=r).first()
    if status == Status.DECIDED and decision is not None and decision.objection_until:
        return decision.objection_until
    if status in TABLE.allowed_from(Action.DEEM_REFUSED) and r.deemed_refused_at:
        return periods.objection_filing_until(r.deemed_refusal_at)
    return None


def objection_file(*, request: DisclosureRequest, by, reasons: str) -> Objection:
    """The requester objects (이의신청) to a (partial) refusal, or to no decision in 20 days,
    within 30 days; the agency decides within 7 days."""
    reasons = required(reasons, "reasons", _("Say why you object."))
    with request_transition(
        request,
        by=by,
        action=Action.OBJECT,
        allowed=policies.can_act_as_requester,
        event=EventType.DISCLOSURE_OBJECTION_FILED,
    ) as change:
        r = change.obj
        now = timezone.now()
        until = objection_until(r, change.old_status)
        if until is None:
            raise InvalidTransition(_("There is no refusal to object to."))
        if now > until:
            raise InvalidTransition(_("The 30 days to object have passed."))
        decision = Decision.objects.filter(request=r).first()
        if decision is not None and decision.state == DraftState.PENDING:
            engine.line_cancel(subject=decision, by=by)  # the objection decides now
            decision.state = DraftState.DRAFT
            decision.save(update_fields=["state"])
        objection = Objection.objects.create(
            request=r, reasons=reasons, filed_at=now, due_at=periods.objection_due(now)
        )
        change.data = {"due": objection.due_at.isoformat()}
        tell_requester(
            r,
            msg(_("Objection to %(no)s received"), {"no": r.no}),
            msg(_("It will be decided by %(due)s."), {"due": local_text(objection.due_at)}),
        )
        tell_unit(
            r, (Role.HANDLER, Role.APPROVER), msg(_("Objection to %(no)s filed"), {"no": r.no})
        )
    return objection


def objection_extend(*, request: DisclosureRequest, by, reason: str) -> Objection:
    """Extend the objection's period once, by 7 days; the requester is told why."""
    reason = required(reason, "reason", _("Give the reason for the extension."))
    with request_transition(
        request,
        by=by,
        action=Action.EXTEND_OBJECTION,
        allowed=policies.can_handle,
        event=EventType.DISCLOSURE_OBJECTION_EXTENDED,
    ) as change:
        r = change.obj
        objection = Objection.objects.get(request=r)
        if objection.extended_due_at is not None:
            raise InvalidTransition(_("The objection period can be extended only once."))
        objection.extended_due_at = periods.extended_due(
            objection.due_at, periods.days("objection_extension")
        )
        objection.extension_reason = reason
        objection.save(update_fields=["extended_due_at", "extension_reason"])
        change.data = {"to": objection.extended_due_at.isoformat(), "reason": reason}
        tell_requester(
            r,
            msg(_("Objection to %(no)s: period extended"), {"no": r.no}),
            msg(
                _("It will be decided by %(due)s. Reason: %(reason)s"),
                {"due": local_text(objection.extended_due_at), "reason": reason},
            ),
        )
    return objection
