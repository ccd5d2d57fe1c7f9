"""Must-show of issue 13, in real Chromium: an information-disclosure request's journey — the
request (sent empty first: errors tied to their fields), its transfer to the agency that holds
the information, an extension, a third-party notice and opinion, a 부분공개 decision with its
§9 grounds approved on its approval line, the released file downloaded, an objection and its
decision — in Korean and in English, with axe-core finding no serious or critical violation on
any page and the requester's pages fitting a phone."""

import pytest

from nara.disclosure.models import DisclosureRequest, Status
from tests.disclosure_helpers import PDF

from .conftest import Findings, check_page, log_in, t, url_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def send(page, form_id: str, button: str):
    page.locator(f"#{form_id}").get_by_role("button", name=button).click()


@pytest.mark.parametrize("language", ["ko", "en"])
def test_disclosure_journey(language, world, live_server, new_page, tmp_path):
    base = live_server.url
    findings = Findings(language)
    for person in (world.citizen, world.handler, world.approver, world.other_handler):
        person.preferred_language = language
        person.save(update_fields=["preferred_language"])
    pdf = tmp_path / "contracts.pdf"
    pdf.write_bytes(PDF)
    title = f"Road repair contracts 2025 ({language})"

    # 1. The requester, on a phone: the form sent empty comes back with its errors
    citizen = new_page(language, findings, phone=True)
    log_in(citizen, base, world.citizen, language, findings, "requester", phone=True)
    citizen.goto(f"{base}/disclosure/new/")
    check_page(citizen, findings, "request form", phone=True)
    main = citizen.locator("main")
    main.get_by_role("button", name=t(language, "Send the request")).click()
    citizen.locator(".error-summary[role=alert]").wait_for()
    assert citizen.locator('.error-summary a[href="#id_title"]').count() == 1
    check_page(citizen, findings, "request form (errors)", phone=True)
    main.locator("#id_unit").select_option(str(world.parks.pk))  # the wrong agency first
    main.locator("#id_title").fill(title)
    main.locator("#id_body").fill("The contracts for road repairs in 2025, with their prices.")
    main.get_by_label(t(language, "Electronic file"), exact=True).check()
    main.get_by_label(t(language, "Download online"), exact=True).check()
    main.get_by_role("button", name=t(language, "Send the request")).click()
    citizen.wait_for_url(url_pattern(r"/disclosure/\d{4}-\d{6}/"))
    r = DisclosureRequest.objects.get(title=title)
    assert r.no in citizen.locator("main dl.facts").inner_text()
    check_page(citizen, findings, "my request (received)", phone=True)

    # 2. The parks division sends it to the roads division of the ministry (이송)
    parks = new_page(language, findings)
    log_in(parks, base, world.other_handler, language, findings, "parks handler")
    parks.goto(f"{base}/office/disclosure/")
    check_page(parks, findings, "inbox (parks)")
    parks.get_by_role("link", name=r.no).click()
    check_page(parks, findings, "request page (parks)")
    parks.locator("#id_transfer-to_unit").select_option(str(world.roads.pk))
    parks.locator("#id_transfer-reason").fill("The roads division holds the contracts.")
    send(parks, "form-transfer", t(language, "Transfer"))
    parks.wait_for_url(url_pattern(r"/office/disclosure/"))

    # 3. The roads handler extends, notifies the contractor, records its opinion and decides
    handler = new_page(language, findings)
    log_in(handler, base, world.handler, language, findings, "roads handler")
    handler.goto(f"{base}/office/disclosure/{r.no}/")
    check_page(handler, findings, "request page (roads)")
    handler.locator("#id_extend-days").fill("5")
    handler.locator("#id_extend-reason").fill("Forty contracts to review.")
    send(handler, "form-extend", t(language, "Extend"))
    handler.locator(".messages").wait_for()
    handler.locator("#id_third_party-name").fill("Hanil Construction")
    handler.locator("#id_third_party-contact").fill("legal@hanil.example")
    send(handler, "form-third_party", t(language, "Notify"))
    handler.locator("#form-opinion").wait_for()
    handler.locator("#form-opinion").get_by_label(t(language, "Agrees to disclosure")).check()
    send(handler, "form-opinion", t(language, "Record the opinion"))
    handler.locator("#form-decision").wait_for()
    decision = handler.locator("#form-decision")
    decision.get_by_label(str(t(language, "Partly open", "disclosure")), exact=True).check()
    send(handler, "form-decision", t(language, "Submit for approval"))  # no grounds yet
    handler.locator(".error-summary[role=alert]").wait_for()
    check_page(handler, findings, "decision (errors)")
    decision = handler.locator("#form-decision")
    decision.locator('input[name="decision-grounds"][value="7"]').check()
    decision.locator("#id_decision-reasons").fill("Unit prices withheld: trade secrets.")
    decision.locator("#id_decision-pages").fill("12")
    decision.locator("#id_decision-files").set_input_files(str(pdf))
    send(handler, "form-decision", t(language, "Submit for approval"))
    handler.locator(".messages").wait_for()
    r.refresh_from_db()
    assert r.status == Status.PENDING_APPROVAL

    # 4. The approver approves on the line
    approver = new_page(language, findings)
    log_in(approver, base, world.approver, language, findings, "approver")
    approver.goto(f"{base}/office/disclosure/{r.no}/")
    check_page(approver, findings, "request page (approver)")
    send(approver, "form-approve", t(language, "Approve and send to the requester"))
    approver.locator(".messages").wait_for()
    r.refresh_from_db()
    assert r.status == Status.DECIDED

    # 5. The requester reads the decision, downloads the file and objects
    citizen.goto(f"{base}/disclosure/{r.no}/")
    check_page(citizen, findings, "my request (decided)", phone=True)
    ground = t(language, "§9(7) A business's trade secrets")
    assert ground in citizen.locator("#decision-heading").locator("..").inner_text()
    with citizen.expect_download() as download:
        citizen.get_by_role("link", name="contracts.pdf").click()
    assert download.value.path().read_bytes() == PDF
    citizen.locator("#id_reasons").fill("The unit prices were paid with public money.")
    send(citizen, "form-main", t(language, "Send the objection"))
    citizen.locator(".messages").wait_for()
    check_page(citizen, findings, "my request (objected)", phone=True)

    # 6. The objection is decided: drafted by the handler, approved by the approver
    handler.goto(f"{base}/office/disclosure/{r.no}/")
    form = handler.locator("#form-objection_decision")
    form.get_by_label(t(language, "Dismissed"), exact=True).check()
    form.locator("#id_objection_decision-reasons").fill("The unit prices stay withheld.")
    send(handler, "form-objection_decision", t(language, "Submit for approval"))
    handler.locator(".messages").wait_for()
    approver.goto(f"{base}/office/disclosure/{r.no}/")
    send(approver, "form-objection_approve", t(language, "Approve and send"))
    approver.locator(".messages").wait_for()
    citizen.goto(f"{base}/disclosure/{r.no}/")
    check_page(citizen, findings, "my request (objection decided)", phone=True)
    assert (
        t(language, "Dismissed") in citizen.locator("#objection-heading").locator("..").inner_text()
    )

    # 7. The public register shows it, without the requester
    visitor = new_page(language, findings, phone=True)
    visitor.goto(f"{base}/open/requests/")
    check_page(visitor, findings, "register", phone=True)
    visitor.get_by_role("link", name=title).click()
    check_page(visitor, findings, "register entry", phone=True)
    assert world.citizen.email not in visitor.content()

    assert not findings.problems, findings.report()
