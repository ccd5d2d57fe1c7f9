"""The approval engine (issue 13, nara/approvals/engine.py): steps act in order, cooperating
units side by side; returning ends the line; holding keeps the turn; the drafter withdraws
until a step has acted; a deputy acts for an absent holder (대결); every allowed and forbidden
act for the drafter, each step's holder, an official of another unit, a citizen, anonymous."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from nara.agencies.models import Membership
from nara.approvals import engine
from nara.approvals.engine import StepSpec
from nara.approvals.models import Absence, LineStatus, Mark, StepKind, StepState
from nara.audit.models import AuditEvent, EventType
from nara.core.errors import InvalidTransition, NotAllowed
from tests.conftest import make_user
from tests.helpers import file_complaint, together

pytestmark = pytest.mark.django_db
Role = Membership.Role


@pytest.fixture
def ended():
    """A kind of thing to approve, registered for the test; what its callbacks were told."""
    told = []
    engine.register(
        "test.thing",
        on_approved=lambda line, by: told.append(("approved", line.pk, by)),
        on_returned=lambda line, by, comment: told.append(("returned", line.pk, comment)),
        on_withdrawn=lambda line, by: told.append(("withdrawn", line.pk, by)),
    )
    yield told
    engine._KINDS.pop("test.thing")


@pytest.fixture
def people(world):
    """The drafter (a handler of the roads unit), a named reviewer, two cooperating units'
    approvers, the roads unit's approver (deciding by delegated authority)."""
    reviewer = make_user("reviewer@roads.example.com", official=True)
    Membership.objects.create(user=reviewer, unit=world.roads, role=Role.HANDLER)
    ministry_approver = make_user("approver@moi.example.com", official=True)
    Membership.objects.create(user=ministry_approver, unit=world.ministry, role=Role.APPROVER)
    return {
        "drafter": world.handler,
        "reviewer": reviewer,
        "parks": world.other_approver,
        "ministry": ministry_approver,
        "approver": world.approver,
    }


def line_of_three(world, people, subject=None):
    """Review → cooperation by two other units side by side → approval (전결)."""
    return engine.line_submit(
        subject=subject or file_complaint(world),
        kind="test.thing",
        by=people["drafter"],
        steps=[
            StepSpec(1, StepKind.REVIEW, world.roads, person=people["reviewer"]),
            StepSpec(2, StepKind.COOPERATE, world.parks, role=Role.APPROVER),
            StepSpec(2, StepKind.COOPERATE, world.ministry, role=Role.APPROVER),
            StepSpec(3, StepKind.APPROVE, world.roads, role=Role.APPROVER, delegated=True),
        ],
    )


def states(line):
    return [s.state for s in line.steps.order_by("position", "id")]


def test_the_steps_act_in_order_cooperation_side_by_side(world, people, ended):
    line = line_of_three(world, people)
    P, W, A = StepState.PENDING, StepState.WAITING, StepState.APPROVED
    assert states(line) == [P, W, W, W]
    with pytest.raises(NotAllowed):  # not the approver's turn yet
        engine.step_decide(line=line, by=people["approver"], decision="approve")
    engine.step_decide(line=line, by=people["reviewer"], decision="approve")
    assert states(line) == [A, P, P, W]
    engine.step_decide(line=line, by=people["ministry"], decision="approve")
    assert states(line) == [A, P, A, W]  # the other cooperating unit still to act
    engine.step_decide(line=line, by=people["parks"], decision="approve")
    assert states(line) == [A, A, A, P] and ended == []
    engine.step_decide(line=line, by=people["approver"], decision="approve")
    line.refresh_from_db()
    assert line.status == LineStatus.APPROVED and line.ended_at is not None
    assert ended == [("approved", line.pk, people["approver"])]
    last = line.steps.get(kind=StepKind.APPROVE)
    assert (last.mark, last.acted_by) == (Mark.DELEGATED, people["approver"])  # 전결
    events = list(
        AuditEvent.objects.filter(target_type="approvals.approvalline", target_id=str(line.pk))
        .order_by("id")
        .values_list("event_type", flat=True)
    )
    assert events == [
        EventType.APPROVAL_SUBMITTED,
        *[EventType.APPROVAL_STEP_APPROVED] * 4,
        EventType.APPROVAL_APPROVED,
    ]
    with pytest.raises(InvalidTransition):  # the line has ended
        engine.step_decide(line=line, by=people["approver"], decision="approve")


