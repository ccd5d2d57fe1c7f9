"""The official answer to a petition: the competent unit's handler drafts and submits it, its
approver returns or approves (published), and may extend the deadline once."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.agencies.selectors import unit_members
from nara.audit.models import EventType
from nara.core.errors import InvalidTransition, required
from nara.notifications.messages import msg
from nara.notifications.services import notify

from . import policies
from .models import (
    AnswerStatus,
    Petition,
    PetitionAnswer,
)
from .services import office_url, petition_transition
from .signing import signature_count, tell_everyone
from .transitions import Action

Role = Membership.Role


def _answer_for(p: Petition) -> PetitionAnswer | None:
    return PetitionAnswer.objects.filter(petition=p).first()


def _pending_answer(p: Petition) -> PetitionAnswer:
    answer = _answer_for(p)
    if answer is None or answer.status != AnswerStatus.PENDING:
        raise InvalidTransition(_("No answer is awaiting approval."))
    return answer


def petition_answer_save(*, petition: Petition, by, text: str, submit: bool) -> PetitionAnswer:
    """A handler of the competent agency drafts the answer, and submits it for approval."""
    text = required(text, "text", _("Write the answer."))
    event = EventType.PETITION_ANSWER_SUBMITTED if submit else EventType.PETITION_ANSWER_DRAFTED
    with petition_transition(
        petition, by=by, action=Action.ANSWER, allowed=policies.can_answer, event=event
    ) as change:
        p = change.obj
        answer = _answer_for(p) or PetitionAnswer(petition=p, drafted_by=by)
        if answer.status in (AnswerStatus.PENDING, AnswerStatus.PUBLISHED):
            raise InvalidTransition(_("The answer is awaiting approval or already published."))
        answer.text, answer.drafted_by = text, by
        answer.status = AnswerStatus.PENDING if submit else AnswerStatus.DRAFT
        answer.save()
        if submit:
            for approver in unit_members(p.unit, Role.APPROVER):
                notify(
                    user=approver,
                    subject=msg(_("Petition answer to approve: %(title)s"), {"title": p.title}),
                    body=text[:500],
                    url=office_url(p),
                    email=False,
                )
    return answer


def petition_answer_return(*, petition: Petition, by, comment: str) -> PetitionAnswer:
    comment = required(comment, "comment", _("Say what should change."))
    with petition_transition(
        petition,
        by=by,
        action=Action.ANSWER,
        allowed=policies.can_approve,
        event=EventType.PETITION_ANSWER_RETURNED,
    ) as change:
        answer = _pending_answer(change.obj)
        answer.status, answer.return_comment = AnswerStatus.RETURNED, comment
        answer.save()
        notify(
            user=answer.drafted_by,
            subject=msg(_("Petition answer returned: %(title)s"), {"title": petition.title}),
            body=comment,
            url=office_url(petition),
            email=False,
        )
    return answer


def petition_answer_approve(*, petition: Petition, by) -> Petition:
    """The approver approves: the answer is published on the petition and everyone is told."""
    with petition_transition(
        petition,
        by=by,
        action=Action.PUBLISH,
        allowed=policies.can_approve,
        event=EventType.PETITION_ANSWERED,
    ) as change:
        p = change.obj
        answer = _pending_answer(p)
        now = timezone.now()
        answer.status, answer.approved_by, answer.published_at = AnswerStatus.PUBLISHED, by, now
        answer.save()
        p.answered_at = now
        p.signature_count = signature_count(p.pk)
        change.data = {"on_time": p.answer_due_at is None or now <= p.answer_due_at}
        tell_everyone(p, EventType.PETITION_ANSWERED)
    return p


def petition_extend_answer(*, petition: Petition, by, days: int, reason: str) -> Petition:
    """Once, with a published reason, at most the type's extension."""
    reason = required(reason, "reason", _("Give the reason: it is published."))
    with petition_transition(
        petition,
        by=by,
        action=Action.EXTEND,
        allowed=policies.can_approve,
        event=EventType.PETITION_ANSWER_EXTENDED,
    ) as change:
        p = change.obj
        if p.answer_extended:
            raise InvalidTransition(_("The answer period can be extended only once."))
        if not 1 <= days <= p.type.extension_days:
            raise ValidationError(
                {"days": _("Extend by 1 to %(n)d days.") % {"n": p.type.extension_days}}
            )
        p.answer_due_at += timedelta(days=days)
        p.answer_extended, p.extension_reason = True, reason
        change.data = {"days": days, "due": p.answer_due_at.isoformat()}
    return p
