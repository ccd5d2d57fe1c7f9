"""Must-show 1 of issue #4, in real Chromium: the whole “Have Your Say” flow with four pictures —
the form filled on a phone (title, text, four pictures with captions, the credit, the consent),
the preview, back to edit (the text changed, a picture removed), the preview again, the final
submit and its receipt, a moderator's approval, and the published contribution with the credit
and three pictures — in Korean and English, axe-core clean on every page."""

import io

import pytest
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from nara.participation.contributions.models import Contribution
from nara.participation.models import ModerationStatus, PhaseKind
from tests.participation_helpers import make_process

from .conftest import Findings, check_page, log_in, t, url_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TEXTS = {
    "ko": {
        "title": "버스 정류장에 그늘막을 설치해 주세요",
        "text": "여름마다 정류장에서 기다리기가 너무 힘듭니다. 그늘막이 있으면 좋겠습니다.",
        "text_edited": "한여름 정류장은 너무 덥습니다. 그늘막과 벤치를 함께 설치해 주세요.",
        "name": "김민지",
        "location": "부산광역시 중구",
        "captions": ["한낮의 정류장", "그늘이 없는 인도", "다른 동네의 그늘막", "제안 스케치"],
    },
    "en": {
        "title": "Please put shade over the bus stops",
        "text": "Waiting at the bus stop every summer is very hard. A shade would help a lot.",
        "text_edited": "Bus stops are far too hot in summer. Please add a shade and a bench.",
        "name": "Kim Minji",
        "location": "Jung-gu, Busan",
        "captions": ["The stop at noon", "No shade on the pavement", "A shade elsewhere", "Sketch"],
    },
}


def picture(path, n):
    """A real JPEG, larger than a phone needs (it is made smaller), different for each n."""
    image = Image.new("RGB", (2000, 1500), (40 * n, 120, 200 - 30 * n))
    ImageDraw.Draw(image).rectangle((300 * n, 300, 300 * n + 600, 900), fill=(250, 250, 250))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    path.write_bytes(buffer.getvalue())
    return str(path)


def loaded_widths(page, selector) -> list[int]:
    page.wait_for_function(
        "(s) => [...document.querySelectorAll(s)].every(i => i.complete)", arg=selector
    )
    return page.eval_on_selector_all(selector, "els => els.map(i => i.naturalWidth)")


