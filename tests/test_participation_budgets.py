"""Participatory budgeting: the ballot rules (knapsack, approval, duplicates, what may be on a
ballot), the locked ballot style, one ballot per voter under concurrency, re-voting, results,
region eligibility, proposing and assessing, and the permission matrix per persona and phase."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import translation

from nara.agencies.models import Membership
from nara.audit.models import AuditEvent, EventType
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.models import Region
from nara.participation.budgets import selectors, services
from nara.participation.budgets.models import (
    Ballot,
    BallotChoice,
    BallotStyle,
    Budget,
    Feasibility,
    Project,
)
from nara.participation.models import Action, ModerationStatus, PhaseKind
from nara.participation.moderation import moderation_decide
from tests.conftest import make_user
from tests.helpers import together
from tests.participation_helpers import PHASE_ORDER, make_process, move_to_phase


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source texts: pages and messages in English."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


MILLION = 1_000_000


# --- helpers -----------------------------------------------------------------------------------


@pytest.fixture
def regions(db):
    seoul, _ = Region.objects.get_or_create(
        code="11", defaults={"name_ko": "서울특별시", "name_en": "Seoul"}
    )
    jongno, _ = Region.objects.get_or_create(
        code="11110", defaults={"name_ko": "종로구", "name_en": "Jongno-gu", "parent": seoul}
    )
    busan, _ = Region.objects.get_or_create(
        code="26", defaults={"name_ko": "부산광역시", "name_en": "Busan"}
    )
    busan_jung, _ = Region.objects.get_or_create(
        code="26110", defaults={"name_ko": "중구", "name_en": "Jung-gu", "parent": busan}
    )
    return {"seoul": seoul, "jongno": jongno, "busan_jung": busan_jung}


def make_budget(
    world, *, current=PhaseKind.VOTING, region=None, total=100 * MILLION, style="knapsack", n=3
):
    process = make_process(world.roads, current=current, region=region)
    return Budget.objects.create(
        process=process,
        title="2026 주민참여예산",
        total_amount=total,
        ballot_style=style,
        approval_votes=n,
    )


def add_project(budget, author, *, cost, published=True, feasible=True, title="사업"):
    """A project as the services leave it after moderation and assessment (written directly:
    the phase of `budget` may not allow proposing or assessing)."""
    return Project.objects.create(
        budget=budget,
        author=author,
        title=title,
        description="주민 모두가 쓰는 공간을 고칩니다. " * 2,
        location="종로구",
        estimated_cost=cost,
        official_cost=cost if feasible else None,
        feasibility=Feasibility.FEASIBLE if feasible else Feasibility.NOT_FEASIBLE,
        moderation_status=ModerationStatus.PUBLISHED if published else ModerationStatus.PENDING,
    )


def ids(*projects):
    return [p.pk for p in projects]


@pytest.fixture
def knapsack(world):
    budget = make_budget(world, total=100 * MILLION)
    a = add_project(budget, world.other_citizen, cost=40 * MILLION, title="A")
    b = add_project(budget, world.other_citizen, cost=60 * MILLION, title="B")
    c = add_project(budget, world.other_citizen, cost=30 * MILLION, title="C")
    return budget, a, b, c


def choices_of(user, budget):
    return set(
        BallotChoice.objects.filter(ballot__voter=user, ballot__budget=budget).values_list(
            "project_id", flat=True
        )
    )


# --- knapsack --------------------------------------------------------------------------------


def test_knapsack_over_budget_is_refused_with_the_overshoot(world, knapsack):
    budget, a, b, c = knapsack
    with pytest.raises(ValidationError) as error:
        services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a, b, c))
    message = " ".join(error.value.messages)
    assert "130,000,000" in message  # what the choice costs
    assert "30,000,000" in message  # by how much it is over
    assert "100,000,000" in message  # the budget
    assert not Ballot.objects.exists()


def test_knapsack_exactly_at_budget_is_accepted(world, knapsack):
    budget, a, b, c = knapsack
    ballot = services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a, b))
    assert choices_of(world.citizen, budget) == {a.pk, b.pk}
    assert ballot.budget == budget


def test_empty_ballot_is_refused(world, knapsack):
    budget, *_ = knapsack
    with pytest.raises(ValidationError):
        services.ballot_cast(budget=budget, voter=world.citizen, project_ids=[])


def test_duplicates_are_refused(world, knapsack):
    budget, a, b, c = knapsack
    with pytest.raises(ValidationError) as error:
        services.ballot_cast(budget=budget, voter=world.citizen, project_ids=[a.pk, a.pk])
    assert "only once" in " ".join(error.value.messages)
    assert not Ballot.objects.exists()


@pytest.mark.parametrize("bad", ["x", "-1", "0", None, "99999999999999999999999", "1.5"])
def test_junk_ids_are_refused_cleanly(world, knapsack, bad):
    budget, *_ = knapsack
    with pytest.raises(ValidationError):
        services.ballot_cast(budget=budget, voter=world.citizen, project_ids=[bad])


def test_only_projects_on_this_ballot(world, knapsack):
    budget, a, *_ = knapsack
    other_budget = make_budget(world)
    elsewhere = add_project(other_budget, world.other_citizen, cost=MILLION)
    infeasible = add_project(budget, world.other_citizen, cost=MILLION, feasible=False)
    unpublished = add_project(budget, world.other_citizen, cost=MILLION, published=False)
    unassessed = add_project(budget, world.other_citizen, cost=MILLION)
    unassessed.feasibility, unassessed.official_cost = Feasibility.PENDING, None
    unassessed.save()
    for outsider in (elsewhere, infeasible, unpublished, unassessed):
        with pytest.raises(ValidationError) as error:
            services.ballot_cast(
                budget=budget, voter=world.citizen, project_ids=[a.pk, outsider.pk]
            )
        assert "not on this ballot" in " ".join(error.value.messages)
    assert not Ballot.objects.exists()


def test_the_official_cost_counts_not_the_estimate(world):
    budget = make_budget(world, total=50 * MILLION)
    project = add_project(budget, world.other_citizen, cost=40 * MILLION)
    project.estimated_cost = 10 * MILLION  # the proposer guessed low
    project.save()
    other = add_project(budget, world.other_citizen, cost=20 * MILLION)
    with pytest.raises(ValidationError):
        services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(project, other))


# --- approval --------------------------------------------------------------------------------


def test_approval_allows_up_to_n_and_refuses_more(world):
    budget = make_budget(world, style=BallotStyle.APPROVAL, n=2, total=MILLION)
    projects = [add_project(budget, world.other_citizen, cost=MILLION) for _ in range(3)]
    with pytest.raises(ValidationError) as error:
        services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(*projects))
    assert "at most 2 projects; you chose 3" in " ".join(error.value.messages)
    # costs over the budget do not matter on an approval ballot
    services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(*projects[:2]))
    assert len(choices_of(world.citizen, budget)) == 2


# --- re-voting, concurrency, secrecy ---------------------------------------------------------


def test_revoting_replaces_the_ballot_during_voting(world, knapsack):
    budget, a, b, c = knapsack
    first = services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a))
    second = services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(b, c))
    assert first.pk == second.pk
    assert Ballot.objects.filter(budget=budget).count() == 1
    assert choices_of(world.citizen, budget) == {b.pk, c.pk}
    states = list(
        AuditEvent.objects.filter(event_type=EventType.BUDGET_BALLOT_CAST).values_list(
            "to_state", flat=True
        )
    )
    assert states == ["cast", "replaced"]


def test_a_refused_revote_keeps_the_first_ballot(world, knapsack):
    budget, a, b, c = knapsack
    services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a))
    with pytest.raises(ValidationError):
        services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a, b, c))
    assert choices_of(world.citizen, budget) == {a.pk}


def test_the_audit_of_a_ballot_holds_no_choices(world, knapsack):
    budget, a, b, c = knapsack
    services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a, c))
    event = AuditEvent.objects.get(event_type=EventType.BUDGET_BALLOT_CAST)
    assert event.target_type == "budgets.budget" and event.target_id == str(budget.pk)
    assert event.data == {}
    assert str(a.pk) not in repr(event.data) + event.to_state + event.from_state


@pytest.mark.django_db(transaction=True)
def test_a_double_submit_at_once_leaves_one_ballot(world):
    budget = make_budget(world, total=100 * MILLION)
    a = add_project(budget, world.other_citizen, cost=40 * MILLION)
    b = add_project(budget, world.other_citizen, cost=50 * MILLION)
    outcomes = together(
        6,
        lambda i: services.ballot_cast(
            budget=budget, voter=world.citizen, project_ids=ids(a) if i % 2 else ids(b)
        ),
    )
    assert outcomes == [None] * 6
    assert Ballot.objects.filter(budget=budget, voter=world.citizen).count() == 1
    chosen = choices_of(world.citizen, budget)
    assert chosen in ({a.pk}, {b.pk})  # one whole submission, never a mix
    assert BallotChoice.objects.filter(ballot__budget=budget).count() == 1
    assert AuditEvent.objects.filter(event_type=EventType.BUDGET_STYLE_LOCKED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_many_voters_at_once_each_get_one_ballot(world):
    budget = make_budget(world, total=100 * MILLION)
    a = add_project(budget, world.other_citizen, cost=40 * MILLION)
    voters = [make_user(f"voter{i}@example.com") for i in range(8)]
    outcomes = together(
        8, lambda i: services.ballot_cast(budget=budget, voter=voters[i], project_ids=ids(a))
    )
    assert outcomes == [None] * 8
    assert Ballot.objects.filter(budget=budget).count() == 8
    assert AuditEvent.objects.filter(event_type=EventType.BUDGET_STYLE_LOCKED).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_budget_row_is_locked_while_the_ballot_is_checked(world, monkeypatch):
    """An operator's change of the rules cannot slip in between the check of a ballot and its
    recording: while `ballot_check` runs, another connection cannot lock the budget row."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks need PostgreSQL (SQLite locks the whole database)")
    from django.db import DatabaseError, transaction

    budget = make_budget(world, total=100 * MILLION)
    a = add_project(budget, world.other_citizen, cost=40 * MILLION)
    real_check = services.ballot_check
    seen = []

    def probe():
        try:
            with transaction.atomic():
                Budget.objects.select_for_update(nowait=True).get(pk=budget.pk)
            seen.append("free")
        except DatabaseError:
            seen.append("locked")
        finally:
            connection.close()

    def checking(**kwargs):
        other = threading.Thread(target=probe)
        other.start()
        other.join()
        return real_check(**kwargs)

    monkeypatch.setattr(services, "ballot_check", checking)
    services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a))
    assert seen == ["locked"]