def test_returning_ends_the_line_and_a_new_one_may_be_submitted(world, people, ended):
    subject = file_complaint(world)
    line = line_of_three(world, people, subject)
    with pytest.raises(ValidationError):  # a return says what should change
        engine.step_decide(line=line, by=people["reviewer"], decision="return", comment=" ")
    engine.step_decide(
        line=line, by=people["reviewer"], decision="return", comment="표를 고치십시오"
    )
    line.refresh_from_db()
    assert line.status == LineStatus.RETURNED
    assert states(line) == [StepState.RETURNED] + [StepState.SKIPPED] * 3
    assert ended == [("returned", line.pk, "표를 고치십시오")]
    again = line_of_three(world, people, subject)  # fixed and submitted again
    assert again.pk != line.pk and again.status == LineStatus.IN_PROGRESS


def test_holding_keeps_the_turn(world, people, ended):
    line = line_of_three(world, people)
    engine.step_decide(line=line, by=people["reviewer"], decision="hold", comment="확인 중")
    assert states(line)[0] == StepState.HELD
    assert [s.pk for s in engine.waiting_for(people["reviewer"])] == [line.steps.first().pk]
    engine.step_decide(line=line, by=people["reviewer"], decision="approve")
    assert states(line)[:2] == [StepState.APPROVED, StepState.PENDING]


@pytest.mark.parametrize("who", ["drafter", "other unit", "citizen", "anonymous", "ministry"])
def test_nobody_but_the_holder_acts_on_a_step(world, people, ended, who):
    line = line_of_three(world, people)
    user = {
        "drafter": people["drafter"],
        "other unit": world.other_handler,
        "citizen": world.citizen,
        "anonymous": AnonymousUser(),
        "ministry": people["ministry"],  # holds a later step, not this one
    }[who]
    for decision in engine.DECISIONS:
        with pytest.raises(NotAllowed):
            engine.step_decide(line=line, by=user, decision=decision, comment="x")
    assert states(line)[0] == StepState.PENDING and ended == []


def test_the_drafter_withdraws_until_a_step_has_acted(world, people, ended):
    line = line_of_three(world, people)
    with pytest.raises(NotAllowed):
        engine.line_withdraw(line=line, by=people["reviewer"])
    engine.line_withdraw(line=line, by=people["drafter"])
    line.refresh_from_db()
    assert line.status == LineStatus.WITHDRAWN and set(states(line)) == {StepState.SKIPPED}
    assert ended == [("withdrawn", line.pk, people["drafter"])]
    acted = line_of_three(world, people)
    engine.step_decide(line=acted, by=people["reviewer"], decision="hold")
    with pytest.raises(InvalidTransition):
        engine.line_withdraw(line=acted, by=people["drafter"])


def test_a_deputy_acts_for_an_absent_approver_marked_acting(world, people, ended):
    deputy = make_user("deputy@roads.example.com", official=True)
    Membership.objects.create(user=deputy, unit=world.roads, role=Role.HANDLER)
    line = engine.line_submit(
        subject=file_complaint(world),
        kind="test.thing",
        by=people["drafter"],
        steps=[StepSpec(1, StepKind.APPROVE, world.roads, person=people["approver"])],
    )
    with pytest.raises(NotAllowed):  # the approver is in: no one acts for them
        engine.step_decide(line=line, by=deputy, decision="approve")
    now = timezone.now()
    Absence.objects.create(
        user=people["approver"],
        deputy=deputy,
        starts_at=now - timedelta(hours=1),
        ends_at=now + timedelta(days=2),
    )
    assert [s.line_id for s in engine.waiting_for(deputy)] == [line.pk]
    engine.step_decide(line=line, by=deputy, decision="approve")
    step = line.steps.get()
    assert (step.state, step.mark, step.acted_by) == (StepState.APPROVED, Mark.ACTING, deputy)
    assert ended == [("approved", line.pk, deputy)]


