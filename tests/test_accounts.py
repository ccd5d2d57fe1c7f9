"""Accounts: sign-up and e-mail confirmation, login, password reset, profile (two-factor
authentication: test_accounts_two_factor.py)."""

import re
from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from nara.accounts.models import User
from nara.agencies.models import Membership
from nara.audit.models import AuditEvent, EventType
from nara.core.models import Region
from nara.notifications.models import OutboxMessage

from .conftest import PASSWORD, TOTP_SECRET

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
NEW_PASSWORD = "a-brand-new-secret-77"


def signup_data(**overrides):
    data = {
        "email": "carol@example.com",
        "name": "Carol",
        "password1": "purple-monkey-dishwasher-42",
        "password2": "purple-monkey-dishwasher-42",
        "preferred_language": "en",
        "accept_terms": "on",
    }
    data.update(overrides)
    return data


def link_in(message: OutboxMessage, pattern: str) -> str:
    found = re.search(rf"https?://[^/\s]+({pattern})", message.body)
    assert found, message.body
    return found.group(1)


def events(event_type, user):
    return AuditEvent.objects.filter(event_type=event_type, target_id=str(user.pk))


def log_in(client, email, password=PASSWORD, **extra):
    headers = {k: v for k, v in extra.items() if k.startswith("HTTP_")}
    data = {k: v for k, v in extra.items() if not k.startswith("HTTP_")}
    return client.post(
        reverse("accounts:login"), {"email": email, "password": password, **data}, **headers
    )


def current_code(secret=TOTP_SECRET):
    return pyotp.TOTP(secret).now()


# --- sign-up and confirmation -------------------------------------------------------------------


@pytest.mark.django_db
def test_sign_up_queues_a_confirmation_mail_and_only_post_confirms(client):
    response = client.post(reverse("accounts:signup"), signup_data())
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:signup_done")

    user = User.objects.get(email="carol@example.com")
    assert user.email_confirmed is False
    assert user.preferred_language == "en"
    assert user.check_password("purple-monkey-dishwasher-42")
    [mail] = OutboxMessage.objects.filter(to_email="carol@example.com")
    link = link_in(mail, r"/accounts/confirm/[^/\s]+/")

    # a mail scanner opening the link must not confirm
    page = client.get(link)
    assert page.status_code == 200
    assert b'<button type="submit"' in page.content
    user.refresh_from_db()
    assert user.email_confirmed is False

    response = client.post(link)
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email_confirmed is True
    assert events(EventType.USER_SIGNED_UP, user).count() == 1
    assert events(EventType.USER_EMAIL_CONFIRMED, user).count() == 1

    # confirming again is harmless and writes no second event
    assert client.post(link).status_code == 302
    assert events(EventType.USER_EMAIL_CONFIRMED, user).count() == 1


@pytest.mark.django_db
def test_expired_confirmation_link_gives_a_clear_error(client):
    client.post(reverse("accounts:signup"), signup_data())
    link = link_in(OutboxMessage.objects.get(), r"/accounts/confirm/[^/\s]+/")
    with time_machine.travel(timezone.now() + timedelta(days=3, hours=1)):
        page = client.get(link, **EN)
        assert page.status_code == 400
        assert b"expired" in page.content
        assert client.post(link, **EN).status_code == 400
    assert User.objects.get(email="carol@example.com").email_confirmed is False


@pytest.mark.django_db
@pytest.mark.parametrize(
    "token", ["garbage", "1.abc:1tXyZ:sig", "%00", "x" * 3000, "-1", "9" * 40 + ":a:b"]
)
def test_garbled_confirmation_link_gives_a_clear_error(client, token):
    url = f"/accounts/confirm/{token}/"
    page = client.get(url, **EN)
    assert page.status_code == 400
    assert client.post(url).status_code == 400


