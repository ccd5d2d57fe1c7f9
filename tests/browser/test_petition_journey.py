"""Must-show 1 of issue #3, in real Chromium: a petition's whole life — written in stages (with
an image, the character counter, similar petitions, a preview and an edit), early supporters
through the share link, moderation, signatures (one click when signed in, by e-mail with a
Confirm page when not), the thresholds, the agency's answer approved and published, and the
signers told — in Korean and in English, with axe-core finding no serious or critical
violation on any page of the journey and the citizens' pages fitting a phone."""

import importlib
import re

import pyotp
import pytest
from django.apps import apps
from django.utils import timezone, translation
from PIL import Image, ImageDraw
from playwright.sync_api import expect

from nara.core.models import Region
from nara.notifications.models import Notification, OutboxMessage
from nara.petitions import services, signing
from nara.petitions.models import (
    AnswerStatus,
    PendingSignature,
    Petition,
    PetitionAnswer,
    PetitionType,
    Signature,
    Status,
)
from tests.conftest import PASSWORD, TOTP_SECRET, make_user

from .conftest import Findings, check_page, t, url_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEOUL, JONGNO, BUSAN_JUNG = "11", "11110", "26110"

TEXTS = {
    "ko": {
        "title": "세종대로 포트홀 보수를 요청합니다",
        "title_edited": "장마 전에 세종대로 포트홀을 보수해 주세요",
        "body": (
            "세종대로 3번 출구 근처 오른쪽 차로에 깊은 포트홀이 여러 개 있습니다.\n"
            "차들이 피하려고 갑자기 차로를 바꾸어 사고가 날 뻔한 적이 많습니다. "
            "장마가 시작되기 전에 보수해 주시기 바랍니다."
        ),
        "answer": "도로과입니다. 세종대로 포트홀은 다음 주까지 모두 보수하겠습니다. 감사합니다.",
        "signer": "김민지",
    },
    "en": {
        "title": "Repair the potholes on Sejong-daero",
        "title_edited": "Repair the potholes on Sejong-daero before the rainy season",
        "body": (
            "There are several deep potholes in the right lane near exit 3 of Sejong-daero.\n"
            "Cars swerve around them and there have been many near misses. Please repair "
            "them before the rainy season starts."
        ),
        "answer": "Roads Division here: every pothole on Sejong-daero will be filled next week.",
        "signer": "Kim Minji",
    },
}


def photo(path):
    """A real JPEG: the petition's one image."""
    image = Image.new("RGB", (640, 480), (120, 130, 140))
    ImageDraw.Draw(image).ellipse((160, 200, 480, 280), fill=(30, 30, 30))
    image.save(path, "JPEG", quality=85)
    return path


def label(language: str, choice) -> str:
    """A model choice's label (e.g. a petition status) as the site shows it in `language`."""
    with translation.override(language):
        return str(choice.label)


def log_in(page, user, language):
    """Fill and send the login form shown on `page`."""
    main = page.locator("main")
    main.get_by_label(t(language, "E-mail address")).fill(user.email)
    main.get_by_label(t(language, "Password"), exact=True).fill(PASSWORD)
    main.get_by_role("button", name=t(language, "Log in")).click()


def log_in_with_code(page, base, user, language, findings, name):
    """An official or a moderator: password, then the TOTP code."""
    page.goto(f"{base}/accounts/login/")
    log_in(page, user, language)
    page.wait_for_url(url_pattern(r"/accounts/2fa/verify/"))
    check_page(page, findings, f"2FA code ({name})")
    main = page.locator("main")
    main.get_by_label(t(language, "6-digit code")).fill(pyotp.TOTP(TOTP_SECRET).now())
    main.get_by_role("button", name=t(language, "Verify")).click()
    page.wait_for_url(lambda url: "/accounts/" not in url)


def nav_link(page, language, text, context=""):
    """A link of the site's header (the main menu, the officials' workspace, the account
    links), its Menu opened first on a phone."""
    toggle = page.locator("header .menu-toggle")
    if toggle.is_visible() and toggle.get_attribute("aria-expanded") != "true":
        toggle.click()
    name = re.compile(rf"^{re.escape(t(language, text, context))}")
    return page.locator("header").get_by_role("link", name=name)


