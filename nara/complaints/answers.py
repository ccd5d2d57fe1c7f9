"""The official answer to a complaint: the handler drafts and submits it on an approval line
(nara.approvals: one step, the unit's approvers), whose approver approves it (the complaint is
answered and, with the citizen's consent, published masked) or returns it with a comment. The
line's end changes the complaint (`approved`, `returned`, registered with the engine in
apps.py), each a transition of the complaint (services.complaint_transition)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.approvals import engine
from nara.approvals.engine import StepSpec
from nara.approvals.models import ApprovalLine, LineStatus, StepKind
from nara.audit.models import EventType
from nara.core.errors import InvalidTransition, NotAllowed, required
from nara.notifications.messages import msg
from nara.notifications.services import notify

from . import policies
from .models import AnswerDraft, Complaint
from .publication import will_be_published, write_public_copy
from .selectors import current_answer_draft, last_answer_draft
from .services import (
    complaint_transition,
    complaint_url,
    notify_unit,
    official_url,
)
from .transitions import Action

Role = Membership.Role
KIND = "complaint.answer"


def answer_line(complaint: Complaint) -> list[StepSpec]:
    """The answer's approval line: one approval step, by an approver of the handling unit."""
    return [StepSpec(1, StepKind.APPROVE, complaint.unit, role=Role.APPROVER)]


def complaint_save_answer_draft(*, complaint: Complaint, by, body: str) -> AnswerDraft:
    """Keep the answer being written (기안), without submitting it. One draft per complaint:
    saving again replaces its text; submitting it sends it up the approval line."""
    body = required(body, "body", _("Write the answer."))
    with complaint_transition(
        complaint,
        by=by,
        action=Action.SAVE_DRAFT,
        allowed=policies.can_handle,
        event=EventType.COMPLAINT_ANSWER_DRAFTED,
    ) as change:
        c = change.obj
        c.handler = c.handler or by
        draft = current_answer_draft(c)
        if draft is None:
            draft = AnswerDraft.objects.create(complaint=c, author=by, body=body)
        else:
            draft.body, draft.author = body, by
            draft.save(update_fields=["body", "author"])
        change.data = {"draft": draft.pk}
    return draft


def complaint_submit_answer(*, complaint: Complaint, by, body: str) -> AnswerDraft:
    """The handler submits the answer to the unit's approver (결재 상신)."""
    body = required(body, "body", _("Write the answer."))
    with complaint_transition(
        complaint,
        by=by,
        action=Action.SUBMIT_ANSWER,
        allowed=policies.can_handle,
        event=EventType.COMPLAINT_ANSWER_SUBMITTED,
    ) as change:
        c = change.obj
        c.handler = c.handler or by
        draft = current_answer_draft(c) or AnswerDraft(complaint=c)
        draft.author, draft.body, draft.state = by, body, AnswerDraft.State.SUBMITTED
        draft.save()
        line = engine.line_submit(subject=draft, kind=KIND, by=by, steps=answer_line(c))
        change.data = {"draft": draft.pk, "line": line.pk}
        notify_unit(
            c.unit,
            (Role.APPROVER,),
            msg(_("Answer to approve: %(no)s"), {"no": c.receipt_no}),
            c.title,
            c,
        )
    return draft


def _line(complaint: Complaint, by) -> ApprovalLine:
    """The approval line of the complaint's submitted answer, for one of the unit's approvers
    (asked first, as for any action on a complaint: who, then in which state). The engine
    locks the complaint, then the line, when it decides (`lock_complaint_of`)."""
    complaint = Complaint.objects.get(pk=complaint.pk)  # its unit now, not as the caller read it
    if not policies.can_approve(by, complaint):
        raise NotAllowed()
    draft = last_answer_draft(complaint, AnswerDraft.State.SUBMITTED)
    line = engine.line_in_progress(draft) if draft is not None else None
    if line is None:
        raise InvalidTransition(_("There is no answer awaiting approval."))
    return line


