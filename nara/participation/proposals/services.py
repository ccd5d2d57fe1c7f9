"""Every write to a proposal. Each runs in one transaction, asks the participation policy
(`require_act`) inside it, changes state, audits, and tells the people concerned.

Support is counted exactly under concurrency: the support row is unique per person, the count
is incremented with an `UPDATE … SET support_count = support_count + 1` (which also locks the
proposal row until commit), and the threshold transition is a conditional update
(`WHERE status = 'open'`) that only one transaction can win: it fires exactly once."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.agencies.selectors import official_of_unit_or_above, unit_members
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core import clock
from nara.core.errors import NotAllowed
from nara.notifications.messages import msg
from nara.notifications.services import notify
from nara.participation import policies
from nara.participation.following import record_activity
from nara.participation.models import Action, ModerationStatus, Process
from nara.participation.moderation import moderation_submit, post_once

from .models import (
    DEFAULT_ANSWER_DAYS,
    DEFAULT_SUPPORT_THRESHOLD,
    AnswerKind,
    Proposal,
    ProposalComment,
    ProposalSettings,
    ProposalStatus,
    ProposalSupport,
)

TITLE_MAX, BODY_MIN, BODY_MAX, COMMENT_MAX, ANSWER_MIN = 150, 20, 5000, 2000, 10
PS = ProposalStatus
SUPPORTABLE = {PS.OPEN, PS.THRESHOLD_REACHED}
ANSWERABLE = {PS.THRESHOLD_REACHED, PS.ANSWERED}  # answered "under review" may be answered again


class AlreadySupported(Exception):
    """This person already supports this proposal."""


# --- settings ------------------------------------------------------------------------------


def proposal_settings_for(process: Process) -> ProposalSettings:
    """The process's proposal settings, or unsaved defaults."""
    try:
        return process.proposal_settings
    except ProposalSettings.DoesNotExist:
        return ProposalSettings(
            process=process,
            support_threshold=getattr(
                settings, "NARA_PROPOSAL_SUPPORT_THRESHOLD", DEFAULT_SUPPORT_THRESHOLD
            ),
            answer_days=getattr(settings, "NARA_PROPOSAL_ANSWER_DAYS", DEFAULT_ANSWER_DAYS),
        )


def answer_due(reached_at, config: ProposalSettings):
    """The answer clock: `answer_days` after the threshold moment, calendar or working days."""
    if config.answer_in_working_days:
        return clock.add_working_days(reached_at, config.answer_days)
    return reached_at + timedelta(days=config.answer_days)


# --- submitting ----------------------------------------------------------------------------


def validate_proposal(title: str, body: str) -> tuple[str, str]:
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if not title:
        errors["title"] = _("Give your proposal a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title can be at most %(n)d characters.") % {"n": TITLE_MAX}
    if len(body) < BODY_MIN:
        errors["body"] = _("Explain your proposal in at least %(n)d characters.") % {"n": BODY_MIN}
    elif len(body) > BODY_MAX:
        errors["body"] = _("The text can be at most %(n)d characters.") % {"n": BODY_MAX}
    if errors:
        raise ValidationError(errors)
    return title, body


def proposal_submit(
    *, process: Process, author, title: str, body: str, category=None, idempotency_key: str = ""
) -> Proposal:
    """A citizen proposes an idea. It waits for moderation before anyone else sees it. A retry
    with the same form token returns the first proposal."""
    title, body = validate_proposal(title, body)

    def create() -> Proposal:
        policies.require_act(author, process, Action.PROPOSE)
        proposal = Proposal.objects.create(
            process=process,
            author=author,
            title=title,
            body=body,
            category=category,
            unit_id=process.unit_id,
            idempotency_key=idempotency_key,
        )
        return moderation_submit(item=proposal)

    return post_once(
        Proposal,
        author=author,
        token=idempotency_key,
        token_field="idempotency_key",
        create=create,
    )


def proposal_on_moderation(proposal: Proposal, old: str, new: str) -> None:
    """Runs inside a moderation decision: followers hear of newly published proposals."""
    if new == ModerationStatus.PUBLISHED and old != new:
        record_activity(
            process=proposal.process,
            target=None,
            source=proposal,
            message=msg(_("New proposal: %(title)s"), {"title": proposal.title}),
            url=proposal.get_absolute_url(),
        )


# --- support -------------------------------------------------------------------------------


def _follow(user, proposal: Proposal) -> None:
    """Supporters follow the proposal, so they hear of its answer in their digest."""
    from nara.participation.services import follow_create

    follow_create(user=user, target=proposal)


def support_refusal(user, proposal: Proposal):
    """Why `user` may not support `proposal` now, or None."""
    reason = policies.refusal(user, proposal.process, Action.SUPPORT)
    if reason is not None:
        return reason
    if not proposal.is_published or proposal.status not in SUPPORTABLE:
        return _("This proposal is not open for support.")
    if proposal.author_id == user.pk:
        return _("You made this proposal; others can support it.")
    return None


def proposal_support(*, proposal: Proposal, by) -> Proposal:
    """`by` supports the proposal (once). When the support reaches the process's threshold the
    proposal awaits the agency's answer, with its due date; that happens exactly once."""
    with transaction.atomic():
        current = Proposal.objects.select_related("process", "unit").get(pk=proposal.pk)
        reason = support_refusal(by, current)
        if reason is not None:
            raise NotAllowed(reason)
        try:
            with transaction.atomic():
                ProposalSupport.objects.create(proposal=current, user=by)
        except IntegrityError:
            raise AlreadySupported() from None
        Proposal.objects.filter(pk=current.pk).update(support_count=F("support_count") + 1)
        _follow(by, current)
        count = Proposal.objects.values_list("support_count", flat=True).get(pk=current.pk)
        config = proposal_settings_for(current.process)
        if count >= config.support_threshold:
            _reach_threshold(current, config, by=by, count=count)
    current.refresh_from_db()
    return current