def test_a_line_is_refused_when_it_cannot_be_followed(world, people, ended):
    subject = file_complaint(world)
    approve = StepSpec(2, StepKind.APPROVE, world.roads, role=Role.APPROVER)
    review = StepSpec(1, StepKind.REVIEW, world.roads, person=people["reviewer"])
    wrong = {
        "nothing": [],
        "no approval": [review],
        "approval not last": [
            StepSpec(3, StepKind.REVIEW, world.roads, role=Role.HANDLER),
            approve,
        ],
        "two approvals": [approve, StepSpec(2, StepKind.APPROVE, world.parks, role=Role.APPROVER)],
        "a role nobody has": [StepSpec(1, StepKind.APPROVE, world.roads, role="nonsense")],
        "a review by delegated authority": [
            StepSpec(1, StepKind.REVIEW, world.roads, person=people["reviewer"], delegated=True),
            approve,
        ],
        "the drafter holds a step": [
            StepSpec(1, StepKind.REVIEW, world.roads, person=people["drafter"]),
            approve,
        ],
    }
    for steps in wrong.values():
        with pytest.raises(InvalidTransition):
            engine.line_submit(
                subject=subject, kind="test.thing", by=people["drafter"], steps=steps
            )
    with pytest.raises(NotAllowed):  # only officials submit
        engine.line_submit(subject=subject, kind="test.thing", by=world.citizen, steps=[approve])
    engine.line_submit(subject=subject, kind="test.thing", by=people["drafter"], steps=[approve])
    with pytest.raises(InvalidTransition):  # one line at a time
        engine.line_submit(
            subject=subject, kind="test.thing", by=people["drafter"], steps=[approve]
        )


def test_waiting_for_lists_a_units_steps_for_its_role_holders_only(world, people, ended):
    line = line_of_three(world, people)
    engine.step_decide(line=line, by=people["reviewer"], decision="approve")
    parks_step = line.steps.get(unit=world.parks)
    assert [s.pk for s in engine.waiting_for(people["parks"])] == [parks_step.pk]
    assert list(engine.waiting_for(world.other_handler)) == []  # parks, but not an approver
    assert list(engine.waiting_for(people["drafter"])) == []


@pytest.mark.django_db(transaction=True)
def test_two_holders_deciding_at_once_end_the_line_once(world, people, ended):
    """Two approvers of the unit press Approve and Return at the same moment: one decision
    wins, the other is told the line has ended; the line ends once (its callback once)."""
    line = engine.line_submit(
        subject=file_complaint(world),
        kind="test.thing",
        by=people["drafter"],
        steps=[StepSpec(1, StepKind.APPROVE, world.roads, role=Role.APPROVER)],
    )
    second = make_user("approver2@roads.example.com", official=True)
    Membership.objects.create(user=second, unit=world.roads, role=Role.APPROVER)
    deciders = [(people["approver"], "approve"), (second, "return")] * 4
    outcomes = together(
        len(deciders),
        lambda i: engine.step_decide(
            line=line, by=deciders[i][0], decision=deciders[i][1], comment="다시"
        ),
    )
    assert sum(outcome is None for outcome in outcomes) == 1
    assert all(isinstance(o, InvalidTransition) for o in outcomes if o is not None)
    line.refresh_from_db()
    assert line.status in (LineStatus.APPROVED, LineStatus.RETURNED) and len(ended) == 1
    assert line.steps.get().state in (StepState.APPROVED, StepState.RETURNED)


