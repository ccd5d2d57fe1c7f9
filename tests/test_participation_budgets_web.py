"""Participatory budgeting pages: the ballot (no-JavaScript path: the server checks the rules),
proposing, assessment (404 for others), results, the admin lock, query counts that do not grow
with the number of projects, and bad input that never gives a 500."""

import pytest
from django.urls import reverse

from bench._budget_data import seed_budget
from nara.participation.budgets import services
from nara.participation.budgets.models import Ballot, BallotStyle, Budget, Feasibility, Project
from nara.participation.models import ModerationStatus, PhaseKind
from tests import test_participation_budgets as base
from tests.conftest import make_user
from tests.test_participation_budgets import MILLION, add_project, make_budget

regions, knapsack = base.regions, base.knapsack  # fixtures

EN = {"Accept-Language": "en"}


def ballot_url(budget):
    return reverse("budgets:ballot", args=[budget.pk])


# --- the ballot without JavaScript -----------------------------------------------------------


def test_ballot_page_lists_the_projects_with_costs(world, knapsack, client_for):
    budget, a, b, c = knapsack
    hidden = add_project(budget, world.other_citizen, cost=MILLION, published=False, title="숨김")
    response = client_for(world.citizen, **EN).get(ballot_url(budget))
    assert response.status_code == 200
    html = response.content.decode()
    for project in (a, b, c):
        assert f'value="{project.pk}"' in html
    assert f'value="{hidden.pk}"' not in html
    assert "40,000,000" in html and 'data-cost="40000000"' in html
    assert "Budget left: KRW 100,000,000" in html
    assert 'aria-live="polite"' in html


def test_over_budget_ballot_is_refused_and_the_choice_kept(world, knapsack, client_for):
    budget, a, b, c = knapsack
    client = client_for(world.citizen, **EN)
    response = client.post(ballot_url(budget), {"project": [a.pk, b.pk, c.pk]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "30,000,000 more than the budget" in html
    assert html.count(" checked") == 3  # what the voter chose is still ticked
    assert not Ballot.objects.exists()
    response = client.post(ballot_url(budget), {"project": [a.pk, b.pk]})
    assert response.status_code == 302
    assert response["Location"] == reverse("budgets:ballot_done", args=[budget.pk])
    done = client.get(response["Location"])
    assert done.status_code == 200
    assert "Your ballot is cast" in done.content.decode()
    again = client.get(ballot_url(budget)).content.decode()
    assert "You have voted" in again and again.count(" checked") == 2


def test_ballot_done_is_only_for_voters(world, knapsack, client_for):
    budget, *_ = knapsack
    assert (
        client_for(world.citizen).get(reverse("budgets:ballot_done", args=[budget.pk])).status_code
        == 404
    )


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"project": ["abc"]},
        {"project": ["-5"]},
        {"project": ["9" * 40]},
        {"project": ["\x00"]},
        {"project": ["1", "1"]},
    ],
)
def test_bad_ballots_are_400_never_500(world, knapsack, client_for, data):
    budget, *_ = knapsack
    response = client_for(world.citizen, **EN).post(ballot_url(budget), data)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode()


def test_anonymous_sees_the_ballot_read_only(world, knapsack, client):
    budget, a, *_ = knapsack
    response = client.get(ballot_url(budget), headers=EN)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Please log in to take part." in html
    assert "ballot-submit" not in html
    assert client.post(ballot_url(budget), {"project": [a.pk]}).status_code == 403


def test_resident_of_another_region_is_told_why(world, regions, client_for):
    budget = make_budget(world, region=regions["jongno"])
    add_project(budget, world.other_citizen, cost=MILLION)
    world.citizen.region = regions["busan_jung"]
    world.citizen.save()
    html = client_for(world.citizen, **EN).get(ballot_url(budget)).content.decode()
    assert "Only residents of" in html and "ballot-submit" not in html


@pytest.mark.parametrize(
    "url",
    [
        "/participation/budgets/999999/",
        "/participation/budgets/999999/ballot/",
        "/participation/budgets/projects/999999/",
    ],
)
def test_missing_things_are_404(world, client, url):
    assert client.get(url).status_code == 404


def test_unpublished_process_budget_is_404(world, client_for):
    budget = make_budget(world)
    budget.process.published = False
    budget.process.save()
    assert client_for(world.citizen).get(budget.get_absolute_url()).status_code == 404


# --- pages render ----------------------------------------------------------------------------


def test_budget_page_and_list(world, knapsack, client):
    budget, a, *_ = knapsack
    add_project(budget, world.other_citizen, cost=MILLION, feasible=False, title="불가 사업")
    html = client.get(budget.get_absolute_url(), headers=EN).content.decode()
    assert "Not feasible" in html and a.title in html
    assert "Knapsack" in html or "add up to at most the budget" in html
    assert budget.title in client.get(reverse("budgets:list")).content.decode()