def _reach_threshold(proposal: Proposal, config: ProposalSettings, *, by, count: int) -> None:
    now = timezone.now()
    due = answer_due(now, config)
    won = Proposal.objects.filter(pk=proposal.pk, status=PS.OPEN).update(
        status=PS.THRESHOLD_REACHED, threshold_reached_at=now, answer_due_at=due
    )
    if not won:
        return
    audit_record(
        actor=by,
        event_type=EventType.PROPOSAL_THRESHOLD_REACHED,
        target=proposal,
        from_state=PS.OPEN,
        to_state=PS.THRESHOLD_REACHED,
        data={"supporters": count, "answer_due_at": due.isoformat()},
    )
    url = proposal.get_absolute_url()
    for handler in unit_members(proposal.unit, Membership.Role.HANDLER):
        notify(
            user=handler,
            subject=msg(_("A proposal awaits your answer: %(title)s"), {"title": proposal.title}),
            body=msg(
                _("%(n)s people support this proposal. Please answer it by %(due)s."),
                {"n": count, "due": clock.local_text(due)},
            ),
            url=url,
        )


# --- answer --------------------------------------------------------------------------------


def is_competent_official(user, proposal: Proposal) -> bool:
    """A member of the proposal's competent unit or of a unit above it."""
    return official_of_unit_or_above(user, proposal.unit)


def answer_refusal(user, proposal: Proposal):
    """Why `user` may not answer `proposal` now, or None. Officials of the process's agency may
    (the policy), and so may officials of the proposal's competent unit when it differs."""
    reason = policies.refusal(user, proposal.process, Action.ANSWER)
    if reason is not None and not (
        getattr(user, "is_authenticated", False)
        and proposal.process.published
        and is_competent_official(user, proposal)
        and policies.phase_allows(proposal.process, Action.ANSWER)
    ):
        return reason
    if proposal.status not in ANSWERABLE or (
        proposal.status == PS.ANSWERED and proposal.answer_kind != AnswerKind.UNDER_REVIEW
    ):
        return _("This proposal cannot be answered now.")
    return None


# --- closing -------------------------------------------------------------------------------


def proposals_close(*, process: Process, by=None) -> int:
    """Close the open proposals of a process that has moved past the phases where people may
    support: none is open now and none is to come (run by `proposals_close_due`). Returns how
    many closed."""
    now = timezone.now()
    if any(
        Action.SUPPORT in phase.actions and phase.ends_at > now for phase in process.phases.all()
    ):
        return 0
    with transaction.atomic():
        ids = list(
            Proposal.objects.select_for_update()
            .filter(process=process, status=PS.OPEN)
            .values_list("pk", flat=True)
        )
        now = timezone.now()
        Proposal.objects.filter(pk__in=ids, status=PS.OPEN).update(status=PS.CLOSED, closed_at=now)
        for pk in ids:
            audit_record(
                actor=by,
                event_type=EventType.PROPOSAL_CLOSED,
                target=Proposal(pk=pk),
                from_state=PS.OPEN,
                to_state=PS.CLOSED,
            )
    return len(ids)


def proposals_close_due() -> int:
    """The periodic sweep: close the open proposals of every process whose support phases are
    over."""
    closed = 0
    processes = Process.objects.filter(
        pk__in=Proposal.objects.filter(status=PS.OPEN).values("process_id")
    ).prefetch_related("phases")
    for process in processes:
        closed += proposals_close(process=process)
    return closed


# --- comments ------------------------------------------------------------------------------


def proposal_comment(*, proposal: Proposal, author, body: str) -> ProposalComment:
    """A comment on a published proposal; it waits for moderation."""
    body = (body or "").replace("\r\n", "\n").strip()
    if not body:
        raise ValidationError({"body": _("Write your comment.")})
    if len(body) > COMMENT_MAX:
        raise ValidationError(
            {"body": _("A comment can be at most %(n)d characters.") % {"n": COMMENT_MAX}}
        )
    with transaction.atomic():
        current = Proposal.objects.select_related("process").get(pk=proposal.pk)
        policies.require_act(author, current.process, Action.COMMENT)
        if not current.is_published:
            raise NotAllowed(_("This proposal is not open for comments."))
        comment = ProposalComment.objects.create(proposal=current, author=author, body=body)
        moderation_submit(item=comment)
    return comment


def comment_on_moderation(comment: ProposalComment, old: str, new: str) -> None:
    """Keep `Proposal.comment_count` equal to its published comments."""
    published = ModerationStatus.PUBLISHED
    if old != published and new == published:
        Proposal.objects.filter(pk=comment.proposal_id).update(comment_count=F("comment_count") + 1)
        proposal = comment.proposal
        record_activity(
            process=proposal.process,
            target=proposal,
            source=comment,
            message=msg(_("New comment on “%(title)s”"), {"title": proposal.title}),
            url=comment.get_absolute_url(),
        )
    elif old == published and new != published:
        Proposal.objects.filter(pk=comment.proposal_id, comment_count__gt=0).update(
            comment_count=F("comment_count") - 1
        )