def test_complaint_answers_go_through_the_engine(world, ended):
    """A complaint's submitted answer waits on a one-step line of its unit's approvers; the
    line's end answers the complaint. Answers submitted before the engine get their line from
    the data migration, and are approved the same way."""
    import importlib

    from django.apps import apps

    from nara.approvals.models import ApprovalLine
    from nara.complaints import answers
    from nara.complaints.models import Status
    from tests.helpers import to_pending_approval

    complaint = to_pending_approval(world)
    line = ApprovalLine.objects.get(kind=answers.KIND)
    assert (line.drafter, line.subject.complaint) == (world.handler, complaint)
    step = line.steps.get()
    assert (step.kind, step.unit, step.role) == (StepKind.APPROVE, world.roads, Role.APPROVER)
    ApprovalLine.objects.all().delete()  # as it stood before the engine
    migration = importlib.import_module("nara.complaints.migrations.0005_answer_lines")
    migration.give_lines(apps, None)
    migration.give_lines(apps, None)  # once only
    assert ApprovalLine.objects.filter(status=LineStatus.IN_PROGRESS).count() == 1
    answered = answers.complaint_approve(complaint=complaint, by=world.approver)
    assert answered.status == Status.ANSWERED
    assert ApprovalLine.objects.get().status == LineStatus.APPROVED


def test_a_withdrawn_complaint_leaves_nothing_to_approve(world):
    from nara.approvals.models import ApprovalLine
    from nara.complaints import answers, services
    from tests.helpers import to_pending_approval

    complaint = to_pending_approval(world)
    assert engine.waiting_for(world.approver).count() == 1
    services.complaint_withdraw(complaint=complaint, by=world.citizen)
    line = ApprovalLine.objects.get(kind=answers.KIND)
    assert line.status == LineStatus.CANCELLED and states(line) == [StepState.SKIPPED]
    assert engine.waiting_for(world.approver).count() == 0
    assert AuditEvent.objects.filter(event_type=EventType.APPROVAL_CANCELLED).count() == 1
    with pytest.raises(InvalidTransition):
        answers.complaint_approve(complaint=complaint, by=world.approver)


@pytest.mark.django_db(transaction=True)
def test_withdrawing_and_approving_at_once_agree(world):
    """The citizen withdraws as the approver approves: whichever comes first wins, the other
    is refused (never a deadlock: both lock the complaint, then the line), and the complaint and
    its line agree."""
    from nara.approvals.models import ApprovalLine
    from nara.complaints import answers, services
    from nara.complaints.models import Status
    from tests.helpers import to_pending_approval

    for _ in range(3):
        complaint = to_pending_approval(world)
        acts = [
            lambda c=complaint: services.complaint_withdraw(complaint=c, by=world.citizen),
            lambda c=complaint: answers.complaint_approve(complaint=c, by=world.approver),
        ]
        outcomes = together(2, lambda i, acts=acts: acts[i]())
        assert sum(o is None for o in outcomes) == 1, outcomes
        assert all(isinstance(o, InvalidTransition) for o in outcomes if o is not None)
        complaint.refresh_from_db()
        line = ApprovalLine.objects.filter(kind=answers.KIND).latest("id")
        expected = {Status.ANSWERED: LineStatus.APPROVED, Status.WITHDRAWN: LineStatus.CANCELLED}
        assert line.status == expected[complaint.status]


def test_an_agency_administrator_above_the_unit_decides_as_its_approvers(world, people, ended):
    admin = make_user("admin@moi.example.com", official=True)
    Membership.objects.create(user=admin, unit=world.ministry, role=Role.AGENCY_ADMIN)
    line = engine.line_submit(
        subject=file_complaint(world),
        kind="test.thing",
        by=people["drafter"],
        steps=[StepSpec(1, StepKind.APPROVE, world.roads, role=Role.APPROVER)],
    )
    assert [s.line_id for s in engine.waiting_for(admin)] == [line.pk]
    engine.step_decide(line=line, by=admin, decision="approve")
    assert ended == [("approved", line.pk, admin)]