# --- the locked ballot style -----------------------------------------------------------------


def test_style_can_change_before_voting(world):
    budget = make_budget(world, current=PhaseKind.INPUT)
    budget = services.budget_update(
        budget=budget, by=world.operator, ballot_style=BallotStyle.APPROVAL, approval_votes=4
    )
    assert (budget.ballot_style, budget.approval_votes) == (BallotStyle.APPROVAL, 4)


def test_style_change_is_refused_once_voting_started(world):
    budget = make_budget(world, current=PhaseKind.VOTING)
    with pytest.raises(InvalidTransition):
        services.budget_update(budget=budget, by=world.operator, ballot_style=BallotStyle.APPROVAL)
    budget.refresh_from_db()
    assert budget.ballot_style == BallotStyle.KNAPSACK
    assert budget.style_locked_at is not None  # the lock is recorded (and audited)
    assert AuditEvent.objects.filter(
        event_type=EventType.BUDGET_STYLE_LOCKED, data__reason="voting_started"
    ).exists()
    # the title may still change
    services.budget_update(budget=budget, by=world.operator, title="새 제목")
    for field, value in (("approval_votes", 9), ("total_amount", 5 * MILLION)):
        with pytest.raises(InvalidTransition):
            services.budget_update(budget=budget, by=world.operator, **{field: value})


