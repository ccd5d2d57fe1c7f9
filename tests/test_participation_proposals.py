"""Proposals (국민생각함): submit, moderation, support once, the threshold exactly once (also
under concurrency), the answer clock, answers, closing, and who may do what in which phase."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from nara.audit.models import AuditEvent, EventType
from nara.core import clock
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.models import Region
from nara.notifications.models import Notification
from nara.participation.models import Action, Follow, ModerationStatus, PhaseKind
from nara.participation.moderation import moderation_decide
from nara.participation.proposals import answers, services
from nara.participation.proposals.models import (
    AnswerKind,
    Proposal,
    ProposalComment,
    ProposalSettings,
    ProposalStatus,
    ProposalSupport,
)
from tests.conftest import make_user
from tests.helpers import together
from tests.participation_helpers import make_process, move_to_phase

PS = ProposalStatus
BODY = "공원 산책로에 야간 조명을 설치해 주세요. 밤에 걷기가 위험합니다."


@pytest.fixture(autouse=True)
def _english():
    """Messages are checked in English (the site's default language is Korean)."""
    with translation.override("en"):
        yield


def submit(process, author, title="산책로 조명", **kw):
    return services.proposal_submit(process=process, author=author, title=title, body=BODY, **kw)


def published(process, author, moderator, **kw):
    proposal = submit(process, author, **kw)
    return moderation_decide(item=proposal, by=moderator, decision="approve")


def citizens(n, prefix="c"):
    return [make_user(f"{prefix}{i}@example.com") for i in range(n)]


def events(target, event_type) -> int:
    return AuditEvent.objects.filter(
        event_type=event_type, target_type=target._meta.label_lower, target_id=str(target.pk)
    ).count()


@pytest.fixture
def process(world):
    p = make_process(world.roads, current=PhaseKind.INPUT)
    ProposalSettings.objects.create(process=p, support_threshold=3, answer_days=30)
    return p


# --- submit and moderation -------------------------------------------------------------------


def test_submitted_proposal_waits_for_moderation_and_is_audited(world, process):
    proposal = submit(process, world.citizen)
    assert proposal.moderation_status == ModerationStatus.PENDING
    assert proposal.status == PS.OPEN and proposal.unit == world.roads
    assert events(proposal, EventType.PARTICIPATION_SUBMITTED) == 1


def test_same_form_token_creates_one_proposal(world, process):
    first = submit(process, world.citizen, idempotency_key="web:abc")
    again = submit(process, world.citizen, idempotency_key="web:abc")
    assert first.pk == again.pk and Proposal.objects.count() == 1


@pytest.mark.parametrize(
    "title,body,field",
    [("", BODY, "title"), ("x" * 151, BODY, "title"), ("제목", "짧음", "body")],
)
def test_bad_proposals_are_refused_with_a_message(world, process, title, body, field):
    with pytest.raises(ValidationError) as error:
        services.proposal_submit(process=process, author=world.citizen, title=title, body=body)
    assert field in error.value.message_dict


def test_comment_counts_follow_moderation(world, process, moderator):
    proposal = published(process, world.citizen, moderator)
    comment = services.proposal_comment(proposal=proposal, author=world.other_citizen, body="찬성")
    proposal.refresh_from_db()
    assert proposal.comment_count == 0  # pending comments are not counted
    moderation_decide(item=comment, by=moderator, decision="approve")
    proposal.refresh_from_db()
    assert proposal.comment_count == 1
    moderation_decide(item=comment, by=moderator, decision="hide", reason="개인정보")
    proposal.refresh_from_db()
    assert proposal.comment_count == 0
    assert ProposalComment.objects.get().moderation_status == ModerationStatus.HIDDEN


# --- support and the threshold ---------------------------------------------------------------


def test_support_once_per_person(world, process, moderator):
    proposal = published(process, world.citizen, moderator)
    services.proposal_support(proposal=proposal, by=world.other_citizen)
    with pytest.raises(services.AlreadySupported):
        services.proposal_support(proposal=proposal, by=world.other_citizen)
    proposal.refresh_from_db()
    assert proposal.support_count == 1 == ProposalSupport.objects.count()
    # supporters follow the proposal, to hear of its answer
    assert Follow.objects.filter(user=world.other_citizen, object_id=proposal.pk).exists()


def test_author_cannot_support_and_pending_proposals_cannot_be_supported(world, process, moderator):
    pending = submit(process, world.citizen)
    with pytest.raises(NotAllowed):
        services.proposal_support(proposal=pending, by=world.other_citizen)
    proposal = published(process, world.citizen, moderator, title="다른 제안")
    with pytest.raises(NotAllowed):
        services.proposal_support(proposal=proposal, by=world.citizen)


def test_threshold_sets_answer_clock_audits_and_tells_the_handlers(world, process, moderator):
    proposal = published(process, world.citizen, moderator)
    moment = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        move_to_phase(process, PhaseKind.INPUT)
        for user in citizens(3):
            services.proposal_support(proposal=proposal, by=user)
    proposal.refresh_from_db()
    assert proposal.status == PS.THRESHOLD_REACHED
    assert proposal.threshold_reached_at == moment
    assert proposal.answer_due_at == moment + timedelta(days=30)
    assert events(proposal, EventType.PROPOSAL_THRESHOLD_REACHED) == 1
    assert Notification.objects.filter(user=world.handler).count() == 1
    assert not Notification.objects.filter(user=world.other_handler).exists()
    # more support after the threshold does not fire it again
    move_to_phase(process, PhaseKind.INPUT)
    services.proposal_support(proposal=proposal, by=make_user("late@example.com"))
    assert events(proposal, EventType.PROPOSAL_THRESHOLD_REACHED) == 1


def test_answer_clock_can_count_working_days(world, process, moderator):
    ProposalSettings.objects.filter(process=process).update(
        answer_in_working_days=True, answer_days=10
    )
    process.refresh_from_db()
    proposal = published(process, world.citizen, moderator)
    moment = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    with time_machine.travel(moment, tick=False):
        move_to_phase(process, PhaseKind.INPUT)
        for user in citizens(3):
            services.proposal_support(proposal=proposal, by=user)
    proposal.refresh_from_db()
    assert proposal.answer_due_at == clock.add_working_days(moment, 10)
    assert proposal.answer_due_at > moment + timedelta(days=10)  # weekends skipped


def test_defaults_apply_without_settings(world, moderator, settings):
    settings.NARA_PROPOSAL_SUPPORT_THRESHOLD = 2
    process = make_process(world.roads, current=PhaseKind.INPUT)
    proposal = published(process, world.citizen, moderator)
    for user in citizens(2):
        services.proposal_support(proposal=proposal, by=user)
    proposal.refresh_from_db()
    assert proposal.status == PS.THRESHOLD_REACHED


@pytest.mark.django_db(transaction=True)
def test_concurrent_supporters_count_exactly_and_the_threshold_fires_once(world, moderator):
    process = make_process(world.roads, current=PhaseKind.INPUT)
    ProposalSettings.objects.create(process=process, support_threshold=5)
    proposal = published(process, world.citizen, moderator)
    people = citizens(16, "t")
    outcomes = together(16, lambda i: services.proposal_support(proposal=proposal, by=people[i]))
    assert outcomes == [None] * 16
    proposal.refresh_from_db()
    assert proposal.support_count == 16 == ProposalSupport.objects.count()
    assert proposal.status == PS.THRESHOLD_REACHED
    assert events(proposal, EventType.PROPOSAL_THRESHOLD_REACHED) == 1
    assert Notification.objects.filter(user=world.handler).count() == 1


@pytest.mark.django_db(transaction=True)
def test_supporters_crossing_the_threshold_together_fire_it_once(world, moderator):
    """One short of the threshold, many people support at once: every one of them sees a count
    at or above the threshold, yet the proposal reaches it once (one event, one clock, one
    notice to the agency)."""
    process = make_process(world.roads, current=PhaseKind.INPUT)
    ProposalSettings.objects.create(process=process, support_threshold=10, answer_days=30)
    proposal = published(process, world.citizen, moderator)
    for person in citizens(9, "early"):
        services.proposal_support(proposal=proposal, by=person)
    proposal.refresh_from_db()
    assert (proposal.support_count, proposal.status) == (9, PS.OPEN)
    people = citizens(12, "late")
    outcomes = together(12, lambda i: services.proposal_support(proposal=proposal, by=people[i]))
    assert outcomes == [None] * 12
    proposal.refresh_from_db()
    assert proposal.support_count == 21 == ProposalSupport.objects.count()
    assert proposal.status == PS.THRESHOLD_REACHED
    assert events(proposal, EventType.PROPOSAL_THRESHOLD_REACHED) == 1
    event = AuditEvent.objects.get(event_type=EventType.PROPOSAL_THRESHOLD_REACHED)
    assert event.data["supporters"] >= 10
    assert event.actor_id in {p.pk for p in people}
    assert event.data["answer_due_at"] == proposal.answer_due_at.isoformat()
    assert Notification.objects.filter(user=world.handler).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_person_supporting_concurrently_counts_once(world, moderator):
    process = make_process(world.roads, current=PhaseKind.INPUT)
    proposal = published(process, world.citizen, moderator)
    outcomes = together(
        8, lambda i: services.proposal_support(proposal=proposal, by=world.other_citizen)
    )
    assert sum(o is None for o in outcomes) == 1
    assert all(o is None or isinstance(o, services.AlreadySupported) for o in outcomes)
    proposal.refresh_from_db()
    assert proposal.support_count == 1 == ProposalSupport.objects.count()


# --- the answer ------------------------------------------------------------------------------


def reached(world, process, moderator):
    proposal = published(process, world.citizen, moderator)
    for user in citizens(3, "s"):
        services.proposal_support(proposal=proposal, by=user)
    proposal.refresh_from_db()
    return proposal


def answer(proposal, world, kind, text, by=None):
    """Written by the unit's handler (or `by`), approved by its approver: published."""
    answers.proposal_answer_submit(proposal=proposal, by=by or world.handler, kind=kind, text=text)
    return answers.proposal_answer_approve(proposal=proposal, by=world.approver)


def test_answer_tells_the_author_and_is_audited(world, process, moderator):
    proposal = reached(world, process, moderator)
    answered = answer(proposal, world, AnswerKind.ACCEPTED, "내년 예산에 반영하겠습니다.")
    assert answered.status == PS.ANSWERED and answered.answer_kind == AnswerKind.ACCEPTED
    assert events(proposal, EventType.PROPOSAL_ANSWERED) == 1
    assert Notification.objects.filter(user=world.citizen).exists()
    with pytest.raises(InvalidTransition):  # a final answer stays
        answers.proposal_answer_submit(
            proposal=proposal,
            by=world.handler,
            kind=AnswerKind.NOT_ACCEPTED,
            text="번복합니다. 예산이 없습니다.",
        )


def test_under_review_may_be_answered_again(world, process, moderator):
    proposal = reached(world, process, moderator)
    answer(proposal, world, AnswerKind.UNDER_REVIEW, "검토 중입니다. 곧 답변")
    final = answer(proposal, world, AnswerKind.NOT_ACCEPTED, "예산 부족으로 어렵습니다.")
    assert final.answer_kind == AnswerKind.NOT_ACCEPTED
    assert events(proposal, EventType.PROPOSAL_ANSWERED) == 2


def test_open_proposals_cannot_be_answered(world, process, moderator):
    proposal = published(process, world.citizen, moderator)
    with pytest.raises(InvalidTransition):
        answers.proposal_answer_submit(
            proposal=proposal,
            by=world.handler,
            kind=AnswerKind.ACCEPTED,
            text="좋은 제안입니다. 감사합니다.",
        )


def test_answer_needs_a_kind_and_a_text(world, process, moderator):
    proposal = reached(world, process, moderator)
    with pytest.raises(ValidationError) as error:
        answers.proposal_answer_submit(proposal=proposal, by=world.handler, kind="maybe", text="")
    assert set(error.value.message_dict) == {"kind", "text"}


def test_other_agencies_and_citizens_cannot_answer(world, process, moderator):
    proposal = reached(world, process, moderator)
    for user in (world.other_handler, world.other_citizen, moderator):
        with pytest.raises(NotAllowed):
            answers.proposal_answer_submit(
                proposal=proposal,
                by=user,
                kind=AnswerKind.ACCEPTED,
                text="제가 답변합니다. 수용합니다.",
            )


def test_the_answer_passes_the_approval_engine(world, process, moderator):
    """Submitted on a line of one approval step held by the competent unit's approvers: not
    published until approved; the drafter, a handler, another agency's approver and a citizen
    cannot approve it; a return sends it back with its text kept, to be mended and submitted
    again; only an approval publishes it."""
    from nara.approvals.models import ApprovalLine, LineStatus

    proposal = reached(world, process, moderator)
    text = "내년 예산에 반영하겠습니다."
    answers.proposal_answer_submit(
        proposal=proposal, by=world.handler, kind=AnswerKind.ACCEPTED, text=text
    )
    proposal.refresh_from_db()
    assert proposal.status == PS.THRESHOLD_REACHED and proposal.answer_text == ""
    with pytest.raises(InvalidTransition):  # one answer awaiting approval at a time
        answers.proposal_answer_submit(
            proposal=proposal, by=world.approver, kind=AnswerKind.ACCEPTED, text=text
        )
    for user in (world.handler, world.other_approver, world.other_citizen, world.citizen):
        with pytest.raises(NotAllowed):
            answers.proposal_answer_approve(proposal=proposal, by=user)
    with pytest.raises(ValidationError):  # a return says why
        answers.proposal_answer_return(proposal=proposal, by=world.approver, comment=" ")
    answers.proposal_answer_return(proposal=proposal, by=world.approver, comment="일정을 넣으세요")
    proposal.refresh_from_db()
    assert proposal.status == PS.THRESHOLD_REACHED and proposal.pending_answer_text == text
    assert proposal.answer_return_comment == "일정을 넣으세요"
    assert events(proposal, EventType.PROPOSAL_ANSWER_RETURNED) == 1
    with pytest.raises(InvalidTransition):  # nothing awaits approval now
        answers.proposal_answer_approve(proposal=proposal, by=world.approver)
    answers.proposal_answer_submit(
        proposal=proposal, by=world.handler, kind=AnswerKind.ACCEPTED, text=text + " 2027년까지."
    )
    stale = ApprovalLine.objects.filter(status=LineStatus.RETURNED).get()
    with pytest.raises(InvalidTransition):  # a decision on the line the approver read only
        answers.proposal_answer_approve(proposal=proposal, by=world.approver, line_id=stale.pk)
    published_answer = answers.proposal_answer_approve(proposal=proposal, by=world.approver)
    assert published_answer.status == PS.ANSWERED
    assert published_answer.answer_text == text + " 2027년까지."
    assert published_answer.pending_answer_text == ""
    assert [line.status for line in ApprovalLine.objects.order_by("id")] == [
        LineStatus.RETURNED,
        LineStatus.APPROVED,
    ]


def test_closing_when_the_process_moves_on(world, process, moderator):
    open_one = published(process, world.citizen, moderator)
    waiting = reached(world, process, moderator)
    assert services.proposals_close(process=process) == 0  # support still open
    move_to_phase(process, PhaseKind.VOTING)
    process.refresh_from_db()
    assert services.proposals_close(process=process) == 1
    open_one.refresh_from_db()
    waiting.refresh_from_db()
    assert open_one.status == PS.CLOSED and waiting.status == PS.THRESHOLD_REACHED
    assert events(open_one, EventType.PROPOSAL_CLOSED) == 1


def test_the_sweep_closes_only_when_no_support_phase_is_left(world, process, moderator):
    """Between two phases that allow support (a gap), proposals stay open; the periodic sweep
    closes them once every support phase is over."""
    open_one = published(process, world.citizen, moderator)
    deliberation = process.phases.get(kind=PhaseKind.DELIBERATION)
    input_phase = process.phases.get(kind=PhaseKind.INPUT)
    input_phase.ends_at = timezone.now() - timedelta(hours=1)  # a gap before deliberation
    input_phase.save()
    assert deliberation.starts_at > timezone.now()
    assert services.proposals_close_due() == 0
    move_to_phase(process, PhaseKind.RESULTS)
    assert services.proposals_close_due() == 1
    open_one.refresh_from_db()
    assert open_one.status == PS.CLOSED


# --- who may do what, in which phase ----------------------------------------------------------

PHASES = [
    PhaseKind.INFORMATION,
    PhaseKind.INPUT,
    PhaseKind.DELIBERATION,
    PhaseKind.VOTING,
    PhaseKind.RESULTS,
]
# phase -> (may propose, may support, may answer) for an eligible person
ALLOWED = {
    PhaseKind.INFORMATION: (False, False, False),
    PhaseKind.INPUT: (True, True, True),
    PhaseKind.DELIBERATION: (False, True, True),
    PhaseKind.VOTING: (False, False, True),
    PhaseKind.RESULTS: (False, False, True),
}


@pytest.fixture
def seoul():
    province = Region.objects.get_or_create(code="11", defaults={"name_ko": "서울특별시"})[0]
    busan = Region.objects.get_or_create(code="26", defaults={"name_ko": "부산광역시"})[0]
    return province, busan


@pytest.mark.parametrize("phase", PHASES)
def test_permission_matrix_per_persona_and_phase(world, moderator, seoul, phase):
    region, elsewhere = seoul
    resident = make_user("resident@example.com", region=region)
    outsider = make_user("outsider@example.com", region=elsewhere)
    process = make_process(world.roads, current=PhaseKind.INPUT, region=region)
    ProposalSettings.objects.create(process=process, support_threshold=1)
    proposal = published(process, resident, moderator)
    waiting = published(process, resident, moderator, title="두 번째")
    services.proposal_support(proposal=waiting, by=make_user("r2@example.com", region=region))
    waiting.refresh_from_db()
    assert waiting.status == PS.THRESHOLD_REACHED
    move_to_phase(process, phase)
    process.refresh_from_db()
    propose, support, answer = ALLOWED[phase]

    from django.contrib.auth.models import AnonymousUser

    from nara.participation import policies

    def can(user, action):
        return policies.can_act(user, process, action)

    another = make_user("resident2@example.com", region=region)
    assert can(another, Action.PROPOSE) is propose
    assert (services.support_refusal(another, proposal) is None) is support
    assert can(AnonymousUser(), Action.PROPOSE) is False
    assert services.support_refusal(AnonymousUser(), proposal) is not None
    assert can(outsider, Action.PROPOSE) is False
    assert services.support_refusal(outsider, proposal) is not None
    assert can(moderator, Action.ANSWER) is False
    assert (services.answer_refusal(world.handler, waiting) is None) is answer
    assert services.answer_refusal(world.other_handler, waiting) is not None
    assert services.answer_refusal(another, waiting) is not None
    if not propose:
        with pytest.raises(NotAllowed):
            submit(process, another, title="막힌 제안")
    if not support:
        with pytest.raises(NotAllowed):
            services.proposal_support(proposal=proposal, by=another)
