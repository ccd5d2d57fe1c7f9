"""The agency's answer to a proposal that reached its support threshold, through the approval
engine (nara.approvals) like complaint and petition answers: an official of the competent agency
drafts it and submits it on a line of one approval step, held by the approvers of the
proposal's competent unit; the line's end publishes it (`approved`) or sends it back to its
drafter with the approver's comment (`returned`). Both are registered in apps.py.

An answer "under review" may be answered again later (a new line); an accepted or not accepted
answer is final."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.agencies.selectors import unit_members
from nara.approvals import engine
from nara.approvals.engine import StepSpec
from nara.approvals.models import ApprovalLine, LineStatus, StepKind
from nara.audit.models import EventType
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.transitions import TransitionTable, lock, transition
from nara.notifications.messages import msg
from nara.notifications.services import notify
from nara.participation.following import record_activity

from .models import AnswerKind, Proposal
from .models import ProposalStatus as PS
from .services import ANSWER_MIN, ANSWERABLE, BODY_MAX, answer_refusal, is_competent_official

KIND = "proposal.answer"
TRANSITIONS = TransitionTable(
    {
        "submit_answer": (ANSWERABLE, None),
        "return_answer": (ANSWERABLE, None),
        "answer": (ANSWERABLE, PS.ANSWERED),
    }
)


def answer_line(proposal: Proposal) -> list[StepSpec]:
    """One approval step, by an approver of the proposal's competent unit."""
    return [StepSpec(1, StepKind.APPROVE, proposal.unit, role=Membership.Role.APPROVER)]


def _locked(proposal: Proposal) -> Proposal:
    return lock(proposal, "process", "unit", "author")


def _clean(kind: str, text: str) -> str:
    text = (text or "").replace("\r\n", "\n").strip()
    errors = {}
    if kind not in AnswerKind.values:
        errors["kind"] = _("Choose the answer.")
    if len(text) < ANSWER_MIN:
        errors["text"] = _("Write the answer in at least %(n)d characters.") % {"n": ANSWER_MIN}
    elif len(text) > BODY_MAX:
        errors["text"] = _("The text can be at most %(n)d characters.") % {"n": BODY_MAX}
    if errors:
        raise ValidationError(errors)
    return text


def _may_answer(by, proposal: Proposal) -> bool:
    reason = answer_refusal(by, proposal)
    if reason is None:
        return True
    if proposal.status not in ANSWERABLE or (
        proposal.status == PS.ANSWERED and proposal.answer_kind != AnswerKind.UNDER_REVIEW
    ):
        raise InvalidTransition(reason)
    raise NotAllowed(reason)


def proposal_answer_submit(*, proposal: Proposal, by, kind: str, text: str) -> Proposal:
    """An official of the competent agency writes the answer (accepted, under review or not
    accepted, with a text) and submits it for approval. The unit's approvers are told."""
    text = _clean(kind, text)
    with transition(
        proposal,
        by=by,
        action="submit_answer",
        table=TRANSITIONS,
        allowed=_may_answer,
        event=EventType.PROPOSAL_ANSWER_SUBMITTED,
        locker=_locked,
    ) as change:
        locked = change.obj
        locked.pending_answer_kind, locked.pending_answer_text = kind, text
        locked.answer_drafted_by, locked.answer_return_comment = by, ""
        line = engine.line_submit(subject=locked, kind=KIND, by=by, steps=answer_line(locked))
        change.data = {"answer": kind, "line": line.pk}
        for approver in unit_members(locked.unit, Membership.Role.APPROVER):
            notify(
                user=approver,
                subject=msg(_("Proposal answer to approve: %(title)s"), {"title": locked.title}),
                body=text[:500],
                url=locked.get_absolute_url() + "answer/",
                email=False,
            )
    return locked