def test_style_change_is_refused_after_the_first_ballot(world, knapsack):
    budget, a, *_ = knapsack
    services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a))
    budget.refresh_from_db()
    assert budget.style_locked_at is not None
    event = AuditEvent.objects.get(event_type=EventType.BUDGET_STYLE_LOCKED)
    assert event.data["reason"] == "first_ballot"
    # even if the voting phase were moved away again, the first ballot keeps the lock
    move_to_phase(budget.process, PhaseKind.DELIBERATION)
    budget = Budget.objects.get(pk=budget.pk)
    with pytest.raises(InvalidTransition):
        services.budget_update(budget=budget, by=world.operator, ballot_style=BallotStyle.APPROVAL)


def test_budget_rules_are_only_for_operators_and_agency_officials(world):
    budget = make_budget(world, current=PhaseKind.INPUT)
    for user in (world.citizen, world.other_handler):
        with pytest.raises(NotAllowed):
            services.budget_update(budget=budget, by=user, title="x")
    services.budget_update(budget=budget, by=world.handler, total_amount=7 * MILLION)


def test_budget_create_validates(world):
    process = make_process(world.roads, current=PhaseKind.INPUT)
    with pytest.raises(ValidationError):
        services.budget_create(process=process, by=world.operator, title="x", total_amount=0)
    with pytest.raises(ValidationError):
        services.budget_create(
            process=process, by=world.operator, title="x", total_amount=1, ballot_style="ranked"
        )
    budget = services.budget_create(
        process=process, by=world.operator, title="예산", total_amount=5 * MILLION
    )
    assert budget.style_locked_at is None


