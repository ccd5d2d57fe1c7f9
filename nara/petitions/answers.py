"""The official answer to a petition: the competent unit's handler drafts and submits it on an
approval line (nara.approvals: one step, the unit's approvers), whose approver returns it or
approves it (published: `approved`, `returned`, registered with the engine in apps.py); an
approver may extend the deadline once."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.agencies.selectors import unit_members
from nara.approvals import engine
from nara.approvals.engine import StepSpec
from nara.approvals.models import ApprovalLine, LineStatus, StepKind
from nara.audit.models import EventType
from nara.core.errors import InvalidTransition, NotAllowed, required
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
KIND = "petition.answer"


def answer_line(petition: Petition) -> list[StepSpec]:
    """The answer's approval line: one approval step, by an approver of the competent unit."""
    return [StepSpec(1, StepKind.APPROVE, petition.unit, role=Role.APPROVER)]


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
            line = engine.line_submit(subject=answer, kind=KIND, by=by, steps=answer_line(p))
            change.data = {"line": line.pk}
            for approver in unit_members(p.unit, Role.APPROVER):
                notify(
                    user=approver,
                    subject=msg(_("Petition answer to approve: %(title)s"), {"title": p.title}),
                    body=text[:500],
                    url=office_url(p),
                    email=False,
                )
    return answer


def _line(p: Petition, by) -> ApprovalLine:
    """The approval line of the petition's submitted answer, for one of the unit's approvers
    (asked first, as for any action on a petition: who, then in which state). The engine
    locks the petition, then the line, when it decides (`lock_petition_of`)."""
    p = Petition.objects.get(pk=p.pk)  # its unit now, not as the caller read it
    if not policies.can_approve(by, p):
        raise NotAllowed()
    answer = _answer_for(p)
    pending = answer is not None and answer.status == AnswerStatus.PENDING
    line = engine.line_in_progress(answer) if pending else None
    if line is None:
        raise InvalidTransition(_("No answer is awaiting approval."))
    return line


def petition_answer_return(*, petition: Petition, by, comment: str) -> PetitionAnswer:
    """An approver returns the answer to its drafter with a comment (반려), on its line."""
    engine.step_decide(line=_line(petition, by), by=by, decision="return", comment=comment)
    return PetitionAnswer.objects.get(petition=petition)


def petition_answer_approve(*, petition: Petition, by) -> Petition:
    """An approver approves the answer on its line; the line's end publishes it (`approved`)."""
    engine.step_decide(line=_line(petition, by), by=by, decision="approve")
    petition.refresh_from_db()
    return petition


def lock_petition_of(line: ApprovalLine) -> None:
    """The petition whose answer the line approves, locked (before the line: engine.register)."""
    Petition.objects.select_for_update(of=("self",)).get(answer__pk=line.object_id)


def approved(line: ApprovalLine, by) -> None:
    """The answer's line ended approved: published on the petition, and everyone told."""
    if line.status != LineStatus.APPROVED:
        raise InvalidTransition()
    answer = PetitionAnswer.objects.get(pk=line.object_id)
    with petition_transition(
        answer.petition,
        by=by,
        action=Action.PUBLISH,
        allowed=engine.decided_on_the_line,
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


def returned(line: ApprovalLine, by, comment: str) -> None:
    """The answer's line ended returned: back to its drafter, with the comment."""
    if line.status != LineStatus.RETURNED:
        raise InvalidTransition()
    answer = PetitionAnswer.objects.get(pk=line.object_id)
    with petition_transition(
        answer.petition,
        by=by,
        action=Action.ANSWER,
        allowed=engine.decided_on_the_line,
        event=EventType.PETITION_ANSWER_RETURNED,
    ) as change:
        answer = _pending_answer(change.obj)
        answer.status, answer.return_comment = AnswerStatus.RETURNED, comment
        answer.save()
        notify(
            user=answer.drafted_by,
            subject=msg(_("Petition answer returned: %(title)s"), {"title": answer.petition.title}),
            body=comment,
            url=office_url(answer.petition),
            email=False,
        )


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


def describe(line: ApprovalLine) -> tuple[str, str]:
    """The approvals worklist's entry: the petition and its office page."""
    petition = PetitionAnswer.objects.select_related("petition").get(pk=line.object_id).petition
    return petition.title, office_url(petition)