def pending_line(proposal: Proposal, by, line_id=None) -> ApprovalLine:
    """The line of the answer awaiting approval, for someone of the competent agency (asked
    first: who, then in which state). `line_id`, when the page posted one, must still be it:
    a decision is never taken on an answer other than the one the approver read."""
    if not is_competent_official(by, proposal):
        raise NotAllowed()
    line = engine.line_in_progress(proposal)
    if line is None or (line_id is not None and str(line.pk) != str(line_id)):
        raise InvalidTransition(_("This answer is no longer awaiting approval: reload the page."))
    return line


def proposal_answer_approve(*, proposal: Proposal, by, line_id=None) -> Proposal:
    """An approver approves the answer: its line's end publishes it (`approved`)."""
    engine.step_decide(line=pending_line(proposal, by, line_id), by=by, decision="approve")
    return Proposal.objects.get(pk=proposal.pk)


def proposal_answer_return(*, proposal: Proposal, by, comment: str, line_id=None) -> Proposal:
    """An approver returns the answer to its drafter with a comment (반려)."""
    line = pending_line(proposal, by, line_id)
    engine.step_decide(line=line, by=by, decision="return", comment=comment)
    return Proposal.objects.get(pk=proposal.pk)


def lock_proposal_of(line: ApprovalLine) -> None:
    """The proposal the line approves, locked before the line (engine.register)."""
    Proposal.objects.select_for_update(of=("self",)).get(pk=line.object_id)


def approved(line: ApprovalLine, by) -> None:
    """The answer's line ended approved: the answer is published; followers and supporters hear
    of it in their digest, the author at once."""
    if line.status != LineStatus.APPROVED:
        raise InvalidTransition()
    with transition(
        Proposal(pk=line.object_id),
        by=by,
        action="answer",
        table=TRANSITIONS,
        allowed=engine.decided_on_the_line,
        event=EventType.PROPOSAL_ANSWERED,
        locker=_locked,
    ) as change:
        locked = change.obj
        kind = locked.pending_answer_kind
        locked.answer_kind, locked.answer_text = kind, locked.pending_answer_text
        locked.pending_answer_kind, locked.pending_answer_text = "", ""
        locked.answered_by, locked.answered_at = locked.answer_drafted_by, timezone.now()
        change.data = {
            "answer": kind,
            "line": line.pk,
            "overdue": bool(locked.answer_due_at and locked.answered_at > locked.answer_due_at),
        }
    url = locked.get_absolute_url()
    record_activity(
        process=locked.process,
        target=locked,
        message=msg(_("The agency answered the proposal “%(title)s”."), {"title": locked.title}),
        url=url,
    )
    notify(
        user=locked.author,
        subject=msg(_("Your proposal was answered: %(title)s"), {"title": locked.title}),
        body=msg(_("The agency's answer: %(answer)s."), {"answer": AnswerKind(kind).label}),
        url=url,
    )


def returned(line: ApprovalLine, by, comment: str) -> None:
    """The answer's line ended returned: back to its drafter, with the comment."""
    if line.status != LineStatus.RETURNED:
        raise InvalidTransition()
    with transition(
        Proposal(pk=line.object_id),
        by=by,
        action="return_answer",
        table=TRANSITIONS,
        allowed=engine.decided_on_the_line,
        event=EventType.PROPOSAL_ANSWER_RETURNED,
        locker=_locked,
    ) as change:
        locked = change.obj
        drafter = locked.answer_drafted_by
        locked.answer_return_comment = comment  # the returned text stays, for its drafter to mend
        change.data = {"line": line.pk}
    if drafter is not None:
        notify(
            user=drafter,
            subject=msg(_("Proposal answer returned: %(title)s"), {"title": locked.title}),
            body=comment,
            url=locked.get_absolute_url() + "answer/",
            email=False,
        )


def describe(line: ApprovalLine) -> tuple[str, str]:
    """The approvals worklist's entry: the proposal and its answer page."""
    proposal = Proposal.objects.select_related("process").get(pk=line.object_id)
    return proposal.title, proposal.get_absolute_url() + "answer/"