# --- region eligibility ----------------------------------------------------------------------


def test_only_residents_vote_in_a_regional_budget(world, regions):
    budget = make_budget(world, region=regions["jongno"])
    a = add_project(budget, world.other_citizen, cost=MILLION)
    world.citizen.region = regions["jongno"]
    world.citizen.save()
    world.other_citizen.region = regions["busan_jung"]
    world.other_citizen.save()
    with pytest.raises(NotAllowed) as error:
        services.ballot_cast(budget=budget, voter=world.other_citizen, project_ids=ids(a))
    assert "residents" in str(error.value.message).lower()
    nowhere = make_user("nowhere@example.com")
    with pytest.raises(NotAllowed):
        services.ballot_cast(budget=budget, voter=nowhere, project_ids=ids(a))
    services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a))
    assert Ballot.objects.count() == 1


def test_a_city_wide_budget_takes_residents_of_its_districts(world, regions):
    budget = make_budget(world, region=regions["seoul"])
    a = add_project(budget, world.other_citizen, cost=MILLION)
    world.citizen.region = regions["jongno"]
    world.citizen.save()
    services.ballot_cast(budget=budget, voter=world.citizen, project_ids=ids(a))


def test_a_national_budget_is_open_to_all(world, regions):
    budget = make_budget(world, region=None)
    a = add_project(budget, world.other_citizen, cost=MILLION)
    world.other_citizen.region = regions["busan_jung"]
    world.other_citizen.save()
    services.ballot_cast(budget=budget, voter=world.other_citizen, project_ids=ids(a))
    services.ballot_cast(budget=budget, voter=make_user("x@example.com"), project_ids=ids(a))
    assert Ballot.objects.count() == 2


# --- proposing and assessing -----------------------------------------------------------------

PROJECT = {
    "title": "사직로 보행로 정비",
    "description": "사직로 보도가 좁고 울퉁불퉁해 유모차와 휠체어가 다니기 어렵습니다.",
    "location": "종로구 사직로",
    "estimated_cost": 30 * MILLION,
}


def test_proposing_puts_the_project_in_moderation(world):
    budget = make_budget(world, current=PhaseKind.INPUT)
    project = services.project_propose(budget=budget, author=world.citizen, **PROJECT)
    assert project.moderation_status == ModerationStatus.PENDING
    assert project.feasibility == Feasibility.PENDING
    assert AuditEvent.objects.filter(event_type=EventType.PARTICIPATION_SUBMITTED).count() == 1
    assert project not in selectors.project_list_public(budget=budget)