@pytest.mark.parametrize("language", ["ko", "en"])
def test_have_your_say_with_four_pictures(
    language, world, moderator, live_server, new_page, tmp_path
):
    base = live_server.url
    findings = Findings(language)
    text = TEXTS[language]
    author = world.citizen
    for person in (author, moderator):
        person.preferred_language = language
        person.save(update_fields=["preferred_language"])
    process = make_process(world.roads, current=PhaseKind.INPUT, slug=f"shade-{language}")
    files = [picture(tmp_path / f"stop{n}.jpg", n) for n in (1, 2, 3, 4)]

    # 1. The citizen, on a phone, opens the call and fills in the form.
    citizen = new_page(language, findings, phone=True)
    log_in(citizen, base, author, language, findings, "citizen", phone=True)
    citizen.goto(f"{base}/participation/contributions/p/{process.slug}/")
    check_page(citizen, findings, "call for contributions", phone=True)
    citizen.locator("main .contribution-call").get_by_role(
        "link", name=t(language, "Send a contribution")
    ).click()
    citizen.wait_for_url(url_pattern(rf"/participation/contributions/p/{process.slug}/new/"))
    check_page(citizen, findings, "contribution form", phone=True)
    form = citizen.locator("main form.contribution-form")
    form.get_by_label(t(language, "Title"), exact=False).first.fill(text["title"])
    form.locator("#id_text").fill(text["text"])
    for n, path in enumerate(files, start=1):
        slot = form.locator(f"#slot-{n}")
        slot.get_by_label(t(language, "Choose a file")).set_input_files(path)
        slot.get_by_label(t(language, "Caption")).fill(text["captions"][n - 1])
    form.locator("#id_credit_name").fill(text["name"])
    form.locator("#id_credit_location").fill(text["location"])
    form.locator("#id_consent").check()
    check_page(citizen, findings, "contribution form (filled in)", phone=True)
    form.get_by_role("button", name=t(language, "Preview"), exact=True).click()

    # 2. The preview: four pictures with their captions, the credit.
    citizen.wait_for_url(url_pattern(r"/participation/contributions/draft/[0-9a-f-]+/preview/"))
    check_page(citizen, findings, "preview", phone=True)
    preview = citizen.locator("main .contribution-preview")
    assert preview.get_by_role("heading", level=2).inner_text() == text["title"]
    widths = loaded_widths(citizen, "main .contribution-preview figure img")
    assert len(widths) == 4 and all(w > 0 for w in widths), widths
    captions = preview.locator("figcaption").all_inner_texts()
    assert captions == text["captions"]
    credit = preview.locator(".contribution-credit").inner_text()
    assert text["name"] in credit and text["location"] in credit

    # 3. Back to edit: everything is there; change the text and remove picture 2.
    citizen.locator("main .action-links").get_by_role(
        "link", name=t(language, "Edit"), exact=True
    ).click()
    citizen.wait_for_url(url_pattern(r"/participation/contributions/draft/[0-9a-f-]+/"))
    assert form.locator("#id_text").input_value() == text["text"]
    kept = loaded_widths(citizen, "main .slot-current img")
    assert len(kept) == 4 and all(w > 0 for w in kept), f"pictures lost: {kept}"
    assert form.locator("#id_caption_3").input_value() == text["captions"][2]
    assert form.locator("#id_consent").is_checked()
    check_page(citizen, findings, "contribution form (editing)", phone=True)
    form.locator("#id_text").fill(text["text_edited"])
    form.locator("#slot-2").get_by_label(t(language, "Remove picture %(n)d") % {"n": 2}).check()
    form.get_by_role("button", name=t(language, "Preview"), exact=True).click()
    citizen.wait_for_url(url_pattern(r"/participation/contributions/draft/[0-9a-f-]+/preview/"))
    check_page(citizen, findings, "preview (edited)", phone=True)
    assert text["text_edited"] in preview.locator(".contribution-text").inner_text()
    assert preview.locator("figcaption").all_inner_texts() == [
        text["captions"][0],
        text["captions"][2],
        text["captions"][3],
    ]

    # 4. Send: the receipt with its number.
    citizen.locator("main").get_by_role("button", name=t(language, "Send the contribution")).click()
    citizen.wait_for_url(url_pattern(r"/participation/contributions/[0-9]+/receipt/"))
    check_page(citizen, findings, "receipt", phone=True)
    contribution = Contribution.objects.get(author=author)
    assert citizen.locator("#receipt-number").inner_text() == contribution.receipt_number
    assert contribution.moderation_status == ModerationStatus.PENDING
    assert contribution.text == text["text_edited"]
    assert contribution.images.count() == 3
    citizen.locator("main").get_by_role("link", name=t(language, "See your contribution")).click()
    citizen.wait_for_url(url_pattern(rf"/participation/contributions/{contribution.pk}/"))
    check_page(citizen, findings, "own contribution (pending)", phone=True)

    # 5. A moderator approves it.
    approve_in_queue(
        new_page(language, findings), base, moderator, contribution, language, findings
    )
    contribution.refresh_from_db()
    assert contribution.moderation_status == ModerationStatus.PUBLISHED

    # 6. Anyone sees it published with the credit and three pictures.
    visitor = new_page(language, findings, phone=True)
    visitor.goto(f"{base}/participation/contributions/p/{process.slug}/")
    check_page(visitor, findings, "published contributions", phone=True)
    visitor.locator("main .contribution-list").get_by_role("link", name=text["title"]).click()
    visitor.wait_for_url(url_pattern(rf"/participation/contributions/{contribution.pk}/"))
    check_page(visitor, findings, "published contribution", phone=True)
    article = visitor.locator("main article.contribution")
    credit = article.locator(".contribution-credit").inner_text()
    assert text["name"] in credit and text["location"] in credit
    assert author.email not in visitor.content()
    widths = loaded_widths(visitor, "main article.contribution figure img")
    assert len(widths) == 3 and all(w > 0 for w in widths), widths
    assert article.locator("figcaption").count() == 3
    assert findings.problems == [], findings.report()


def approve_in_queue(page, base, moderator, contribution, language, findings):
    """The moderator (password + TOTP) looks at the contribution with its pictures (moderators
    may see it before it is published), then approves it in the moderation queue."""
    log_in(page, base, moderator, language, findings, "moderator")
    page.goto(f"{base}/participation/contributions/{contribution.pk}/")
    check_page(page, findings, "moderator: the contribution with its pictures")
    assert len(loaded_widths(page, "main article.contribution figure img")) == 3
    page.goto(f"{base}/participation/moderation/")
    check_page(page, findings, "moderation queue")
    card = page.locator("main li.card", has_text=contribution.title)
    card.get_by_role("button", name=t(language, "Approve", "moderation"), exact=True).click()
    expect(page.locator("main li.card", has_text=contribution.title)).to_have_count(0)
    check_page(page, findings, "moderation queue (after the decision)")