@pytest.mark.django_db
def test_confirmation_link_of_another_address_is_refused(client, world):
    from nara.accounts.tokens import confirmation_token_make

    user = User.objects.create_user(email="dan@example.com", password=PASSWORD)
    token = confirmation_token_make(user)
    User.objects.filter(pk=user.pk).update(email="other@example.com")
    assert client.post(reverse("accounts:confirm_email", args=[token])).status_code == 400
    user.refresh_from_db()
    assert user.email_confirmed is False


@pytest.mark.django_db
def test_signing_up_with_a_registered_address_does_not_reveal_it(client, world):
    fresh = client.post(reverse("accounts:signup"), signup_data(email="new@example.com"))
    taken = Client().post(
        reverse("accounts:signup"), signup_data(email="ALICE@example.com", name="Mallory")
    )
    assert (taken.status_code, taken["Location"]) == (fresh.status_code, fresh["Location"])
    assert User.objects.filter(email__iexact="alice@example.com").count() == 1
    world.citizen.refresh_from_db()
    assert world.citizen.name == "Alice"
    assert world.citizen.check_password(PASSWORD)
    [mail] = OutboxMessage.objects.filter(to_email="alice@example.com")
    assert "/accounts/confirm/" not in mail.body
    assert "/accounts/password/reset/" in mail.body
    assert not events(EventType.USER_SIGNED_UP, world.citizen).exists()


@pytest.mark.django_db
def test_signing_up_again_before_confirming_sends_a_new_link(client):
    client.post(reverse("accounts:signup"), signup_data())
    Client().post(reverse("accounts:signup"), signup_data())
    assert User.objects.filter(email="carol@example.com").count() == 1
    mails = OutboxMessage.objects.filter(to_email="carol@example.com")
    assert mails.count() == 2
    assert all("/accounts/confirm/" in m.body for m in mails)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "overrides, field",
    [
        ({"password2": "something-else-entirely-1"}, "password2"),
        ({"password1": "password", "password2": "password"}, "password1"),
        ({"password1": "12345678901", "password2": "12345678901"}, "password1"),
        ({"accept_terms": ""}, "accept_terms"),
        ({"email": "not-an-address"}, "email"),
        ({"preferred_language": "xx"}, "preferred_language"),
    ],
)
def test_sign_up_refuses_bad_input_and_keeps_what_was_typed(client, overrides, field):
    response = client.post(reverse("accounts:signup"), signup_data(**overrides), **EN)
    assert response.status_code == 400
    assert field in response.context["form"].errors
    assert b'class="error-summary"' in response.content
    assert b'value="Carol"' in response.content
    assert not User.objects.exists()
    assert not OutboxMessage.objects.exists()


@pytest.mark.django_db
def test_sign_up_is_rate_limited(client):
    limit, _window = settings.NARA_RATE_LIMITS["signup"]
    for i in range(limit):
        assert client.post(reverse("accounts:signup"), signup_data(email=f"u{i}@example.com"))[
            "Location"
        ] == reverse("accounts:signup_done")
    response = client.post(reverse("accounts:signup"), signup_data(email="late@example.com"))
    assert response.status_code == 429
    assert not User.objects.filter(email="late@example.com").exists()


# --- login --------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_login_succeeds_and_sets_the_preferred_language(client, world):
    User.objects.filter(pk=world.citizen.pk).update(preferred_language="en")
    client.cookies[settings.SESSION_COOKIE_NAME] = "stale"
    response = log_in(client, "Alice@Example.com")
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    assert client.session["_auth_user_id"] == str(world.citizen.pk)
    assert client.cookies[settings.SESSION_COOKIE_NAME].value != "stale"
    page = client.get(reverse("home"))
    assert page.wsgi_request.LANGUAGE_CODE == "en"


@pytest.mark.django_db
def test_login_failure_says_the_same_for_unknown_address_and_wrong_password(client, world):
    wrong = log_in(client, world.citizen.email, "wrong-password", **EN)
    unknown = log_in(Client(), "nobody@example.com", PASSWORD, **EN)
    for response in (wrong, unknown):
        assert response.status_code == 400
        assert b"E-mail or password is incorrect." in response.content
        assert "_auth_user_id" not in response.wsgi_request.session
    assert b'value="nobody@example.com"' in unknown.content


