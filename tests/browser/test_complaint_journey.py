"""Must-show 4 of issue #2, in real Chromium: a citizen files a complaint with a photo, the
handler answers, the approver approves, the citizen reads and rates — in Korean and in English,
with axe-core finding no serious or critical violation on the pages of the journey and the
citizen's pages fitting a phone."""

import io
import re

import pyotp
import pytest
from PIL import ExifTags, Image, ImageDraw

from nara.complaints.models import Complaint, Status
from tests.conftest import PASSWORD, TOTP_SECRET

from .conftest import Findings, check_page, t, url_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GPS = ExifTags.IFD.GPSInfo


def photo_with_gps(path):
    """A real JPEG with a camera make and GPS coordinates in its EXIF (Seoul City Hall)."""
    image = Image.new("RGB", (800, 600), (90, 110, 130))
    ImageDraw.Draw(image).ellipse((200, 250, 600, 350), fill=(30, 30, 30))  # the pothole
    exif = Image.Exif()
    exif[0x010F] = "NaraTestCam"  # Make
    gps = exif.get_ifd(GPS)
    gps.update({1: "N", 2: (37.0, 33.0, 59.0), 3: "E", 4: (126.0, 58.0, 41.0)})
    image.save(path, "JPEG", exif=exif, quality=90)
    with Image.open(path) as check:  # the upload really carries metadata to strip
        assert check.getexif().get_ifd(GPS), "test photo has no GPS EXIF"
    return path


def log_in(page, base, user, language, *, on_login_page=False):
    """Log in through the login form (the one shown now, or the one at /accounts/login/)."""
    if not on_login_page:
        page.goto(f"{base}/accounts/login/")
    main = page.locator("main")
    main.get_by_label(t(language, "E-mail address")).fill(user.email)
    main.get_by_label(t(language, "Password"), exact=True).fill(PASSWORD)
    main.get_by_role("button", name=t(language, "Log in")).click()


def log_in_official(page, base, user, language, findings):
    log_in(page, base, user, language)
    page.wait_for_url(url_pattern(r"/accounts/2fa/verify/"))
    check_page(page, findings, "2FA code")
    main = page.locator("main")
    main.get_by_label(t(language, "6-digit code")).fill(pyotp.TOTP(TOTP_SECRET).now())
    main.get_by_role("button", name=t(language, "Verify")).click()
    page.wait_for_url(url_pattern(r"/office/"))  # officials land on their inbox


