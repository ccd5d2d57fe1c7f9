"""In real Chromium, on a phone: a citizen answers a poll (a ranking error first, everything
typed kept), then reads the results (chart and table) and the proposals pages. In Korean and
English, with axe-core finding no serious or critical violation on any page visited."""

import pytest
from playwright.sync_api import expect

from nara.participation.models import PhaseKind
from nara.participation.polls.models import Response
from nara.participation.proposals import services as proposals
from tests.conftest import make_user
from tests.participation_helpers import make_process
from tests.test_participation_polls import make_poll

from .conftest import Findings, check_page, log_in, t

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("language", ["ko", "en"])
def test_answer_a_poll_and_read_the_results(language, world, moderator, live_server, new_page):
    base = live_server.url
    process = make_process(world.roads, current=PhaseKind.INPUT, slug=f"survey-{language}")
    poll = make_poll(process, always=True)
    poll.title_en = "Parks survey"  # its questions have no English: marked "Korean only"
    poll.save(update_fields=["title_en"])
    for i in range(3):
        from nara.participation.polls import services

        from ..test_participation_polls import good

        services.poll_respond(poll=poll, by=make_user(f"p{i}@example.com"), answers=good(poll))
    proposal = proposals.proposal_submit(
        process=process,
        author=world.other_citizen,
        title="산책로 야간 조명",
        body="공원 산책로에 야간 조명을 설치해 주세요. 밤에 걷기가 위험합니다.",
    )
    from nara.participation.moderation import moderation_decide

    moderation_decide(item=proposal, by=moderator, decision="approve")

    world.citizen.preferred_language = language
    world.citizen.save(update_fields=["preferred_language"])
    findings = Findings(language)
    page = new_page(language, findings, phone=True)
    url = f"/participation/polls/{process.slug}/{poll.pk}/"
    log_in(page, base, world.citizen, language, findings, next_url=url, phone=True)
    expect(page.locator("h1")).to_have_text(poll.title if language == "ko" else poll.title_en)
    check_page(page, findings, "poll form", phone=True)

    main = page.locator("main")
    main.get_by_role("radio", name="매주").check()
    main.get_by_role("checkbox", name="벤치").check()
    main.get_by_label("안전").select_option("1")
    main.get_by_label("청결").select_option("1")  # the same rank twice: refused
    main.get_by_role("textbox").fill("벤치가 더 필요합니다.")
    main.get_by_role("button", name=t(language, "Send my answers")).click()
    expect(page.locator(".error-summary")).to_be_visible()
    expect(
        main.get_by_text(t(language, "Give each rank to one option only.")).first
    ).to_be_visible()
    expect(main.get_by_role("radio", name="매주")).to_be_checked()
    expect(main.get_by_role("textbox")).to_have_value("벤치가 더 필요합니다.")
    check_page(page, findings, "poll form with errors", phone=True)

    main.get_by_label("청결").select_option("2")
    main.get_by_role("button", name=t(language, "Send my answers")).click()
    expect(page.locator(".messages")).to_contain_text(
        t(language, "Thank you: your answers were recorded.")
    )
    assert Response.objects.filter(user=world.citizen).count() == 1

    page.get_by_role("link", name=t(language, "See the results")).first.click()
    expect(page.locator("table caption").first).to_be_visible()
    check_page(page, findings, "poll results", phone=True)
    assert "벤치가 더 필요합니다." not in page.content()  # free text is not public

    page.goto(f"{base}/participation/proposals/{process.slug}/")
    check_page(page, findings, "proposal list", phone=True)
    page.get_by_role("link", name="산책로 야간 조명").click()
    page.get_by_role("button", name=t(language, "Support this proposal")).click()
    expect(page.get_by_text(t(language, "You support this proposal."))).to_be_visible()
    check_page(page, findings, "proposal detail", phone=True)
    page.goto(f"{base}/participation/proposals/{process.slug}/new/")
    check_page(page, findings, "proposal form", phone=True)
    assert not findings.problems, findings.report()