@pytest.mark.django_db
def test_login_is_rate_limited(client, world):
    limit = settings.NARA_SIGNIN_BACKOFF["FREE"]  # then the account waits (test_signin_throttle)
    for _ in range(limit):
        assert log_in(client, world.citizen.email, "wrong-password").status_code == 400
    response = log_in(client, world.citizen.email, PASSWORD, **EN)
    assert response.status_code == 429
    assert b"Too many attempts" in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_unconfirmed_account_cannot_log_in_and_can_ask_for_the_link_again(client):
    User.objects.create_user(email="eve@example.com", password=PASSWORD)
    response = log_in(client, "eve@example.com", **EN)
    assert response.status_code == 400
    assert b"not confirmed" in response.content
    assert reverse("accounts:resend_confirmation").encode() in response.content
    assert "_auth_user_id" not in client.session

    response = client.post(reverse("accounts:resend_confirmation"), {"email": "eve@example.com"})
    assert response.status_code == 302
    [mail] = OutboxMessage.objects.filter(to_email="eve@example.com")
    link = link_in(mail, r"/accounts/confirm/[^/\s]+/")
    client.post(link)
    assert log_in(client, "eve@example.com").status_code == 302


@pytest.mark.django_db
def test_resend_answers_the_same_for_unknown_address_and_is_rate_limited(client, world):
    url = reverse("accounts:resend_confirmation")
    assert client.post(url, {"email": "nobody@example.com"})["Location"] == reverse(
        "accounts:signup_done"
    )
    assert client.post(url, {"email": world.citizen.email})["Location"] == reverse(
        "accounts:signup_done"
    )
    assert not OutboxMessage.objects.exists()  # nobody unknown, alice already confirmed
    limit, _window = settings.NARA_RATE_LIMITS["signup"]
    for _ in range(limit - 2):
        client.post(url, {"email": "nobody@example.com"})
    assert client.post(url, {"email": "nobody@example.com"}).status_code == 429


@pytest.mark.django_db
@pytest.mark.parametrize(
    "next_url, expected",
    [
        ("/notifications/", "/notifications/"),
        ("https://evil.example.com/", "/"),
        ("//evil.example.com/", "/"),
        ("/\\evil.example.com", "/"),
    ],
)
def test_login_keeps_only_a_safe_next(client, world, next_url, expected):
    response = log_in(client, world.citizen.email, next=next_url)
    assert response["Location"] == expected


BAD_NEXTS = ["abc", "-1", "1e9", "//evil.example", "https://evil.example", "/\\evil.example"]


