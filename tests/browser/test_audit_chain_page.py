"""The audit chain's public page (/open/audit/, issue 13) in real Chromium, on a phone and a
desktop, in Korean and English: reached from the footer, an entry looked up by its number,
axe-core finding no serious or critical violation and nothing scrolling sideways."""

import pytest
from django.db import transaction
from playwright.sync_api import expect

from nara.audit.models import AuditEvent, EventType
from nara.audit.services import audit_record

from .conftest import Findings, check_page, t, url_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
@pytest.mark.parametrize("language", ["ko", "en"])
def test_anyone_reads_the_chain_head_and_looks_up_an_entry(
    language, phone, world, live_server, new_page
):
    with transaction.atomic():
        for _ in range(3):
            audit_record(actor=None, event_type=EventType.HOLIDAY_ADDED, target=world.roads)
    second, head = AuditEvent.objects.get(seq=2), AuditEvent.objects.get(seq=3)
    findings = Findings(language)
    page = new_page(language, findings, phone=phone)
    page.goto(f"{live_server.url}/")
    page.locator("footer").get_by_role("link", name=t(language, "Check the audit log")).click()
    page.wait_for_url(url_pattern(r"/open/audit/"))
    check_page(page, findings, "audit chain", phone=phone)
    main = page.locator("main")
    expect(main).to_contain_text(head.hash)
    main.get_by_label(t(language, "Entry number")).fill("2")
    main.get_by_role("button", name=t(language, "Look up")).click()
    page.wait_for_url(url_pattern(r"/open/audit/"))
    expect(main).to_contain_text(second.hash)
    expect(main).to_contain_text(second.prev_hash)
    check_page(page, findings, "audit chain, entry 2", phone=phone)
    main.get_by_label(t(language, "Entry number")).fill("two")
    main.get_by_role("button", name=t(language, "Look up")).click()
    expect(main.get_by_label(t(language, "Entry number"))).to_have_attribute("aria-invalid", "true")
    check_page(page, findings, "audit chain, a number mistyped", phone=phone)
    print("\n".join(findings.checked + findings.minor))  # shown with -s or -rP
    assert not findings.problems, findings.report()