def expect_message(page, text):
    page.locator(".messages").get_by_text(text, exact=False).wait_for()


def shown_count(page) -> int:
    return int(re.sub(r"\D", "", page.locator("#live-count strong").inner_text()))


def dd_after(page, language, term):
    """The <dd> of the petition page's dates list whose <dt> is `term`."""
    dt = page.locator("dl.facts dt", has_text=t(language, term))
    return dt.locator("xpath=following-sibling::dd[1]")


def images_loaded(page, selector) -> list[int]:
    """Natural widths of the images `selector` matches (0: not loaded)."""
    page.wait_for_function(
        "(s) => [...document.querySelectorAll(s)].every(i => i.complete)", arg=selector
    )
    return page.eval_on_selector_all(selector, "els => els.map(i => i.naturalWidth)")


def _data_migration(app: str, name: str):
    return importlib.import_module(f"nara.{app}.migrations.{name}")


@pytest.fixture
def shipped_data(transactional_db):
    """What migrations ship: the 시도/시군구 list and the default petition type. A transactional
    test's flush (an earlier browser test's) removes them, and `serialized_rollback` cannot put
    them back here: once Playwright has started, Django's connections (context-local) are new
    objects that do not carry the serialized copy. So the data migrations run again."""
    if not Region.objects.exists():
        _data_migration("core", "0002_regions").load(apps, None)
    _data_migration("petitions", "0002_default_type").create(apps, None)  # get_or_create
    needed = {SEOUL, JONGNO, BUSAN_JUNG}
    found = set(Region.objects.filter(code__in=needed).values_list("code", flat=True))
    assert found == needed, f"regions missing from the test database: {needed - found}"


@pytest.fixture
def national(shipped_data):
    """The default petition type (created by a migration) with tiny thresholds."""
    kind = PetitionType.objects.get(code="national")
    kind.supporters_needed, kind.refer_threshold, kind.answer_threshold = 2, 2, 3
    kind.save(update_fields=["supporters_needed", "refer_threshold", "answer_threshold"])
    return kind