def test_proposing_twice_with_one_form_token_creates_one(world):
    budget = make_budget(world, current=PhaseKind.INPUT)
    token = "6f1c1b7e-3b9a-4c1e-9a51-6f0d8e3f2a10"
    first = services.project_propose(
        budget=budget, author=world.citizen, form_token=token, **PROJECT
    )
    again = services.project_propose(
        budget=budget, author=world.citizen, form_token=token, **PROJECT
    )
    assert first.pk == again.pk and Project.objects.count() == 1


@pytest.mark.parametrize(
    "change, field",
    [
        ({"title": ""}, "title"),
        ({"title": "가" * 151}, "title"),
        ({"description": "짧다"}, "description"),
        ({"estimated_cost": 0}, "estimated_cost"),
        ({"estimated_cost": "열만원"}, "estimated_cost"),
        ({"location": "가" * 201}, "location"),
    ],
)
def test_bad_proposals_are_refused_by_field(world, change, field):
    budget = make_budget(world, current=PhaseKind.INPUT)
    with pytest.raises(ValidationError) as error:
        services.project_propose(budget=budget, author=world.citizen, **{**PROJECT, **change})
    assert field in error.value.message_dict


def test_proposing_is_for_residents_in_the_input_phase(world, regions):
    budget = make_budget(world, current=PhaseKind.INPUT, region=regions["jongno"])
    with pytest.raises(NotAllowed):
        services.project_propose(budget=budget, author=world.citizen, **PROJECT)
    world.citizen.region = regions["jongno"]
    world.citizen.save()
    services.project_propose(budget=budget, author=world.citizen, **PROJECT)
    move_to_phase(budget.process, PhaseKind.VOTING)
    budget = Budget.objects.get(pk=budget.pk)
    with pytest.raises(NotAllowed):
        services.project_propose(budget=budget, author=world.citizen, **PROJECT)


def test_assessment_puts_a_published_project_on_the_ballot(world, moderator):
    budget = make_budget(world, current=PhaseKind.INPUT)
    project = services.project_propose(budget=budget, author=world.citizen, **PROJECT)
    moderation_decide(item=project, by=moderator, decision="approve")
    assert not Project.objects.on_ballot().filter(pk=project.pk).exists()
    with pytest.raises(NotAllowed):
        services.project_assess(
            project=project, by=world.other_handler, feasible=True, official_cost=MILLION
        )
    with pytest.raises(ValidationError) as error:
        services.project_assess(project=project, by=world.handler, feasible=True)
    assert "official_cost" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.project_assess(project=project, by=world.handler, feasible=False)
    assert "reason" in error.value.message_dict
    with pytest.raises(ValidationError):
        services.project_assess(
            project=project, by=world.handler, feasible=True, official_cost=budget.total_amount + 1
        )
    project = services.project_assess(
        project=project, by=world.handler, feasible=True, official_cost=35 * MILLION
    )
    assert Project.objects.on_ballot().filter(pk=project.pk).exists()
    assert project.official_cost == 35 * MILLION
    event = AuditEvent.objects.get(event_type=EventType.BUDGET_PROJECT_ASSESSED)
    assert (event.from_state, event.to_state) == ("pending", "feasible")
    services.project_assess(
        project=project, by=world.approver, feasible=False, reason="사유지입니다."
    )
    assert not Project.objects.on_ballot().filter(pk=project.pk).exists()


# --- results ---------------------------------------------------------------------------------


def test_winners_greedy_by_votes_skipping_what_does_not_fit():
    # (id, votes, cost): 1 (9 votes, 60) wins; 2 (8 votes, 50) does not fit in 40 left and is
    # skipped; 3 (5 votes, 30) fits; 4 (5 votes, 20) is ranked before 3 (cheaper on a tie) and
    # fits; 5 has no votes.
    won = selectors.winners_greedy(
        [(1, 9, 60), (2, 8, 50), (3, 5, 30), (4, 5, 20), (5, 0, 1)], total=100
    )
    assert won == {1, 4}
    assert selectors.winners_greedy([(1, 9, 60), (2, 8, 50), (3, 5, 40)], total=100) == {1, 3}
    assert selectors.winners_greedy([(1, 0, 10)], total=100) == set()