def complaint_approve(*, complaint: Complaint, by) -> Complaint:
    """The approver approves the answer (결재) on its approval line; the line's end answers
    the complaint (`approved`)."""
    engine.step_decide(line=_line(complaint, by), by=by, decision="approve")
    complaint.refresh_from_db()
    return complaint


def complaint_return(*, complaint: Complaint, by, comment: str) -> Complaint:
    """The approver returns the answer to the handler with a comment (반려), on its line."""
    engine.step_decide(line=_line(complaint, by), by=by, decision="return", comment=comment)
    complaint.refresh_from_db()
    return complaint


def _submitted(line: ApprovalLine) -> AnswerDraft:
    draft = AnswerDraft.objects.select_for_update().get(pk=line.object_id)
    if draft.state != AnswerDraft.State.SUBMITTED:
        raise InvalidTransition(_("There is no answer awaiting approval."))
    return draft


def lock_complaint_of(line: ApprovalLine) -> None:
    """The complaint whose answer the line approves, locked (before the line: engine.register)."""
    Complaint.objects.select_for_update(of=("self",)).get(drafts__pk=line.object_id)


def approved(line: ApprovalLine, by) -> None:
    """The answer's line ended approved: the complaint is answered and the citizen told."""
    if line.status != LineStatus.APPROVED:
        raise InvalidTransition()
    draft = _submitted(line)
    with complaint_transition(
        draft.complaint,
        by=by,
        action=Action.APPROVE,
        allowed=engine.decided_on_the_line,
        event=EventType.COMPLAINT_ANSWERED,
    ) as change:
        c = change.obj
        now = timezone.now()
        draft.state, draft.decided_at, draft.decided_by = AnswerDraft.State.APPROVED, now, by
        draft.save(update_fields=["state", "decided_at", "decided_by"])
        c.answer, c.answered_at, c.answered_by, c.paused_at = draft.body, now, draft.author, None
        write_public_copy(c)  # the text the approver saw on the handling page
        change.data = {"draft": draft.pk, "line": line.pk}
        if c.publish_consent and not will_be_published(c):
            c.publish_consent = False  # the account is gone: nothing could mask its name
            change.data["publication"] = "withdrawn: the citizen's account is deactivated"
        notify(
            user=c.citizen,
            subject=msg(_("Complaint %(no)s answered"), {"no": c.receipt_no}),
            body=msg(
                _(
                    "Your complaint “%(title)s” has been answered. Read the answer and tell us "
                    "how satisfied you are."
                ),
                {"title": c.title},
            ),
            url=complaint_url(c),
        )


def returned(line: ApprovalLine, by, comment: str) -> None:
    """The answer's line ended returned: back to the handler, with the comment."""
    if line.status != LineStatus.RETURNED:
        raise InvalidTransition()
    draft = _submitted(line)
    with complaint_transition(
        draft.complaint,
        by=by,
        action=Action.RETURN,
        allowed=engine.decided_on_the_line,
        event=EventType.COMPLAINT_ANSWER_RETURNED,
    ) as change:
        c = change.obj
        draft.state, draft.decided_at, draft.decided_by = (
            AnswerDraft.State.RETURNED,
            timezone.now(),
            by,
        )
        draft.return_comment = comment
        draft.save(update_fields=["state", "decided_at", "decided_by", "return_comment"])
        change.data = {"comment": comment, "line": line.pk}
        notify(
            user=draft.author,
            subject=msg(_("Answer returned: %(no)s"), {"no": c.receipt_no}),
            body=comment,
            url=official_url(c),
        )


def describe(line: ApprovalLine) -> tuple[str, str]:
    """The approvals worklist's entry: the complaint and its handling page."""
    complaint = AnswerDraft.objects.select_related("complaint").get(pk=line.object_id).complaint
    title = f"{complaint.receipt_no} {complaint.title}"
    return title, reverse("office:detail", args=[complaint.receipt_no])
