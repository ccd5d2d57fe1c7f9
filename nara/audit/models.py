from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .chain import GENESIS


class EventType(models.TextChoices):
    USER_SIGNED_UP = "user.signed_up", _("Signed up")
    USER_EMAIL_CONFIRMED = "user.email_confirmed", _("E-mail confirmed")
    USER_PASSWORD_RESET = "user.password_reset", _("Password reset")
    USER_PROFILE_UPDATED = "user.profile_updated", _("Profile updated")
    USER_TOTP_ENABLED = "user.totp_enabled", _("Two-factor authentication set up")
    USER_TOTP_RESET = "user.totp_reset", _("Two-factor authentication reset")
    USER_SIGNIN_THROTTLED = "user.signin_throttled", _("Sign-ins slowed after failures")
    USER_API_TOKEN_REVOKED = "user.api_token_revoked", _("API token revoked")
    USER_FILTER_SAVED = "user.filter_saved", _("Inbox filter saved")
    USER_FILTER_DELETED = "user.filter_deleted", _("Saved inbox filter deleted")
    USER_DEACTIVATED = "user.deactivated", _("Account deactivated and pseudonymised")
    CONFIG_ADDED = "config.added", _("Added by an operator")
    CONFIG_CHANGED = "config.changed", _("Changed by an operator")
    CONFIG_DELETED = "config.deleted", _("Deleted by an operator")
    HOLIDAY_ADDED = "holiday.added", _("Holiday added")
    HOLIDAY_REMOVED = "holiday.removed", _("Holiday removed")
    COMPLAINT_FILED = "complaint.filed", _("Filed")
    COMPLAINT_ROUTED = "complaint.routed", _("Routed")
    COMPLAINT_CLAIMED = "complaint.claimed", _("Claimed")
    COMPLAINT_ASSIGNED = "complaint.assigned", _("Assigned")
    COMPLAINT_TRANSFERRED = "complaint.transferred", _("Transferred")
    COMPLAINT_EXTENDED = "complaint.extended", _("Period extended")
    COMPLAINT_INFO_REQUESTED = "complaint.info_requested", _("More information requested")
    COMPLAINT_INFO_REPLIED = "complaint.info_replied", _("Information provided")
    COMPLAINT_NOTE_ADDED = "complaint.note_added", _("Note added")
    COMPLAINT_ANSWER_DRAFTED = "complaint.answer_drafted", _("Answer draft saved")
    COMPLAINT_ANSWER_SUBMITTED = "complaint.answer_submitted", _("Answer submitted for approval")
    COMPLAINT_ANSWER_RETURNED = "complaint.answer_returned", _("Answer returned")
    COMPLAINT_ANSWERED = "complaint.answered", _("Answer approved and sent")
    COMPLAINT_RATED = "complaint.rated", _("Rated")
    COMPLAINT_WITHDRAWN = "complaint.withdrawn", _("Withdrawn")
    COMPLAINT_ESCALATED = "complaint.escalated", _("Overdue: escalated")
    COMPLAINT_PROGRESS_NOTICE = "complaint.progress_notice", _("Progress notice sent")
    COMPLAINT_DUE_MOVED = "complaint.due_moved", _("Due date moved by a holiday")
    PETITION_CREATED = "petition.created", _("Petition written")
    PETITION_SUPPORTED = "petition.supported", _("Early supporter added")
    PETITION_WITHDRAWN = "petition.withdrawn", _("Petition withdrawn")
    PETITION_EXPIRED = "petition.expired", _("Too few supporters in time")
    PETITION_OPENED = "petition.opened", _("Opened for signatures")
    PETITION_REJECTED = "petition.rejected", _("Rejected by a moderator")
    PETITION_REFERRED = "petition.referred", _("Referred to the agency")
    PETITION_ANSWER_REQUIRED = "petition.answer_required", _("Official answer threshold reached")
    PETITION_CLOSED = "petition.closed", _("Signing period ended")
    PETITION_SIGNATURE_REFUSED = "petition.signature_refused", _("Signature refused quietly")
    PETITION_SIGNATURES_INVALIDATED = (
        "petition.signatures_invalidated",
        _("Signatures invalidated"),
    )
    PETITION_ANSWER_DRAFTED = "petition.answer_drafted", _("Answer draft saved")
    PETITION_ANSWER_SUBMITTED = "petition.answer_submitted", _("Answer submitted for approval")
    PETITION_ANSWER_RETURNED = "petition.answer_returned", _("Answer returned")
    PETITION_ANSWERED = "petition.answered", _("Official answer published")
    PETITION_ANSWER_EXTENDED = "petition.answer_extended", _("Answer period extended")
    # policy participation (nara.participation and its apps)
    PARTICIPATION_PROCESS_CREATED = "participation.process_created", _("Process created")
    PARTICIPATION_PROCESS_CHANGED = "participation.process_changed", _("Process changed")
    PARTICIPATION_SUBMITTED = "participation.submitted", _("Submitted for moderation")
    PARTICIPATION_APPROVED = "participation.approved", _("Approved and published")
    PARTICIPATION_REJECTED = "participation.rejected", _("Rejected by a moderator")
    PARTICIPATION_HIDDEN = "participation.hidden", _("Hidden by a moderator")
    PARTICIPATION_FLAGGED = "participation.flagged", _("Flagged by a user")
    PARTICIPATION_ACCOUNT_BLOCKED = (
        "participation.account_blocked",
        _("Account blocked from posting"),
    )
    PARTICIPATION_ACCOUNT_UNBLOCKED = "participation.account_unblocked", _("Posting block lifted")
    PARTICIPATION_RESTORED = "participation.restored", _("Restored by a moderator")
    PARTICIPATION_FLAGS_DISMISSED = "participation.flags_dismissed", _("Flags dismissed")
    CONSULTATION_PUBLISHED = "consultation.published", _("Draft published for comment")
    CONSULTATION_REPORT_PUBLISHED = "consultation.report_published", _("What we heard published")
    PROPOSAL_THRESHOLD_REACHED = "proposal.threshold_reached", _("Support threshold reached")
    PROPOSAL_ANSWERED = "proposal.answered", _("Proposal answered")
    PROPOSAL_CLOSED = "proposal.closed", _("Proposal closed: the process moved on")
    POLL_PUBLISHED = "poll.published", _("Poll published")
    BUDGET_PROJECT_ASSESSED = "budget.project_assessed", _("Project assessed")
    BUDGET_PROJECT_ENGLISH = "budget.project_english", _("Project's English version written")
    APPROVAL_SUBMITTED = "approval.submitted", _("Submitted for approval")
    APPROVAL_STEP_APPROVED = "approval.step_approved", _("Approval step approved")
    APPROVAL_STEP_HELD = "approval.step_held", _("Approval step held")
    APPROVAL_RETURNED = "approval.returned", _("Returned by an approval step")
    APPROVAL_WITHDRAWN = "approval.withdrawn", _("Approval line withdrawn by its drafter")
    APPROVAL_APPROVED = "approval.approved", _("Approved at the last step")
    APPROVAL_CANCELLED = "approval.cancelled", _("Approval line cancelled: its subject went away")
    APPROVAL_POST_APPROVED = (
        "approval.post_approved",
        _("Approved afterwards by the absent approver"),
    )
    PROPOSAL_ANSWER_SUBMITTED = "proposal.answer_submitted", _("Answer submitted for approval")
    PROPOSAL_ANSWER_RETURNED = "proposal.answer_returned", _("Answer returned")
    # the back office: documents (nara.documents) and information disclosure (nara.disclosure)
    DOCUMENT_DRAFTED = "document.drafted", _("Document drafted")
    DOCUMENT_CHANGED = "document.changed", _("Document draft changed")
    DOCUMENT_DELETED = "document.deleted", _("Document draft deleted")
    DOCUMENT_SUBMITTED = "document.submitted", _("Document submitted for approval")
    DOCUMENT_RETURNED = "document.returned", _("Document returned")
    DOCUMENT_WITHDRAWN = "document.withdrawn", _("Document withdrawn from its line")
    DOCUMENT_REGISTERED = "document.registered", _("Document registered")
    DOCUMENT_PUBLISHED = "document.published", _("Document published")
    DISCLOSURE_REQUESTED = "disclosure.requested", _("Disclosure requested")
    DISCLOSURE_TRANSFERRED = "disclosure.transferred", _("Request transferred")
    DISCLOSURE_EXTENDED = "disclosure.extended", _("Decision period extended")
    DISCLOSURE_THIRD_PARTY_NOTIFIED = "disclosure.third_party_notified", _("Third party notified")
    DISCLOSURE_THIRD_PARTY_OPINION = "disclosure.third_party_opinion", _("Third party's opinion")
    DISCLOSURE_DECISION_SUBMITTED = (
        "disclosure.decision_submitted",
        _("Decision submitted for approval"),
    )
    DISCLOSURE_DECISION_RETURNED = "disclosure.decision_returned", _("Decision returned")
    DISCLOSURE_DECIDED = "disclosure.decided", _("Disclosure decided")
    DISCLOSURE_RELEASED = "disclosure.released", _("Information released")
    DISCLOSURE_WITHDRAWN = "disclosure.withdrawn", _("Request withdrawn")
    DISCLOSURE_DEEMED_REFUSED = (
        "disclosure.deemed_refused",
        _("No decision in time: deemed refused"),
    )
    DISCLOSURE_OBJECTION_FILED = "disclosure.objection_filed", _("Objection filed")
    DISCLOSURE_OBJECTION_EXTENDED = "disclosure.objection_extended", _("Objection period extended")
    DISCLOSURE_OBJECTION_DECIDED = "disclosure.objection_decided", _("Objection decided")
    BUDGET_BALLOT_CAST = "budget.ballot_cast", _("Ballot cast")
    BUDGET_STYLE_LOCKED = "budget.style_locked", _("Ballot style locked")
    BUDGET_RESULTS_PUBLISHED = "budget.results_published", _("Budget results published")