def expect_message(page, text):
    page.locator(".messages").get_by_text(text, exact=False).wait_for()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_complaint_journey(language, world, live_server, new_page, tmp_path):
    base = live_server.url
    findings = Findings(language)
    other = "en" if language == "ko" else "ko"
    for person in (world.citizen, world.handler, world.approver):
        person.preferred_language = language
        person.save(update_fields=["preferred_language"])
    photo = photo_with_gps(tmp_path / "pothole.jpg")
    title = f"Pothole at Sejong-daero exit 3 ({language})"
    answer = f"We filled the pothole on {language} day; thank you for telling us."

    # 1. The citizen, on a phone, starts in the other language and switches with the site's
    #    own switcher; anonymous, the form sends them to the login page first.
    citizen = new_page(other, findings, phone=True)
    citizen.goto(f"{base}/complaints/new/")
    citizen.wait_for_url(url_pattern(r"/accounts/login/"))
    assert citizen.locator("html").get_attribute("lang") == other
    language_name = {"ko": "한국어", "en": "English"}[language]
    citizen.locator("form.lang-links").get_by_role("button", name=language_name).click()
    citizen.locator(f"html[lang={language}]").wait_for(state="attached")
    citizen.wait_for_url(url_pattern(r"/accounts/login/"))
    check_page(citizen, findings, "login", phone=True)
    log_in(citizen, base, world.citizen, language, on_login_page=True)
    citizen.wait_for_url(url_pattern(r"/complaints/new/"))
    check_page(citizen, findings, "filing form", phone=True)

    form = citizen.locator("main form.complaint-form")
    # sent empty first: the form comes back with an error summary linking to the fields
    form.get_by_role("button", name=t(language, "Send the complaint")).click()
    summary = citizen.locator(".error-summary[role=alert]")
    summary.wait_for()
    assert summary.locator('a[href="#id_title"]').count() == 1
    check_page(citizen, findings, "filing form (errors)", phone=True)
    form.get_by_label(t(language, "Grievance"), exact=True).check()
    form.get_by_label(t(language, "Title"), exact=True).fill(title)
    form.locator("textarea[name=body]").fill(
        "A deep pothole in the right lane near exit 3. Cars swerve around it."
    )
    form.locator("select[name=category]").select_option(
        label=world.roads_category.name_ko if language == "ko" else world.roads_category.name_en
    )
    form.locator("input[type=file][name=attachments]").set_input_files(str(photo))
    form.get_by_label(t(language, "The complaint and its answer may be published")).check()
    form.get_by_role("button", name=t(language, "Send the complaint")).click()
    citizen.wait_for_url(url_pattern(r"/complaints/(?!new/)[A-Za-z0-9-]+/"))

    complaint = Complaint.objects.get(citizen=world.citizen, title=title)
    receipt = complaint.receipt_no
    assert citizen.url.rstrip("/").endswith(receipt)
    assert receipt in citizen.locator("main dl.facts").inner_text()
    assert receipt in citizen.locator(".messages").inner_text()
    assert complaint.unit_id == world.roads.pk, "category roads must route to the roads unit"
    assert complaint.status == Status.RECEIVED
    check_page(citizen, findings, "complaint page (filed)", phone=True)

    # the photo is stored, still a JPEG, and its EXIF (GPS!) is gone
    attachment = complaint.attachments.get()
    assert attachment.content_type == "image/jpeg"
    with attachment.file.open("rb") as stored, Image.open(stored) as image:
        assert image.format == "JPEG"
        assert image.size == (800, 600)
        exif = image.getexif()
        assert not dict(exif), f"EXIF left in the stored photo: {dict(exif)}"
        assert not exif.get_ifd(GPS)
    assert citizen.locator("main ul.attachments a").count() == 1

    # 2. The handler: password + TOTP, inbox, claims the complaint, writes the answer.
    handler = new_page(language, findings)
    log_in_official(handler, base, world.handler, language, findings)
    check_page(handler, findings, "office inbox")
    handler.locator("main").get_by_role("link", name=re.compile(re.escape(receipt))).click()
    handler.wait_for_url(url_pattern(rf"/office/complaints/{receipt}/"))
    check_page(handler, findings, "office complaint page (received)")
    # the handler downloads the photo through its link: a JPEG without metadata
    href = handler.locator("main a[href*='/attachments/']").get_attribute("href")
    download = handler.request.get(f"{base}{href}")
    assert download.status == 200, download.status
    assert download.headers["content-type"] == "image/jpeg"
    with Image.open(io.BytesIO(download.body())) as served:
        assert served.format == "JPEG" and not dict(served.getexif())
    # a less frequent action has its own page: the transfer form, then back
    handler.locator("main").get_by_role(
        "link", name=t(language, "Transfer to another unit")
    ).click()
    handler.wait_for_url(url_pattern(rf"/office/complaints/{receipt}/transfer/"))
    check_page(handler, findings, "office transfer page")
    handler.get_by_role("link", name=t(language, "Back to the complaint")).click()
    handler.wait_for_url(url_pattern(rf"/office/complaints/{receipt}/"))
    handler.locator('form[action$="/claim/"]').get_by_role("button").click()
    expect_message(handler, t(language, "You are now handling this complaint."))
    answer_form = handler.locator('form[action$="/answer/"]')
    answer_form.get_by_label(t(language, "Answer"), exact=True).fill(answer)
    answer_form.get_by_role("button", name=t(language, "Submit for approval")).click()
    expect_message(handler, t(language, "The answer was submitted for approval."))
    check_page(handler, findings, "office complaint page (pending approval)")
    complaint.refresh_from_db()
    assert complaint.status == Status.PENDING_APPROVAL
    assert complaint.handler_id == world.handler.pk
    # the author cannot approve their own answer
    assert handler.locator('form[action$="/approve/"]').count() == 0

    # 3. The approver: password + TOTP, opens the complaint from the inbox, approves.
    approver = new_page(language, findings)
    log_in_official(approver, base, world.approver, language, findings)
    approver.locator("main").get_by_role("link", name=re.compile(re.escape(receipt))).click()
    approver.wait_for_url(url_pattern(rf"/office/complaints/{receipt}/"))
    assert answer in approver.locator("#approval > .answer").inner_text()
    # what the public will read once approved, shown before approving (nothing personal in it)
    preview = approver.locator("#public-preview")
    assert preview.get_by_role("heading", name=t(language, "Preview of the public page")).count()
    assert answer in preview.locator(".answer").inner_text()
    check_page(approver, findings, "office complaint page (approval)")
    approver.locator('form[action$="/approve/"]').get_by_role(
        "button", name=t(language, "Approve and send to the citizen")
    ).click()
    expect_message(approver, t(language, "The answer was approved and sent to the citizen."))
    complaint.refresh_from_db()
    assert complaint.status == Status.ANSWERED
    assert complaint.answer == answer
    approver.goto(f"{base}/complaints/public/{receipt}/")
    assert answer in approver.locator("main .answer").inner_text()
    check_page(approver, findings, "public complaint page")

    # 4. The citizen reads the answer and rates it.
    citizen.goto(f"{base}/complaints/{receipt}/")
    assert answer in citizen.locator("main .answer").inner_text()
    check_page(citizen, findings, "complaint page (answered)", phone=True)
    rate_form = citizen.locator('form[action$="/rate/"]')
    rate_form.get_by_label(t(language, "5 — very satisfied"), exact=True).check()
    rate_form.get_by_label(t(language, "Comment")).fill("Fixed within a day, thanks.")
    rate_form.get_by_role("button", name=t(language, "Send the rating")).click()
    citizen.get_by_role("heading", name=t(language, "Your rating")).wait_for()
    main_text = citizen.locator("main").inner_text()
    assert t(language, "%(rating)s out of 5") % {"rating": 5} in main_text
    assert "Fixed within a day, thanks." in main_text
    assert answer in main_text
    assert citizen.locator('form[action$="/rate/"]').count() == 0
    check_page(citizen, findings, "complaint page (rated)", phone=True)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.rating) == (Status.CLOSED, 5)
    assert complaint.rating_comment == "Fixed within a day, thanks."

    # shown with -s or -rP: the pages checked and moderate/minor axe findings (not failures)
    print(f"{len(findings.checked)} pages checked:", *findings.checked, sep="\n  ")
    print(*findings.minor, sep="\n")
    assert not findings.problems, (
        f"{len(findings.problems)} problem(s) on the {language} journey:\n" + findings.report()
    )
