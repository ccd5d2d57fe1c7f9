"""Two-factor authentication for officials and operators (TOTP): the second step after the
password, set-up on first sign-in, one use per code, rate limits, no step for citizens."""

import re

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from nara.accounts import totp
from nara.accounts.middleware import SESSION_FLAG
from nara.accounts.models import User
from nara.agencies.models import Membership
from nara.audit.models import EventType

from .conftest import PASSWORD
from .test_accounts import current_code, events, log_in


@pytest.mark.django_db
def test_official_login_goes_through_totp(client, world):
    response = log_in(client, world.handler.email, next="/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:2fa_verify"))
    assert "next=%2Fnotifications%2F" in response["Location"]
    assert client.get("/notifications/")["Location"] == reverse("accounts:2fa_verify")

    wrong = client.post(
        reverse("accounts:2fa_verify"), {"code": "000000", "next": "/notifications/"}
    )
    assert wrong.status_code == 400
    assert not client.session.get(SESSION_FLAG)

    session_before = client.cookies[settings.SESSION_COOKIE_NAME].value
    response = client.post(
        reverse("accounts:2fa_verify"), {"code": current_code(), "next": "/notifications/"}
    )
    assert response["Location"] == "/notifications/"
    assert client.session[SESSION_FLAG] is True
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != session_before
    assert client.get("/notifications/").status_code == 200


@pytest.mark.django_db
def test_a_totp_code_is_accepted_once_only(world):
    first, second = Client(), Client()
    log_in(first, world.handler.email)
    log_in(second, world.handler.email)
    code = current_code()
    assert first.post(reverse("accounts:2fa_verify"), {"code": code}).status_code == 302
    replay = second.post(reverse("accounts:2fa_verify"), {"code": code})
    assert replay.status_code == 400
    assert not second.session.get(SESSION_FLAG)


@pytest.mark.django_db
def test_totp_verification_is_rate_limited(client, world):
    log_in(client, world.handler.email)
    limit, _window = settings.NARA_RATE_LIMITS["two_factor"]
    for _ in range(limit):
        client.post(reverse("accounts:2fa_verify"), {"code": "000000"})
    response = client.post(reverse("accounts:2fa_verify"), {"code": current_code()})
    assert response.status_code == 429
    assert not client.session.get(SESSION_FLAG)


@pytest.mark.django_db
def test_official_without_totp_sets_it_up(client, world):
    newcomer = User.objects.create_user(
        email="new.official@example.com", password=PASSWORD, email_confirmed=True
    )
    Membership.objects.create(user=newcomer, unit=world.roads, role=Membership.Role.HANDLER)
    response = log_in(client, newcomer.email)
    assert response["Location"].startswith(reverse("accounts:2fa_setup"))
    assert client.get(reverse("accounts:2fa_verify"))["Location"].startswith(
        reverse("accounts:2fa_setup")
    )

    page = client.get(reverse("accounts:2fa_setup"))
    assert page.status_code == 200
    uri = page.context["uri"]
    assert uri.startswith("otpauth://totp/")
    secret = re.search(r"secret=([A-Z2-7]+)", uri).group(1)
    assert "".join(page.context["secret_groups"]) == secret
    assert client.get(reverse("accounts:2fa_setup")).context["uri"] == uri  # stable

    assert client.post(reverse("accounts:2fa_setup"), {"code": "123456"}).status_code == 400
    newcomer.refresh_from_db()
    assert newcomer.totp_confirmed is False

    response = client.post(reverse("accounts:2fa_setup"), {"code": current_code(secret)})
    assert response.status_code == 302
    newcomer.refresh_from_db()
    assert newcomer.totp_confirmed is True
    assert newcomer.totp_secret == secret
    assert client.session[SESSION_FLAG] is True
    assert events(EventType.USER_TOTP_ENABLED, newcomer).count() == 1
    # set up once: the setup page now sends to the verification
    again = Client()
    log_in(again, newcomer.email)
    assert again.get(reverse("accounts:2fa_setup"))["Location"].startswith(
        reverse("accounts:2fa_verify")
    )


@pytest.mark.django_db
def test_citizens_have_no_two_factor_step(client_for, world):
    client = client_for(world.citizen)
    assert client.get(reverse("accounts:2fa_verify"))["Location"] == reverse("home")
    assert client.get(reverse("accounts:2fa_setup"))["Location"] == reverse("home")
    world.citizen.refresh_from_db()
    assert world.citizen.totp_secret == ""


@pytest.mark.django_db
def test_operator_cannot_reach_admin_before_2fa(client, world):
    log_in(client, world.operator.email)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:2fa_verify")
    client.post(reverse("accounts:2fa_verify"), {"code": current_code()})
    assert client.get("/admin/").status_code == 200


def test_totp_verify_refuses_malformed_codes(db, world):
    for code in ("", "12345", "1234567", "abcdef", None, "١٢٣٤٥٦"):
        assert totp.verify(world.handler, code) is False