class AuditEvent(models.Model):
    """Who did what, when, from which state to which. Written in the same transaction as the
    change it records; never updated. Each event is a link of the hash chain (chain.py): its
    `seq`, the hash of the event before it and its own hash, set by audit_record()."""

    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False, db_index=True)
    # PROTECT: an account with a history is never deleted (it is deactivated and
    # pseudonymised, nara.accounts.services.user_deactivate), so no event loses its actor.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT
    )
    event_type = models.CharField(max_length=50, choices=EventType)
    target_type = models.CharField(max_length=50)
    target_id = models.CharField(max_length=50)
    from_state = models.CharField(max_length=30, blank=True)
    to_state = models.CharField(max_length=30, blank=True)
    data = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)
    salt = models.CharField(max_length=32, editable=False)  # secret: never shown (chain.py)

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["target_type", "target_id"])]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.event_type} {self.target_type}:{self.target_id}"


class AuditChainHead(models.Model):
    """The end of the chain, in one row: the last event's seq, hash and time. audit_record()
    locks it to append an event and moves it in the same transaction, so events are chained
    one at a time, in the order their transactions take it."""

    ONE = 1  # the primary key of the only row

    id = models.PositiveSmallIntegerField(primary_key=True, default=ONE, editable=False)
    seq = models.PositiveBigIntegerField(default=0)  # 0: no event yet
    hash = models.CharField(max_length=64, default=GENESIS)
    last_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_one_head")]
        verbose_name = _("audit chain head")
        verbose_name_plural = _("audit chain head")

    def __str__(self) -> str:
        return f"{self.seq} {self.hash}"
