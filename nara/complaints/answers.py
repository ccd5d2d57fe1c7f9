"""The official answer to a complaint: the handler drafts and submits it, the unit's approver
approves it (the complaint is answered and, with the citizen's consent, published masked) or
returns it with a comment. Each step is a transition of the complaint (services.
complaint_transition)."""

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.audit.models import EventType
from nara.core.errors import NotAllowed, required
from nara.notifications.messages import msg
from nara.notifications.services import notify

from . import policies
from .models import AnswerDraft, Complaint
from .publication import will_be_published, write_public_copy
from .selectors import current_answer_draft, last_answer_draft
from .services import complaint_transition, complaint_url, notify_unit, official_url
from .transitions import Action

Role = Membership.Role


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
        change.data = {"draft": draft.pk}
        notify_unit(
            c.unit,
            (Role.APPROVER,),
            msg(_("Answer to approve: %(no)s"), {"no": c.receipt_no}),
            c.title,
            c,
        )
    return draft


def _current_draft(complaint: Complaint) -> AnswerDraft:
    draft = last_answer_draft(complaint, AnswerDraft.State.SUBMITTED)
    if draft is None:  # the table allows approval only with a submitted draft
        raise ValidationError(_("There is no answer awaiting approval."))
    return draft


def complaint_approve(*, complaint: Complaint, by) -> Complaint:
    """The approver approves the answer (결재); it is sent to the citizen."""
    with complaint_transition(
        complaint,
        by=by,
        action=Action.APPROVE,
        allowed=policies.can_approve,
        event=EventType.COMPLAINT_ANSWERED,
    ) as change:
        c = change.obj
        draft = _current_draft(c)
        if draft.author_id == by.pk:
            raise NotAllowed(_("An answer must be approved by someone other than its author."))
        now = timezone.now()
        draft.state, draft.decided_at, draft.decided_by = AnswerDraft.State.APPROVED, now, by
        draft.save(update_fields=["state", "decided_at", "decided_by"])
        c.answer, c.answered_at, c.answered_by, c.paused_at = draft.body, now, draft.author, None
        write_public_copy(c)  # the text the approver saw on the handling page
        change.data = {"draft": draft.pk}
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
    return c


def complaint_return(*, complaint: Complaint, by, comment: str) -> Complaint:
    """The approver returns the answer to the handler with a comment (반려)."""
    comment = required(comment, "comment", _("Say what should change."))
    with complaint_transition(
        complaint,
        by=by,
        action=Action.RETURN,
        allowed=policies.can_approve,
        event=EventType.COMPLAINT_ANSWER_RETURNED,
    ) as change:
        c = change.obj
        draft = _current_draft(c)
        draft.state, draft.decided_at, draft.decided_by = (
            AnswerDraft.State.RETURNED,
            timezone.now(),
            by,
        )
        draft.return_comment = comment
        draft.save(update_fields=["state", "decided_at", "decided_by", "return_comment"])
        change.data = {"comment": comment}
        notify(
            user=draft.author,
            subject=msg(_("Answer returned: %(no)s"), {"no": c.receipt_no}),
            body=comment,
            url=official_url(c),
        )
    return c
