"""Must-show 1 of issue #4, in real Chromium: a citizen (on a phone) reads a draft rule, comments
on one of its articles with a position; a moderator approves the comment in the moderation
queue; the comment period ends; an official of the agency writes "what we heard" with a theme
covering the comment and publishes it; the citizen reads the report and follows the link to
their comment. In Korean and in English, with axe-core finding no serious or critical
violation on any page visited."""

import re

import pytest
from playwright.sync_api import expect

from nara.participation.consultations.models import Comment, Report, ReportStatus
from nara.participation.models import ModerationStatus, PhaseKind
from tests.participation_helpers import move_to_phase
from tests.test_participation_consultations import make_consultation

from .conftest import Findings, check_page, log_in, t, url_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "ko": {
        "comment": "7일 안에 보수하기에는 인력이 부족합니다. 10일로 해 주세요.",
        "summary": "의견 1건을 받았습니다. 보수 기한에 대한 우려가 있었습니다.",
        "theme": "보수 기한",
        "said": "7일은 너무 짧다는 의견",
        "reply": "보수 기한을 10일로 조정하겠습니다.",
    },
    "en": {
        "comment": "Seven days is too short with the staff we have. Make it ten.",
        "summary": "We received one comment, worried about the repair deadline.",
        "theme": "Repair deadline",
        "said": "Seven days is too short",
        "reply": "We will set the deadline to ten days.",
    },
}


@pytest.mark.parametrize("language", ["ko", "en"])
def test_consultation_journey(language, world, moderator, live_server, new_page):
    base = live_server.url
    findings = Findings(language)
    text = TEXTS[language]
    for person in (world.citizen, world.handler, moderator):
        person.preferred_language = language
        person.save(update_fields=["preferred_language"])
    consultation = make_consultation(world.roads, world.handler)
    article = consultation.articles.get(number="제3조")
    draft_url = f"{base}/participation/consultations/{consultation.pk}/"

    # 1. The citizen, on a phone, reads the draft: the changed words are marked.
    citizen = new_page(language, findings, phone=True)
    log_in(citizen, base, world.citizen, language, findings, phone=True)
    citizen.goto(draft_url)
    check_page(citizen, findings, "draft", phone=True)
    section = citizen.locator(f"#article-{article.pk}")
    expect(section.locator("del").first).to_be_visible()
    expect(section.locator("ins").first).to_be_visible()
    expect(section.locator("del .visually-hidden").first).to_have_text(
        re.compile(re.escape(t(language, "deleted:")))
    )

    # 2. … and comments on 제3조, opposing it.
    section.get_by_role(
        "link", name=re.compile(re.escape(t(language, "Comment on this article")))
    ).click()
    citizen.wait_for_url(url_pattern(rf"/participation/consultations/{consultation.pk}/comment/"))
    check_page(citizen, findings, "comment form", phone=True)
    form = citizen.locator("main form.comment-form")
    expect(form.get_by_label(t(language, "What are you commenting on?"))).to_have_value(
        f"a{article.pk}"
    )
    form.get_by_label(t(language, "Oppose", "comment stance"), exact=True).check()
    form.get_by_label(t(language, "Your comment")).fill(text["comment"])
    form.get_by_role("button", name=t(language, "Send the comment")).click()
    citizen.wait_for_url(
        url_pattern(rf"/participation/consultations/{consultation.pk}/comments/\d+/")
    )
    check_page(citizen, findings, "own comment awaiting moderation", phone=True)
    expect(citizen.locator(".moderation-notice")).to_contain_text(
        t(language, "Awaiting moderation")
    )
    comment = Comment.objects.get()
    assert comment.article_id == article.pk and comment.stance == "oppose"
    assert comment.moderation_status == ModerationStatus.PENDING

    # 3. The moderator approves it in the moderation queue.
    mod = new_page(language, findings)
    log_in(mod, base, moderator, language, findings, "moderator")
    mod.goto(f"{base}/participation/moderation/items/consultations.comment/{comment.pk}/")
    check_page(mod, findings, "moderation item")
    expect(mod.locator("main")).to_contain_text(text["comment"])
    mod.locator("main").get_by_role("button", name=t(language, "Approve and publish")).click()
    mod.wait_for_load_state()
    comment.refresh_from_db()
    assert comment.moderation_status == ModerationStatus.PUBLISHED
    citizen.goto(draft_url)
    expect(citizen.locator(f"#article-{article.pk} .article-counts")).to_contain_text(
        f"{t(language, 'Oppose', 'comment stance')} 1"
    )

    # 4. The comment period ends; an official of the agency writes and publishes the report.
    move_to_phase(consultation.process, PhaseKind.RESULTS)
    official = new_page(language, findings)
    log_in(official, base, world.handler, language, findings, "official")
    official.goto(draft_url)
    official.locator("main").get_by_role("link", name=t(language, "Write the report")).click()
    official.wait_for_url(
        url_pattern(rf"/participation/consultations/{consultation.pk}/report/write/")
    )
    check_page(official, findings, "write the report")
    main = official.locator("main")
    main.get_by_label(t(language, "Summary of what we heard")).fill(text["summary"])
    main.get_by_role("button", name=t(language, "Save the summary")).click()
    official.wait_for_url(
        url_pattern(rf"/participation/consultations/{consultation.pk}/report/write/")
    )
    theme = official.locator("main form.theme-form")
    theme.get_by_label(t(language, "Theme"), exact=True).fill(text["theme"])
    theme.get_by_label(t(language, "What people said")).fill(text["said"])
    theme.get_by_label(t(language, "Partly accepted")).check()
    theme.get_by_label(t(language, "The agency's reply")).fill(text["reply"])
    theme.locator(f"#pick-{comment.pk}").check()
    theme.get_by_role("button", name=t(language, "Save the theme")).click()
    official.wait_for_url(
        url_pattern(rf"/participation/consultations/{consultation.pk}/report/write/")
    )
    check_page(official, findings, "report with a theme")
    expect(official.locator("main")).to_contain_text(text["theme"])
    official.locator("main").get_by_role("button", name=t(language, "Publish the report")).click()
    official.wait_for_url(url_pattern(rf"/participation/consultations/{consultation.pk}/report/"))
    assert Report.objects.get().status == ReportStatus.PUBLISHED

    # 5. The citizen reads "what we heard" and follows the link to their comment.
    citizen.goto(draft_url)
    citizen.locator("main").get_by_role("link", name=t(language, "What we heard")).first.click()
    citizen.wait_for_url(url_pattern(rf"/participation/consultations/{consultation.pk}/report/"))
    check_page(citizen, findings, "what we heard", phone=True)
    report = citizen.locator("main")
    expect(report).to_contain_text(text["summary"])
    expect(report).to_contain_text(text["reply"])
    table = report.locator("table.consultation-counts")
    expect(table.get_by_role("row", name=re.compile("제3조"))).to_contain_text("1")
    report.locator(f"#theme-{Report.objects.get().themes.get().pk}").get_by_role(
        "link", name=t(language, "Comment #%(id)s") % {"id": comment.pk}, exact=True
    ).click()
    citizen.wait_for_url(
        url_pattern(rf"/participation/consultations/{consultation.pk}/comments/{comment.pk}/")
    )
    check_page(citizen, findings, "my comment, in the report", phone=True)
    expect(citizen.locator("main")).to_contain_text(text["comment"])
    expect(citizen.locator("main")).to_contain_text(text["theme"])

    assert not findings.problems, findings.report()