def test_project_page_shows_pending_only_to_its_author(world, client_for):
    budget = make_budget(world, current=PhaseKind.INPUT)
    project = add_project(budget, world.citizen, cost=MILLION, published=False)
    assert client_for(world.citizen).get(project.get_absolute_url()).status_code == 200
    assert client_for(world.other_citizen).get(project.get_absolute_url()).status_code == 404
    assert client_for(None).get(project.get_absolute_url()).status_code == 404
    assert client_for(world.handler).get(project.get_absolute_url()).status_code == 200


# --- proposing -------------------------------------------------------------------------------


def test_propose_form_keeps_input_on_error_and_creates_once(world, client_for):
    budget = make_budget(world, current=PhaseKind.INPUT)
    client = client_for(world.citizen, **EN)
    url = reverse("budgets:propose", args=[budget.pk])
    assert client.get(url).status_code == 200
    data = {
        "title": "율곡로 가로등 교체",
        "description": "짧음",
        "location": "종로구 율곡로",
        "estimated_cost": "abc",
        "form_token": "6f1c1b7e-3b9a-4c1e-9a51-6f0d8e3f2a10",
    }
    response = client.post(url, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert "율곡로 가로등 교체" in html and "종로구 율곡로" in html
    data.update(
        description="밤에 어두워 걷기 무섭습니다. LED 가로등으로 바꿔 주세요.",
        estimated_cost="12000000",
    )
    assert client.post(url, data).status_code == 302
    assert client.post(url, data).status_code == 302  # the same form again
    assert Project.objects.filter(budget=budget).count() == 1
    assert Project.objects.get().moderation_status == ModerationStatus.PENDING


def test_propose_outside_the_input_phase_shows_the_reason(world, client_for):
    budget = make_budget(world, current=PhaseKind.VOTING)
    client = client_for(world.citizen, **EN)
    url = reverse("budgets:propose", args=[budget.pk])
    assert "not open in the current phase" in client.get(url).content.decode()
    response = client.post(url, {"title": "x"})
    assert response.status_code == 403
    assert not Project.objects.exists()


# --- assessment ------------------------------------------------------------------------------


def test_assessment_pages_are_404_for_everyone_but_agency_officials(world, moderator, client_for):
    budget = make_budget(world, current=PhaseKind.INPUT)
    project = add_project(budget, world.citizen, cost=MILLION)
    urls = [
        reverse("budgets:assessment", args=[budget.pk]),
        reverse("budgets:assess", args=[project.pk]),
    ]
    for user in (world.citizen, world.other_handler, moderator):
        for url in urls:
            assert client_for(user).get(url).status_code == 404, (user, url)
    for url in urls:
        assert client_for(None).get(url).status_code == 302
        assert client_for(world.handler).get(url).status_code == 200


def test_official_assesses_through_the_form(world, client_for):
    budget = make_budget(world, current=PhaseKind.INPUT)
    project = add_project(budget, world.citizen, cost=MILLION)
    project.feasibility, project.official_cost = Feasibility.PENDING, None
    project.save()
    client = client_for(world.handler, **EN)
    url = reverse("budgets:assess", args=[project.pk])
    response = client.post(url, {"feasible": "yes", "official_cost": ""})
    assert response.status_code == 400
    response = client.post(url, {"feasible": "maybe"})
    assert response.status_code == 400
    response = client.post(url, {"feasible": "yes", "official_cost": "2500000"})
    assert response.status_code == 302
    project.refresh_from_db()
    assert (project.feasibility, project.official_cost) == ("feasible", 2_500_000)


def test_a_refused_assessment_post_is_403_with_the_reason(world, client_for):
    from nara.participation import policies
    from nara.participation.models import Action

    budget = make_budget(world, current=PhaseKind.VOTING)  # voting: no assessing
    project = add_project(budget, world.citizen, cost=MILLION)
    project.feasibility, project.official_cost = Feasibility.PENDING, None
    project.save()
    reason = policies.refusal(world.handler, budget.process, Action.ASSESS)
    assert reason is not None
    client = client_for(world.handler, **EN)
    url = reverse("budgets:assess", args=[project.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"feasible": "yes", "official_cost": "2500000"})
    assert response.status_code == 403
    assert str(reason) in response.content.decode()
    project.refresh_from_db()
    assert (project.feasibility, project.official_cost) == ("pending", None)


# --- results ---------------------------------------------------------------------------------


def test_results_page(world, knapsack, client):
    from tests.participation_helpers import move_to_phase

    budget, a, b, c = knapsack
    services.ballot_cast(budget=budget, voter=world.citizen, project_ids=[a.pk])
    html = client.get(reverse("budgets:results", args=[budget.pk]), headers=EN).content.decode()
    assert "shown once voting has closed" in html and "Funded" not in html
    move_to_phase(budget.process, PhaseKind.RESULTS)
    html = client.get(reverse("budgets:results", args=[budget.pk]), headers=EN).content.decode()
    assert "Funded" in html and '<th scope="col"' in html and "How the winners are chosen" in html


# --- admin -----------------------------------------------------------------------------------


def test_admin_locks_the_rules_once_voting_started(world, client_for):
    budget = make_budget(world, current=PhaseKind.VOTING)
    client = client_for(world.operator)
    url = reverse("admin:budgets_budget_change", args=[budget.pk])
    html = client.get(url).content.decode()
    assert 'name="ballot_style"' not in html  # shown read-only
    client.post(
        url,
        {"title": "새 제목", "summary": "", "ballot_style": "approval", "approval_votes": 9},
    )
    budget.refresh_from_db()
    assert budget.ballot_style == BallotStyle.KNAPSACK and budget.approval_votes == 3
    assert budget.title == "새 제목"


def test_admin_creates_and_changes_a_budget_before_voting(world, client_for):
    from tests.participation_helpers import make_process

    process = make_process(world.roads, current=PhaseKind.INPUT)
    client = client_for(world.operator)
    response = client.post(
        reverse("admin:budgets_budget_add"),
        {
            "process": process.pk,
            "title": "새 예산",
            "summary": "",
            "total_amount": 5_000_000,
            "ballot_style": "knapsack",
            "approval_votes": 3,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    budget = Budget.objects.get(title="새 예산")
    response = client.post(
        reverse("admin:budgets_budget_change", args=[budget.pk]),
        {
            "title": "새 예산",
            "summary": "",
            "total_amount": 5_000_000,
            "ballot_style": "approval",
            "approval_votes": 4,
        },
    )
    assert response.status_code == 302
    budget.refresh_from_db()
    assert budget.ballot_style == "approval" and budget.approval_votes == 4


# --- query counts ----------------------------------------------------------------------------


def _queries(client, url, django_assert_max_num_queries, limit):
    client.get(url)  # warm caches (session, content types)
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


@pytest.mark.parametrize("page", ["ballot", "detail", "results"])
def test_query_counts_do_not_grow_with_projects(
    world, regions, client_for, django_assert_max_num_queries, page
):
    from tests.participation_helpers import move_to_phase

    voters = [make_user(f"resident{i}@example.com") for i in range(3)]
    counts = []
    for n in (50, 500):
        seeded = seed_budget(projects=n, voters=voters, unit=world.roads)
        budget = seeded["budget"]
        projects = list(Project.objects.filter(budget=budget).order_by("id")[:3])
        services.ballot_cast(budget=budget, voter=voters[0], project_ids=[projects[0].pk])
        if page == "results":
            move_to_phase(seeded["process"], PhaseKind.RESULTS)
        url = {
            "ballot": seeded["ballot_url"],
            "detail": seeded["budget_url"],
            "results": seeded["results_url"],
        }[page]
        client = client_for(voters[0])
        counts.append(_queries(client, url, django_assert_max_num_queries, 20))
    assert counts[0] == counts[1], counts


def test_bench_seed_makes_a_votable_budget(world, regions):
    voters = [make_user(f"bench{i}@example.com") for i in range(2)]
    seeded = seed_budget(projects=20, voters=voters)
    budget = seeded["budget"]
    assert Project.objects.on_ballot().filter(budget=budget).count() == 20
    project = Project.objects.filter(budget=budget).order_by("official_cost").first()
    services.ballot_cast(budget=budget, voter=voters[1], project_ids=[project.pk])
    assert seeded["ballot_url"] == f"/participation/budgets/{budget.pk}/ballot/"


def test_the_cached_ballot_follows_moderation_and_assessment(world, moderator, client_for):
    from nara.participation.moderation import moderation_decide
    from tests.participation_helpers import move_to_phase

    budget = make_budget(world, current=PhaseKind.DELIBERATION)
    first = add_project(budget, world.other_citizen, cost=MILLION, title="첫 사업")
    later = add_project(budget, world.other_citizen, cost=MILLION, title="나중 사업")
    later.feasibility, later.official_cost = Feasibility.PENDING, None
    later.save()
    client = client_for(world.citizen, **EN)
    html = client.get(ballot_url(budget)).content.decode()  # cached now
    assert f'value="{first.pk}"' in html and f'value="{later.pk}"' not in html
    services.project_assess(project=later, by=world.handler, feasible=True, official_cost=MILLION)
    html = client.get(ballot_url(budget)).content.decode()
    assert f'value="{later.pk}"' in html
    moderation_decide(item=first, by=moderator, decision="hide", reason="광고")
    move_to_phase(budget.process, PhaseKind.VOTING)
    html = client.get(ballot_url(budget)).content.decode()
    assert f'value="{first.pk}"' not in html and f'value="{later.pk}"' in html
