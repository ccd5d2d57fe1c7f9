"""A citizen's API tokens on a phone (review of issue #11: the table was 600 px wide at 390 px
and its Revoke buttons could not be tapped): which app each token is, and revoking one."""

import pytest
from django.test import Client

from nara.accounts.models import ApiToken
from tests.conftest import PASSWORD

from .conftest import Findings, check_page, log_in, t, url_pattern

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_APP = "NaraApp/2.1 (Linux; Android 15; SM-S928N Build/AP3A.240905.015; wv; ko-KR) Mobile"


@pytest.mark.parametrize("language", ["ko", "en"])
def test_tokens_on_a_phone(language, world, live_server, new_page):
    world.citizen.preferred_language = language
    world.citizen.save(update_fields=["preferred_language"])
    for app in (PHONE_APP, ""):
        answer = Client().post(
            "/api/v1/auth/token",
            {"email": world.citizen.email, "password": PASSWORD},
            content_type="application/json",
            headers={"User-Agent": app},
        )
        assert answer.status_code == 200
    findings = Findings(language)
    page = new_page(language, findings, phone=True)
    log_in(page, live_server.url, world.citizen, language, findings, phone=True)
    page.goto(f"{live_server.url}/accounts/profile/tokens/")
    check_page(page, findings, "API tokens", phone=True)
    main = page.locator("main")
    assert main.get_by_role("heading", name=PHONE_APP[:100]).is_visible()
    assert main.get_by_role(
        "heading", name=t(language, "An app that did not name itself")
    ).is_visible()
    main.get_by_role("link", name=t(language, "Revoke")).first.click()
    page.wait_for_url(url_pattern(r"/accounts/profile/tokens/[0-9]+/revoke/"))
    check_page(page, findings, "revoke: the confirmation", phone=True)
    assert ApiToken.objects.filter(user=world.citizen).count() == 2  # asking changes nothing
    main.get_by_role("button", name=t(language, "Yes, revoke it")).click()
    page.wait_for_url(url_pattern(r"/accounts/profile/tokens/"))
    check_page(page, findings, "API tokens, one revoked", phone=True)
    assert ApiToken.objects.filter(user=world.citizen).count() == 1
    assert not findings.problems, findings.report()
