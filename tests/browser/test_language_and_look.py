"""Issue #12, Must show 1 and 4, in real Chromium on a phone and a desktop, with axe-core on
every page: the language chosen before signing in stays; a notification written in Korean
reads in English; the figures page fits a phone; a consultation's stance says 찬성 in Korean,
never the petition's 사전 동의; a form with files disables its button and shows that it is
sending."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from nara.complaints import services
from tests.helpers import to_in_progress
from tests.test_participation_consultations import make_consultation
from tests.test_participation_consultations_web import published

from .conftest import PHONE, Findings, check_page, log_in, url_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
DEVICES = {"phone": True, "desktop": False}


@pytest.mark.parametrize("device", DEVICES)
def test_english_chosen_before_signing_in_stays(device, world, live_server, new_page):
    phone = DEVICES[device]
    base = live_server.url
    complaint = to_in_progress(world)
    with translation.override("ko"):  # written while everyone worked in Korean
        services.complaint_transfer(
            complaint=complaint, by=world.handler, to_unit=world.parks, reason="공원 안입니다"
        )
    assert world.citizen.preferred_language == "ko"

    korean = Findings("ko")
    page = new_page("ko", korean, phone=phone)  # a Korean phone: the site opens in Korean
    page.goto(f"{base}/")
    check_page(page, korean, "home", phone=phone)
    assert not korean.problems, korean.report()

    english = Findings("en")
    page.locator("header").get_by_role("button", name="English").click()
    page.wait_for_function("document.documentElement.lang === 'en'")
    check_page(page, english, "home, in English", phone=phone)
    log_in(page, base, world.citizen, "en", english, phone=phone)
    check_page(page, english, "after signing in", phone=phone)  # still English

    page.goto(f"{base}/notifications/")
    check_page(page, english, "notifications", phone=phone)
    main = page.locator("main")
    expect(main).to_contain_text(f"Complaint {complaint.receipt_no} sent to Parks Division")
    expect(main).not_to_contain_text("공원과")

    page.goto(f"{base}/complaints/figures/")
    check_page(page, english, "figures", phone=phone)
    page.locator("main table").get_by_role("link", name="Received").click()
    page.wait_for_url(url_pattern(r"/complaints/figures/"))
    check_page(page, english, "figures, sorted", phone=phone)
    world.citizen.refresh_from_db()
    assert world.citizen.preferred_language == "en"
    assert not english.problems, english.report()


@pytest.mark.parametrize("device", DEVICES)
def test_the_consultation_page_in_korean_says_찬성(device, world, moderator, live_server, new_page):
    phone = DEVICES[device]
    consultation = make_consultation(world.roads, world.handler)
    published(consultation, moderator, 3, article=consultation.articles.first())
    findings = Findings("ko")
    page = new_page("ko", findings, phone=phone)
    page.goto(f"{live_server.url}/participation/consultations/{consultation.pk}/")
    check_page(page, findings, "consultation", phone=phone)
    main = page.locator("main")
    expect(main).to_contain_text("찬성")
    expect(main).not_to_contain_text("사전 동의")
    page.goto(f"{live_server.url}/complaints/figures/")
    check_page(page, findings, "figures", phone=phone)
    assert not findings.problems, findings.report()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_a_form_with_files_shows_it_is_sending(language, world, live_server, new_page):
    world.citizen.preferred_language = language
    world.citizen.save(update_fields=["preferred_language"])
    findings = Findings(language)
    page = new_page(language, findings, phone=True)
    log_in(page, live_server.url, world.citizen, language, findings, phone=True)
    page.goto(f"{live_server.url}/complaints/new/")
    check_page(page, findings, "complaint form", phone=True)
    page.locator("input[type=file]").set_input_files(
        [{"name": "plan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n" * 300}]
    )
    # the POST is answered "204 No Content": the browser stays on the page, as it looks while
    # a slow upload is on its way
    posted = []
    page.route(
        "**/complaints/new/",
        lambda route: (
            (posted.append(1), route.fulfill(status=204))
            if route.request.method == "POST"
            else route.continue_()
        ),
    )
    status = page.locator("main form.complaint-form .sending-status")
    expect(status).to_be_empty()  # there from the start, so that its change is announced
    page.locator("main form.complaint-form button[type=submit]").last.click()
    expect(status).to_be_visible()
    expect(status).to_have_attribute("role", "status")
    expect(status).to_contain_text("3 KB")
    for button in page.locator("main form.complaint-form button[type=submit]").all():
        expect(button).to_be_disabled()
    assert posted == [1]
    check_page(page, findings, "complaint form, sending", phone=True)
    assert not findings.problems, findings.report()


def test_use_my_location_fills_the_coordinates(world, live_server, browser, settings):
    # tiles from the site itself (an image of its own stands for each tile): no other network
    settings.NARA_MAP_TILES = f"{live_server.url}/static/nara/favicon.svg?{{z}}/{{x}}/{{y}}"
    world.citizen.preferred_language = "en"
    world.citizen.save(update_fields=["preferred_language"])
    context = browser.new_context(
        locale="en-US",
        viewport=PHONE,
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 37.5665, "longitude": 126.978},
        permissions=["geolocation"],
    )
    try:
        findings = Findings("en")
        page = context.new_page()
        log_in(page, live_server.url, world.citizen, "en", findings, phone=True)
        page.goto(f"{live_server.url}/complaints/new/")
        form = page.locator("main form.complaint-form")
        expect(form.get_by_label("Latitude")).not_to_be_visible()  # folded away
        form.get_by_role("button", name="Use my location").click()
        expect(form.locator(".locate-status")).to_have_text("Your location is filled in below.")
        expect(form.get_by_label("Latitude")).to_have_value("37.566500")
        expect(form.get_by_label("Longitude")).to_have_value("126.978000")
        # and the place is drawn on the small map beside them, the pin on its tile
        place = form.get_by_role(
            "img", name="Map of the place (latitude 37.566500, longitude 126.978000)"
        )
        expect(place).to_be_visible()
        assert place.locator("image").count() >= 2
        check_page(page, findings, "complaint form, located", phone=True)
        assert not findings.problems, findings.report()
    finally:
        context.close()