def assert_on_site(response):
    """A redirect to a page of this site, whatever the next given."""
    assert response.status_code == 302
    location = response["Location"]
    assert location.startswith("/") and not location.startswith(("//", "/\\")), location
    assert "evil.example" not in location.split("?")[0], location


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", BAD_NEXTS)
def test_login_with_a_malformed_next_never_fails(client, world, next_url):
    assert client.get(reverse("accounts:login"), {"next": next_url}).status_code == 200
    response = log_in(client, world.citizen.email, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == "/"
    # already logged in: the GET redirects at once
    again = client.get(reverse("accounts:login"), {"next": next_url})
    assert again.status_code == 302 and again["Location"] == "/"


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", BAD_NEXTS)
def test_two_factor_with_a_malformed_next_never_fails(client, world, next_url):
    response = log_in(client, world.handler.email, next=next_url)
    assert response.status_code == 302
    assert response["Location"] == reverse("accounts:2fa_verify")  # the bad next is dropped
    page = client.get(reverse("accounts:2fa_verify"), {"next": next_url})
    assert page.status_code == 200
    response = client.post(
        reverse("accounts:2fa_verify"), {"code": current_code(), "next": next_url}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("office:inbox")
    for method in (client.get, client.post):  # verified: both redirect at once
        assert_on_site(method(reverse("accounts:2fa_verify"), {"next": next_url}))
        assert_on_site(method(reverse("accounts:2fa_setup"), {"next": next_url}))


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", BAD_NEXTS)
def test_two_factor_setup_with_a_malformed_next_never_fails(client, world, next_url):
    user = User.objects.create_user(
        email="newcomer@example.com", password=PASSWORD, email_confirmed=True
    )
    Membership.objects.create(user=user, unit=world.roads, role=Membership.Role.HANDLER)
    response = log_in(client, user.email, next=next_url)
    assert response["Location"] == reverse("accounts:2fa_setup")
    assert_on_site(client.get(reverse("accounts:2fa_verify"), {"next": next_url}))
    assert client.get(reverse("accounts:2fa_setup"), {"next": next_url}).status_code == 200


@pytest.mark.django_db
def test_logout_is_post_only(client_for, world):
    client = client_for(world.citizen)
    assert client.get(reverse("accounts:logout")).status_code == 405
    assert "_auth_user_id" in client.session
    assert client.post(reverse("accounts:logout")).status_code == 302
    assert "_auth_user_id" not in client.session


# --- password reset -----------------------------------------------------------------------------


@pytest.mark.django_db
def test_password_reset_end_to_end(client, world):
    response = client.post(reverse("accounts:password_reset"), {"email": "ALICE@example.com"})
    assert response["Location"] == reverse("accounts:password_reset_sent")
    [mail] = OutboxMessage.objects.filter(to_email="alice@example.com")
    link = link_in(mail, r"/accounts/password/reset/[^/\s]+/[^/\s]+/")

    page = client.get(link)
    assert page.status_code == 200
    mismatch = client.post(link, {"password1": NEW_PASSWORD, "password2": "nope-nope-nope-1"})
    assert mismatch.status_code == 400
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response["Location"] == reverse("accounts:login")
    world.citizen.refresh_from_db()
    assert world.citizen.check_password(NEW_PASSWORD)
    assert events(EventType.USER_PASSWORD_RESET, world.citizen).count() == 1

    assert client.get(link).status_code == 400  # used once only
    assert log_in(Client(), world.citizen.email, PASSWORD).status_code == 400
    assert log_in(Client(), world.citizen.email, NEW_PASSWORD).status_code == 302


@pytest.mark.django_db
def test_password_reset_revokes_the_api_tokens(client, world, api_for):
    api = api_for(world.citizen)
    assert api.get("/complaints").status_code == 200
    client.post(reverse("accounts:password_reset"), {"email": world.citizen.email})
    [mail] = OutboxMessage.objects.filter(to_email=world.citizen.email)
    link = link_in(mail, r"/accounts/password/reset/[^/\s]+/[^/\s]+/")
    response = client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    assert api.get("/complaints").status_code == 401
    assert not world.citizen.api_tokens.exists()
    event = events(EventType.USER_PASSWORD_RESET, world.citizen).get()
    assert event.data["api_tokens_revoked"] == 1


@pytest.mark.django_db
def test_password_reset_answers_the_same_for_unknown_addresses(client, world):
    known = client.post(reverse("accounts:password_reset"), {"email": world.citizen.email})
    unknown = client.post(reverse("accounts:password_reset"), {"email": "nobody@example.com"})
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert OutboxMessage.objects.count() == 1


@pytest.mark.django_db
def test_password_reset_is_rate_limited(client, world):
    limit, _window = settings.NARA_RATE_LIMITS["password_reset"]
    for _ in range(limit):
        client.post(reverse("accounts:password_reset"), {"email": world.citizen.email})
    response = client.post(reverse("accounts:password_reset"), {"email": world.citizen.email})
    assert response.status_code == 429
    assert OutboxMessage.objects.count() == limit


@pytest.mark.django_db
@pytest.mark.parametrize(
    "uid, token",
    [
        ("x", "y"),
        ("MQ", "bad-token"),
        ("%00", "%00"),
        ("OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "a-b"),
    ],
)
def test_bad_password_reset_links_are_refused(client, world, uid, token):
    url = f"/accounts/password/reset/{uid}/{token}/"
    assert client.get(url).status_code == 400
    data = {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert client.post(url, data).status_code == 400


@pytest.mark.django_db
def test_password_reset_confirms_an_unconfirmed_address(client):
    user = User.objects.create_user(email="fay@example.com", password=PASSWORD)
    client.post(reverse("accounts:password_reset"), {"email": user.email})
    link = link_in(OutboxMessage.objects.get(), r"/accounts/password/reset/[^/\s]+/[^/\s]+/")
    client.post(link, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    user.refresh_from_db()
    assert user.email_confirmed is True


# --- profile ------------------------------------------------------------------------------------


@pytest.fixture
def regions(db):
    """서울특별시 종로구 (loaded by core's data migration; created here if it is missing)."""
    seoul, _ = Region.objects.get_or_create(
        code="11", defaults={"name_ko": "서울특별시", "name_en": "Seoul"}
    )
    jongno, _ = Region.objects.get_or_create(
        code="11110", defaults={"name_ko": "종로구", "name_en": "Jongno-gu", "parent": seoul}
    )
    return seoul, jongno


@pytest.mark.django_db
def test_profile_edit_changes_the_language(client_for, world, regions):
    _seoul, jongno = regions
    client = client_for(world.citizen)
    page = client.get(reverse("accounts:profile"))
    assert page.status_code == 200
    html = page.content.decode()
    assert f'<option value="{_seoul.code}">{_seoul.name_ko}</option>' in html  # 시·도 first
    assert f'<optgroup label="{_seoul.name_ko}">' in html and jongno.name_ko in html

    response = client.post(
        reverse("accounts:profile"),
        {
            "name": "Alice Kim",
            "phone": "010-1234-5678",
            "sido": _seoul.code,
            "sigungu": jongno.code,
            "preferred_language": "en",
            "notify_email": "",
            "notify_site": "on",
        },
    )
    assert response.status_code == 302
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    world.citizen.refresh_from_db()
    assert (world.citizen.name, world.citizen.phone, world.citizen.region) == (
        "Alice Kim",
        "010-1234-5678",
        jongno,
    )
    assert world.citizen.preferred_language == "en"
    assert world.citizen.notify_email is False and world.citizen.notify_site is True
    [event] = events(EventType.USER_PROFILE_UPDATED, world.citizen)
    assert set(event.data["fields"]) == {
        "name",
        "phone",
        "region",
        "preferred_language",
        "notify_email",
    }
    page = client.get(reverse("accounts:profile"))
    assert b'lang="en"' in page.content
    assert b"Your profile has been saved." in page.content


@pytest.mark.django_db
def test_profile_refuses_bad_input_and_keeps_what_was_typed(client_for, world, regions):
    client = client_for(world.citizen)
    response = client.post(
        reverse("accounts:profile"),
        {
            "name": "Alice Kim",
            "phone": "call me",
            "sido": "11",
            "sigungu": "999999",
            "preferred_language": "en",
        },
        **EN,
    )
    assert response.status_code == 400
    assert set(response.context["form"].errors) == {"phone", "sigungu"}
    assert b'value="Alice Kim"' in response.content
    world.citizen.refresh_from_db()
    assert world.citizen.name == "Alice"
    assert not events(EventType.USER_PROFILE_UPDATED, world.citizen).exists()


@pytest.mark.django_db
def test_profile_needs_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.django_db
def test_admin_login_view_sends_to_the_login_page(rf):
    from django.contrib.auth.models import AnonymousUser

    from nara.accounts.views import admin_login

    def get(next_url):
        request = rf.get("/admin/login/", {"next": next_url})
        request.user = AnonymousUser()
        return admin_login(request)

    response = get("/admin/core/holiday/")
    assert response["Location"] == "/accounts/login/?next=%2Fadmin%2Fcore%2Fholiday%2F"
    for bad in ("https://evil.example.com/", "abc", "-1"):
        assert get(bad)["Location"] == "/accounts/login/?next=%2Fadmin%2F"