def test_results_count_votes_and_pick_winners(world, knapsack):
    budget, a, b, c = knapsack  # A 40, B 60, C 30 of 100
    voters = [make_user(f"v{i}@example.com") for i in range(5)]
    for voter, chosen in zip(voters, [(a, b), (a, b), (a, c), (b,), (c,)], strict=True):
        services.ballot_cast(budget=budget, voter=voter, project_ids=ids(*chosen))
    move_to_phase(budget.process, PhaseKind.RESULTS)
    budget = selectors.budget_get(pk=budget.pk)
    assert selectors.results_open(budget)
    results = selectors.budget_results(budget=budget)
    assert results.ballots == 5
    votes = {r.project.title: r.votes for r in results.rows}
    assert votes == {"A": 3, "B": 3, "C": 2}
    # A and B tie on 3: A (cheaper) first → 40; B 60 fits exactly → 100; C does not fit.
    assert [r.project.title for r in results.winners] == ["A", "B"]
    assert results.allocated == 100 * MILLION
    assert [r.share for r in results.rows] == [60, 60, 40]


def test_results_are_not_open_during_voting(world, knapsack):
    budget, *_ = knapsack
    assert not selectors.results_open(selectors.budget_get(pk=budget.pk))


# --- permissions per persona × phase ---------------------------------------------------------


def _personas(world, moderator, regions):
    world.citizen.region = regions["jongno"]
    world.citizen.save()
    world.other_citizen.region = regions["busan_jung"]
    world.other_citizen.save()
    from django.contrib.auth.models import AnonymousUser

    return {
        "anonymous": AnonymousUser(),
        "resident": world.citizen,
        "other_region": world.other_citizen,
        "moderator": moderator,
        "agency_official": world.handler,
        "other_official": world.other_handler,
    }


# persona -> the phases in which PROPOSE / VOTE / ASSESS are allowed
EXPECTED = {
    "anonymous": {Action.PROPOSE: set(), Action.VOTE: set(), Action.ASSESS: set()},
    "resident": {
        Action.PROPOSE: {PhaseKind.INPUT},
        Action.VOTE: {PhaseKind.VOTING},
        Action.ASSESS: set(),
    },
    "other_region": {Action.PROPOSE: set(), Action.VOTE: set(), Action.ASSESS: set()},
    # the moderator account has no region: not a resident of 종로구
    "moderator": {Action.PROPOSE: set(), Action.VOTE: set(), Action.ASSESS: set()},
    "agency_official": {
        Action.PROPOSE: set(),  # officials' accounts have no region either
        Action.VOTE: set(),
        Action.ASSESS: {PhaseKind.INPUT, PhaseKind.DELIBERATION},
    },
    "other_official": {Action.PROPOSE: set(), Action.VOTE: set(), Action.ASSESS: set()},
}


def test_permission_matrix_persona_by_phase(world, moderator, regions):
    personas = _personas(world, moderator, regions)
    process = make_process(world.roads, current=PhaseKind.INFORMATION, region=regions["jongno"])
    Membership.objects.filter(user=moderator).delete()
    mismatches = []
    for phase in PHASE_ORDER:
        move_to_phase(process, phase)
        process.refresh_from_db()
        from nara.participation.models import Process
        from nara.participation.policies import can_act

        fresh = Process.objects.prefetch_related("phases").get(pk=process.pk)
        for name, user in personas.items():
            for action, phases in EXPECTED[name].items():
                allowed = can_act(user, fresh, action)
                if allowed != (phase in phases):
                    mismatches.append((name, phase, action, allowed))
    assert mismatches == []


def test_voting_service_follows_the_phase(world, regions):
    budget = make_budget(world, current=PhaseKind.INPUT)
    a = add_project(budget, world.other_citizen, cost=MILLION)
    for phase in PHASE_ORDER:
        move_to_phase(budget.process, phase)
        fresh = Budget.objects.get(pk=budget.pk)
        if phase == PhaseKind.VOTING:
            services.ballot_cast(budget=fresh, voter=world.citizen, project_ids=ids(a))
        else:
            with pytest.raises(NotAllowed):
                services.ballot_cast(budget=fresh, voter=world.citizen, project_ids=ids(a))
    assert Ballot.objects.count() == 1