@pytest.mark.parametrize("language", ["ko", "en"])
def test_petition_journey(
    language, world, moderator, national, live_server, new_page, settings, mailoutbox, tmp_path
):
    base = live_server.url
    settings.SITE_URL = base  # share links and e-mailed links point at this server
    settings.NARA_PETITION_FORM_MIN_SECONDS = 0  # the e-mail signer is quicker than a person
    findings = Findings(language)
    text = TEXTS[language]
    author, signer_b = world.citizen, world.other_citizen
    supporter_c = make_user(f"chae.{language}@example.com", name="Chae Supporter")
    supporter_d = make_user(f"dong.{language}@example.com", name="Dong Supporter")
    friend_e = make_user(f"eun.{language}@example.com", name="Eun Friend")
    email_signer = f"minji.{language}@example.org"
    people = (author, signer_b, supporter_c, supporter_d, friend_e, moderator)
    for person in (*people, world.handler, world.approver):
        person.preferred_language = language
        person.save(update_fields=["preferred_language"])
    image_file = photo(tmp_path / "potholes.jpg")

    # 1. Citizen A, on a phone, logs in and writes the petition in stages.
    citizen = new_page(language, findings, phone=True)
    citizen.goto(f"{base}/accounts/login/")
    check_page(citizen, findings, "login", phone=True)
    log_in(citizen, author, language)
    citizen.wait_for_url(lambda url: "/accounts/" not in url)
    nav_link(citizen, language, "Petitions").click()
    citizen.wait_for_url(url_pattern(r"/petitions/"))
    check_page(citizen, findings, "petition list (signed in)", phone=True)
    citizen.locator("main").get_by_role("link", name=t(language, "Start a petition")).click()
    citizen.wait_for_url(url_pattern(r"/petitions/new/"))
    check_page(citizen, findings, "write a petition", phone=True)

    form = citizen.locator("main form.petition-form")
    counter_text = t(language, "{count} of {max} characters")

    def counter(count, maximum):
        return counter_text.replace("{count}", str(count)).replace("{max}", str(maximum))

    form.get_by_label(t(language, "Title"), exact=True).fill(text["title"])
    expect(citizen.locator("#id_title_count")).to_have_text(
        counter(len(text["title"]), services.TITLE_MAX)
    )
    body = form.locator("#id_body")
    body.fill(text["body"][:20])  # the counter follows the typing
    expect(citizen.locator("#id_body_count")).to_have_text(counter(20, services.BODY_MAX))
    body.fill(text["body"])
    expect(citizen.locator("#id_body_count")).to_have_text(
        counter(len(text["body"]), services.BODY_MAX)
    )
    assert body.get_attribute("aria-describedby") == "id_body_helptext id_body_count"
    category = world.roads_category
    form.locator("#id_category").select_option(
        label=category.name_ko if language == "ko" else category.name_en
    )
    form.locator("input[type=file][name=images]").set_input_files(str(image_file))
    check_page(citizen, findings, "write a petition (filled in)", phone=True)
    form.get_by_role("button", name=t(language, "Continue"), exact=True).click()

    citizen.wait_for_url(url_pattern(r"/petitions/new/similar/"))
    check_page(citizen, findings, "similar petitions", phone=True)
    citizen.locator("main").get_by_role("link", name=t(language, "Continue to the preview")).click()
    citizen.wait_for_url(url_pattern(r"/petitions/new/preview/"))
    check_page(citizen, findings, "preview", phone=True)
    preview = citizen.locator("main .petition-preview")
    assert preview.get_by_role("heading", level=2).inner_text() == text["title"]
    assert images_loaded(citizen, "main .petition-preview .petition-images img")[0] > 0

    # "Edit": back to the form, the text and the image kept; the title changes.
    citizen.locator("main .action-links").get_by_role(
        "link", name=t(language, "Edit"), exact=True
    ).click()
    citizen.wait_for_url(url_pattern(r"/petitions/new/"))
    title_field = form.get_by_label(t(language, "Title"), exact=True)
    assert title_field.input_value() == text["title"]
    assert body.input_value() == text["body"]
    kept = images_loaded(citizen, "main ul.draft-images img")
    assert len(kept) == 1 and kept[0] > 0, f"the image was lost: {kept}"
    check_page(citizen, findings, "write a petition (editing)", phone=True)
    title_field.fill(text["title_edited"])
    expect(citizen.locator("#id_title_count")).to_have_text(
        counter(len(text["title_edited"]), services.TITLE_MAX)
    )
    form.get_by_role("button", name=t(language, "Continue"), exact=True).click()
    citizen.wait_for_url(url_pattern(r"/petitions/new/similar/"))
    citizen.locator("main").get_by_role("link", name=t(language, "Continue to the preview")).click()
    citizen.wait_for_url(url_pattern(r"/petitions/new/preview/"))
    assert preview.get_by_role("heading", level=2).inner_text() == text["title_edited"]
    widths = images_loaded(citizen, "main .petition-preview .petition-images img")
    assert len(widths) == 1 and widths[0] > 0, f"image after the edit: {widths}"
    check_page(citizen, findings, "preview (edited)", phone=True)
    citizen.locator("main").get_by_role("button", name=t(language, "Submit the petition")).click()
    citizen.wait_for_url(url_pattern(r"/petitions/[0-9]+/"))

    petition = Petition.objects.get(author=author)
    assert (petition.title, petition.status) == (text["title_edited"], Status.GATHERING)
    assert petition.body == text["body"]
    assert petition.type_id == national.pk and petition.category_id == category.pk
    assert petition.images.count() == 1
    assert citizen.url.rstrip("/").endswith(f"/petitions/{petition.pk}")
    share_link = citizen.locator("#share-link").input_value()
    assert share_link == f"{base}/petitions/s/{petition.share_token}/"
    supporters_text = t(language, "%(count)s of %(target)s supporters")
    expect(citizen.locator("#supporters-label")).to_have_text(
        supporters_text % {"count": 0, "target": 2}
    )
    assert citizen.locator("main progress.petition-progress").get_attribute("value") == "0"
    assert images_loaded(citizen, "main .petition-images img")[0] > 0
    check_page(citizen, findings, "petition page (gathering supporters)", phone=True)

    # 2. Two supporters open the share link, log in there and support the petition.
    for n, supporter in enumerate((supporter_c, supporter_d), start=1):
        page = new_page(language, findings, phone=True)
        page.goto(share_link)
        if n == 1:
            check_page(page, findings, "share link (anonymous)", phone=True)
        page.locator("main").get_by_role("link", name=t(language, "Log in to support")).click()
        page.wait_for_url(url_pattern(r"/accounts/login/"))
        log_in(page, supporter, language)
        page.wait_for_url(url_pattern(rf"/petitions/s/{petition.share_token}/"))
        if n == 1:
            check_page(page, findings, "share link (signed in)", phone=True)
        page.locator("main .support-box").get_by_role(
            "button", name=t(language, "Support", "petition"), exact=True
        ).click()
        expect_message(page, t(language, "Thank you for supporting this petition."))
        if n == 1:
            expect(page.locator("#supporters-label")).to_have_text(
                supporters_text % {"count": 1, "target": 2}
            )
            check_page(page, findings, "share link (supported)", phone=True)
        else:
            page.locator("main").get_by_text(
                t(
                    language,
                    "This petition found its supporters. Moderators are reviewing it against "
                    "the published guidelines.",
                )
            ).wait_for()
            check_page(page, findings, "share link (in review)", phone=True)
        page.context.close()
    petition.refresh_from_db()
    assert (petition.status, petition.supporter_count) == (Status.REVIEW, 2)

    # 3. The moderator (password + TOTP) opens it for signatures with the competent unit.
    mod = new_page(language, findings)
    log_in_with_code(mod, base, moderator, language, findings, "moderator")
    nav_link(mod, language, "Moderation", "petitions").click()
    mod.wait_for_url(url_pattern(r"/moderation/"))
    check_page(mod, findings, "moderation queue")
    mod.locator("main").get_by_role("link", name=re.compile(re.escape(petition.title))).click()
    mod.wait_for_url(url_pattern(rf"/moderation/{petition.pk}/"))
    check_page(mod, findings, "moderation: petition")
    assert mod.locator("main img[src*='/images/']").count() == 1
    decision = mod.locator("#action-open")
    decision.get_by_label(t(language, "Competent unit")).select_option(str(world.roads.pk))
    decision.get_by_role("button", name=t(language, "Open it for signatures")).click()
    expect_message(mod, t(language, "The petition is open for signatures and its author was told."))
    check_page(mod, findings, "moderation: petition (opened)")
    petition.refresh_from_db()
    assert (petition.status, petition.unit_id) == (Status.OPEN, world.roads.pk)
    mod.context.close()

    # 4a. Citizen B, signed in, finds it in the list and signs with one click.
    b = new_page(language, findings, phone=True)
    b.goto(f"{base}/accounts/login/")
    log_in(b, signer_b, language)
    b.wait_for_url(lambda url: "/accounts/" not in url)
    nav_link(b, language, "Petitions").click()
    b.wait_for_url(url_pattern(r"/petitions/"))
    check_page(b, findings, "petition list (open)", phone=True)
    b.locator("main .cards").get_by_role("link", name=petition.title).click()
    b.wait_for_url(url_pattern(rf"/petitions/{petition.pk}/"))
    assert shown_count(b) == 0
    check_page(b, findings, "petition page (open, signed in)", phone=True)
    sign_box = b.locator("main .sign-box")
    sign_box.get_by_role("button", name=t(language, "Sign"), exact=True).click()
    expect_message(b, t(language, "Thank you: your signature is counted."))
    sign_box.locator(".signed").get_by_text(t(language, "You signed this petition.")).wait_for()
    assert shown_count(b) == 1
    check_page(b, findings, "petition page (signed)", phone=True)

    # 4b. An anonymous visitor signs by e-mail: name, address, 시도 then its 시군구 (htmx).
    anon = new_page(language, findings, phone=True)
    anon.goto(f"{base}/petitions/{petition.pk}/")
    check_page(anon, findings, "petition page (anonymous)", phone=True)
    sign_form = anon.locator("main form.signature-form")
    sign_form.get_by_label(t(language, "Name"), exact=True).fill(text["signer"])
    sign_form.get_by_label(t(language, "E-mail address"), exact=True).fill(email_signer)
    sign_form.locator("#id_sido").select_option(SEOUL)
    sigungu = sign_form.locator("#id_sigungu")
    expect(sigungu.locator("optgroup")).to_have_count(0)  # htmx put in Seoul's 시군구 only
    expect(sigungu.locator(f"option[value='{JONGNO}']")).to_have_count(1)
    expect(sigungu.locator(f"option[value='{BUSAN_JUNG}']")).to_have_count(0)
    sigungu.select_option(JONGNO)
    assert sign_form.locator("input[name=notify_answer]").is_checked()
    check_page(anon, findings, "petition page (e-mail form filled in)", phone=True)
    sign_form.get_by_role("button", name=t(language, "Sign by e-mail")).click()
    anon.wait_for_url(url_pattern(rf"/petitions/{petition.pk}/sign/sent/"))
    anon.get_by_role("heading", level=1, name=t(language, "Check your e-mail")).wait_for()
    check_page(anon, findings, "check your e-mail", phone=True)

    [mail] = OutboxMessage.objects.filter(to_email=email_signer)
    found = re.search(r"https?://\S+/petitions/confirm/[A-Za-z0-9_-]+/", mail.body)
    assert found, mail.body
    confirm_link = found.group(0)
    assert confirm_link.startswith(base)
    assert mail.status == OutboxMessage.Status.SENT, "the confirmation mail was not sent"
    [sent] = [m for m in mailoutbox if m.to == [email_signer]]
    assert confirm_link in sent.body

    # opening the link counts nothing: a Confirm button only (mail scanners open links)
    anon.goto(confirm_link)
    check_page(anon, findings, "confirm your signature", phone=True)
    confirm_button = anon.locator("main").get_by_role(
        "button", name=t(language, "Confirm my signature")
    )
    confirm_button.wait_for()
    assert signing.signature_count(petition.pk) == 1
    assert PendingSignature.objects.get(email=email_signer).confirmed_at is None
    b.reload()
    assert shown_count(b) == 1, "opening the confirmation link counted a signature"
    confirm_button.click()
    anon.get_by_role("heading", level=1, name=t(language, "Your signature is counted")).wait_for()
    check_page(anon, findings, "signature counted", phone=True)
    assert signing.signature_count(petition.pk) == 2
    signature = Signature.objects.get(petition=petition, user=None)
    assert (signature.region.code, signature.sido_code) == (JONGNO, SEOUL)
    petition.refresh_from_db()
    assert petition.status == Status.REFERRED  # 2 signatures: referred to the agency
    b.reload()
    assert shown_count(b) == 2
    expect(b.locator("main .status-line .status")).to_have_text(label(language, Status.REFERRED))

    # 4c. E, the author's friend, opens the share link (now the petition's page), logs in
    #     there and signs: the answer threshold is reached and the answer clock starts.
    e = new_page(language, findings, phone=True)
    e.goto(share_link)
    e.wait_for_url(url_pattern(rf"/petitions/{petition.pk}/"))
    e.locator("main .sign-box a[href^='/accounts/login/']").click()
    e.wait_for_url(url_pattern(r"/accounts/login/"))
    log_in(e, friend_e, language)
    e.wait_for_url(url_pattern(rf"/petitions/{petition.pk}/"))
    e.locator("main .sign-box").get_by_role("button", name=t(language, "Sign"), exact=True).click()
    expect_message(e, t(language, "Thank you: your signature is counted."))
    assert shown_count(e) == 3
    petition.refresh_from_db()
    assert petition.status == Status.AWAITING_ANSWER and petition.answer_due_at
    expect(e.locator("main .status-line .status")).to_have_text(
        label(language, Status.AWAITING_ANSWER)
    )
    due = dd_after(e, language, "Answer due")
    due_date = timezone.localtime(petition.answer_due_at).strftime("%Y-%m-%d")
    expect(due.locator("time")).to_have_text(due_date)
    time_left = re.escape(t(language, "%(left)s left")).replace(re.escape("%(left)s"), ".+")
    assert re.search(time_left, due.inner_text()), due.inner_text()
    check_page(e, findings, "petition page (awaiting the answer)", phone=True)
    e.context.close()

    # 5. The handler of the unit (password + TOTP) writes the answer and submits it ...
    handler = new_page(language, findings)
    log_in_with_code(handler, base, world.handler, language, findings, "handler")
    nav_link(handler, language, "Petitions to answer").click()
    handler.wait_for_url(url_pattern(r"/office/petitions/"))
    check_page(handler, findings, "office: petitions to answer")
    handler.locator("main").get_by_role("link", name=re.compile(re.escape(petition.title))).click()
    handler.wait_for_url(url_pattern(rf"/office/petitions/{petition.pk}/"))
    check_page(handler, findings, "office: petition (no answer yet)")
    answer_form = handler.locator("#action-answer")
    answer_form.get_by_label(t(language, "Official answer")).fill(text["answer"])
    answer_form.get_by_role("button", name=t(language, "Submit for approval")).click()
    expect_message(handler, t(language, "The answer was submitted to the unit's approvers."))
    check_page(handler, findings, "office: petition (answer pending)")
    assert handler.locator("#action-approve").count() == 0  # not the handler's to approve
    handler.context.close()

    # ... and the approver (password + TOTP) approves and publishes it.
    approver = new_page(language, findings)
    log_in_with_code(approver, base, world.approver, language, findings, "approver")
    nav_link(approver, language, "Petitions to answer").click()
    approver.wait_for_url(url_pattern(r"/office/petitions/"))
    approver.locator("main").get_by_role("link", name=re.compile(re.escape(petition.title))).click()
    approver.wait_for_url(url_pattern(rf"/office/petitions/{petition.pk}/"))
    assert text["answer"] in approver.locator("#answer .answer").inner_text()
    check_page(approver, findings, "office: petition (approval)")
    approver.locator("#action-approve").get_by_role(
        "button", name=t(language, "Approve and publish")
    ).click()
    expect_message(
        approver,
        t(language, "The answer is published on the petition and its signers are being told."),
    )
    check_page(approver, findings, "office: petition (published)")
    approver.context.close()
    petition.refresh_from_db()
    assert petition.status == Status.ANSWERED and petition.answered_at
    answer = PetitionAnswer.objects.get(petition=petition)
    assert (answer.status, answer.text) == (AnswerStatus.PUBLISHED, text["answer"])
    assert (answer.drafted_by_id, answer.approved_by_id) == (world.handler.pk, world.approver.pk)

    # 6. The petition's page shows the answer; the signers were told (the task that runs on
    #    commit did run): B in the site's notifications, the e-mail signer by mail.
    b.reload()
    answer_section = b.locator("main .petition-answer")
    answer_section.get_by_role("heading", name=t(language, "The government's answer")).wait_for()
    assert text["answer"] in answer_section.locator(".answer").inner_text()
    expect(b.locator("main .status-line .status")).to_have_text(label(language, Status.ANSWERED))
    check_page(b, findings, "petition page (answered)", phone=True)
    answered = t(language, "Petition “%(title)s” answered") % {"title": petition.title}
    nav_link(b, language, "Notifications").click()
    b.wait_for_url(url_pattern(r"/notifications/"))
    notice = b.locator("main .cards li", has_text=answered)
    expect(notice).to_have_count(1)
    assert notice.get_by_role("link", name=answered).get_attribute("href") == (
        f"/petitions/{petition.pk}/"
    )
    check_page(b, findings, "notifications (B)", phone=True)
    for user in (signer_b, friend_e):
        assert Notification.objects.filter(user=user, title=answered).count() == 1, user.email
    answer_mails = OutboxMessage.objects.filter(to_email=email_signer, subject=answered)
    assert answer_mails.count() == 1, list(
        OutboxMessage.objects.filter(to_email=email_signer).values_list("subject", flat=True)
    )
    assert answer_mails.get().status == OutboxMessage.Status.SENT
    assert [m for m in mailoutbox if m.to == [email_signer] and m.subject == answered]
    assert f"{base}/petitions/{petition.pk}/" in answer_mails.get().body

    # shown with -s or -rP: the pages checked and moderate/minor axe findings (not failures)
    print(f"{len(findings.checked)} pages checked:", *findings.checked, sep="\n  ")
    print(*findings.minor, sep="\n")
    assert not findings.problems, (
        f"{len(findings.problems)} problem(s) on the {language} journey:\n" + findings.report()
    )