def test_a_deputy_stands_in_for_an_absent_role_holder_and_only_an_official(world, people, ended):
    deputy = make_user("deputy@roads.example.com", official=True)
    Membership.objects.create(user=deputy, unit=world.roads, role=Role.HANDLER)
    now = timezone.now()
    for stand_in in (deputy, world.citizen):
        Absence.objects.create(
            user=people["approver"],
            deputy=stand_in,
            starts_at=now - timedelta(hours=1),
            ends_at=now + timedelta(hours=1),
        )
    line = engine.line_submit(
        subject=file_complaint(world),
        kind="test.thing",
        by=people["drafter"],
        steps=[
            StepSpec(1, StepKind.APPROVE, world.roads, role=Role.APPROVER, delegated=True),
        ],
    )
    with pytest.raises(NotAllowed):  # a citizen named as deputy stands in for nobody
        engine.step_decide(line=line, by=world.citizen, decision="approve")
    engine.step_decide(line=line, by=deputy, decision="approve")
    assert line.steps.get().mark == Mark.DELEGATED_ACTING  # 전결 and 대결 both


def test_one_person_acts_on_one_step_and_an_ended_line_holds_nothing(world, people, ended):
    line = engine.line_submit(
        subject=file_complaint(world),
        kind="test.thing",
        by=people["drafter"],
        steps=[
            StepSpec(1, StepKind.COOPERATE, world.parks, role=Role.APPROVER),
            StepSpec(1, StepKind.COOPERATE, world.ministry, role=Role.APPROVER),
            StepSpec(2, StepKind.APPROVE, world.parks, role=Role.APPROVER),
        ],
    )
    engine.step_decide(line=line, by=people["parks"], decision="approve")
    engine.step_decide(line=line, by=people["ministry"], decision="hold")
    engine.step_decide(line=line, by=people["ministry"], decision="approve")
    with pytest.raises(NotAllowed):  # parks' approver approved the cooperation already
        engine.step_decide(line=line, by=people["parks"], decision="approve")
    other = line_of_three(world, people)
    engine.step_decide(line=other, by=people["reviewer"], decision="approve")
    engine.step_decide(line=other, by=people["parks"], decision="hold")
    engine.step_decide(line=other, by=people["ministry"], decision="return", comment="아니오")
    assert StepState.HELD not in states(other)  # the held step ended with its line


def test_an_answers_line_is_not_withdrawn_by_hand(world):
    from nara.approvals.models import ApprovalLine
    from tests.helpers import to_pending_approval

    to_pending_approval(world)
    with pytest.raises(InvalidTransition):  # it would leave the complaint waiting for nothing
        engine.line_withdraw(line=ApprovalLine.objects.get(), by=world.handler)


def test_an_operator_records_an_absence_and_the_deputy_may_act(world, people, client_for):
    from django.urls import reverse

    deputy = make_user("deputy@roads.example.com", official=True)
    Membership.objects.create(user=deputy, unit=world.roads, role=Role.HANDLER)
    now = timezone.localtime()
    response = client_for(world.operator).post(
        reverse("admin:approvals_absence_add"),
        {
            "user": people["approver"].pk,
            "deputy": deputy.pk,
            "starts_at_0": (now - timedelta(days=1)).strftime("%Y-%m-%d"),
            "starts_at_1": "09:00:00",
            "ends_at_0": (now + timedelta(days=2)).strftime("%Y-%m-%d"),
            "ends_at_1": "18:00:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert AuditEvent.objects.filter(
        event_type=EventType.CONFIG_ADDED, target_type="approvals.absence"
    ).exists()
    assert holds_role_step(world, deputy) == Mark.ACTING


def holds_role_step(world, user):
    from nara.approvals.models import ApprovalStep

    return engine.holds(ApprovalStep(unit=world.roads, role=Role.APPROVER), user)
