"""Must-show 1 of issue #4, in real Chromium: a resident votes in a knapsack budget on a phone.
The ballot's live counter shows the budget left; going over the budget is refused (shown, and
nothing is saved); after fixing the choice the ballot is cast and confirmed. Bypassing the script,
the server refuses the same over-budget ballot, naming the overshoot. In Korean and in
English, with axe-core finding no serious or critical violation on any page visited."""

import re

import pytest
from playwright.sync_api import expect

from nara.participation.budgets.models import Ballot, BallotChoice, Budget, Feasibility, Project
from nara.participation.models import ModerationStatus, PhaseKind
from tests import test_participation_budgets as base
from tests.participation_helpers import make_process

from .conftest import Findings, check_page, log_in, t, url_pattern

regions = base.regions  # fixture

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MILLION = 1_000_000
PROJECTS = {
    "ko": [
        ("사직로 보행로 턱 낮추기", 40),
        ("북촌 골목 가로등 LED 교체", 50),
        ("낙산공원 쉼터 그늘막", 30),
        ("초등학교 앞 옐로카펫", 10),
    ],
    "en": [
        ("Lower the kerbs on Sajik-ro", 40),
        ("LED street lights in Bukchon alleys", 50),
        ("Shade sails at Naksan Park", 30),
        ("Yellow carpets in front of schools", 10),
    ],
}


def seed(world, region, language):
    process = make_process(world.roads, current=PhaseKind.VOTING, region=region)
    budget = Budget.objects.create(
        process=process,
        title="2026 종로구 주민참여예산" if language == "ko" else "Jongno-gu budget 2026",
        total_amount=100 * MILLION,
    )
    projects = [
        Project.objects.create(
            budget=budget,
            author=world.other_citizen,
            title=title,
            description="주민 모두가 쓰는 공간을 고칩니다. 안전하고 밝은 동네를 만듭니다.",
            location="종로구",
            estimated_cost=cost * MILLION,
            official_cost=cost * MILLION,
            feasibility=Feasibility.FEASIBLE,
            moderation_status=ModerationStatus.PUBLISHED,
        )
        for title, cost in PROJECTS[language]
    ]
    return budget, projects


def box(page, title):
    return page.get_by_role("checkbox", name=re.compile(re.escape(title)))


@pytest.mark.parametrize("language", ["ko", "en"])
def test_knapsack_ballot_refuses_going_over_budget(
    language,
    world,
    regions,
    live_server,
    new_page,
):
    base = live_server.url
    findings = Findings(language)
    voter = world.citizen
    voter.region = regions["jongno"]
    voter.preferred_language = language
    voter.save(update_fields=["region", "preferred_language"])
    budget, (a, b, c, d) = seed(world, regions["jongno"], language)
    ballot_path = f"/participation/budgets/{budget.pk}/ballot/"

    page = new_page(language, findings, phone=True)
    log_in(page, base, voter, language, findings, next_url=ballot_path, phone=True)
    page.wait_for_url(url_pattern(re.escape(ballot_path)))
    expect(page.get_by_role("heading", level=1)).to_contain_text(budget.title)
    status = page.locator("#ballot-status")
    expect(status).to_contain_text("100,000,000")
    check_page(page, findings, "ballot", phone=True)

    # 40 + 50 = 90 of 100: fits, 10 left
    box(page, a.title).check()
    box(page, b.title).check()
    expect(status).to_contain_text("10,000,000")
    expect(status).not_to_have_class(re.compile(r"\bover\b"))

    # + 30 = 120: over by 20 — the counter says so, in words, announced (aria-live)
    box(page, c.title).check()
    over_text = t(
        language, "Over the budget by __AMOUNT__. Remove projects until your choice fits."
    ).split("__AMOUNT__")[0]
    expect(status).to_contain_text(over_text)
    expect(status).to_contain_text("20,000,000")
    expect(status).to_have_attribute("aria-live", "polite")
    check_page(page, findings, "ballot over budget", phone=True)

    # submitting is refused: still on the ballot, the message has the focus, nothing saved
    page.get_by_role("button", name=t(language, "Cast my ballot")).click()
    expect(status).to_be_focused()
    expect(status).to_contain_text(over_text)
    assert page.url.endswith(ballot_path)
    assert not Ballot.objects.filter(budget=budget).exists()

    # fix the choice: drop the 50 → 40 + 30 = 70, 30 left
    box(page, b.title).uncheck()
    expect(status).to_contain_text("30,000,000")
    expect(status).not_to_have_class(re.compile(r"\bover\b"))
    page.get_by_role("button", name=t(language, "Cast my ballot")).click()
    page.wait_for_url(url_pattern(re.escape(f"/participation/budgets/{budget.pk}/ballot/done/")))
    expect(page.get_by_role("heading", level=1)).to_have_text(t(language, "Your ballot is cast"))
    expect(page.locator("main")).to_contain_text(a.title)
    expect(page.locator("main")).to_contain_text(c.title)
    expect(page.locator("main")).not_to_contain_text(b.title)
    check_page(page, findings, "ballot confirmation", phone=True)
    ballot = Ballot.objects.get(budget=budget, voter=voter)
    chosen = set(BallotChoice.objects.filter(ballot=ballot).values_list("project_id", flat=True))
    assert chosen == {a.pk, c.pk}

    # back on the ballot: the choice is shown and can be changed until voting closes
    page.goto(f"{base}{ballot_path}")
    expect(box(page, a.title)).to_be_checked()
    expect(box(page, b.title)).not_to_be_checked()
    expect(status).to_contain_text("30,000,000")
    check_page(page, findings, "ballot after voting", phone=True)

    # the server refuses the same over-budget ballot when the script is bypassed (a form
    # submitted without JavaScript): the message names the overshoot and the choice is kept
    for project in (a, b, c):
        box(page, project.title).check()
    with page.expect_navigation():
        page.evaluate("() => document.getElementById('ballot-form').submit()")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_contain_text("20,000,000")
    expect(summary).to_contain_text("100,000,000")
    expect(box(page, b.title)).to_be_checked()
    check_page(page, findings, "ballot refused by the server", phone=True)
    chosen = set(BallotChoice.objects.filter(ballot=ballot).values_list("project_id", flat=True))
    assert chosen == {a.pk, c.pk}  # the earlier ballot stands

    assert not findings.problems, findings.report()
