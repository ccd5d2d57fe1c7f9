"""Guessing passwords and TOTP codes (issue 11, security items 1 and 8): one counter per
account for the web's log-in and two-step pages and the API's token endpoint, whatever the
client address, with a wait that doubles, is capped and expires, and a mail to the owner when
it starts; per client address only failures count, so many people behind one address sign in."""

from datetime import timedelta

import pyotp
import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from nara.accounts import services, tokens
from nara.accounts.middleware import SESSION_FLAG
from nara.accounts.models import User
from nara.audit.models import AuditEvent, EventType
from nara.notifications.models import OutboxMessage
from tests.conftest import PASSWORD, TOTP_SECRET

pytestmark = pytest.mark.django_db

FREE = settings.NARA_SIGNIN_BACKOFF["FREE"]
FIRST_WAIT = settings.NARA_SIGNIN_BACKOFF["FIRST_WAIT"]
MAX_WAIT = settings.NARA_SIGNIN_BACKOFF["MAX_WAIT"]
SUBJECT_ID = "Failed sign-ins to your Nara account"


def subject_for(user) -> str:
    """The subject as the owner reads it, in their language (Korean by default)."""
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        return gettext(SUBJECT_ID)


def address(i: int) -> str:
    return f"10.{i // 250}.{i % 250}.7"


def web_log_in(email, password, *, ip="10.9.9.9", client=None):
    client = client or Client(headers={"Accept-Language": "en"})
    return client.post(
        reverse("accounts:login"), {"email": email, "password": password}, REMOTE_ADDR=ip
    )


def api_token(email, password, *, ip="10.9.9.9", otp=None):
    body = {"email": email, "password": password}
    if otp is not None:
        body["otp"] = otp
    return Client(headers={"Accept-Language": "en"}).post(
        "/api/v1/auth/token", body, content_type="application/json", REMOTE_ADDR=ip
    )


def code(offset_steps: int = 0) -> str:
    totp = pyotp.TOTP(TOTP_SECRET)
    return totp.at(timezone.now() + timedelta(seconds=30 * offset_steps))


def test_rotating_client_addresses_gives_no_more_password_guesses(world):
    for i in range(FREE):
        assert web_log_in(world.citizen.email, f"guess-{i}", ip=address(i)).status_code == 400
    # a fresh address, even with the right password: the account waits
    response = web_log_in(world.citizen.email, PASSWORD, ip=address(FREE))
    assert response.status_code == 429
    assert b"Too many attempts" in response.content


def test_web_and_api_share_one_counter_per_account(world):
    for i in range(FREE - 2):
        assert web_log_in(world.citizen.email, f"guess-{i}", ip=address(i)).status_code == 400
    for i in range(2):
        assert (
            api_token(world.citizen.email, f"api-guess-{i}", ip=address(50 + i)).status_code == 401
        )
    response = api_token(world.citizen.email, PASSWORD, ip=address(99))
    assert response.status_code == 429
    assert int(response["Retry-After"]) == FIRST_WAIT
    assert response.json() == {"detail": "Too many attempts. Try again later."}


def test_api_totp_guesses_count_against_the_account(world):
    handler = world.handler
    for i in range(FREE):
        wrong = api_token(handler.email, PASSWORD, otp="000000", ip=address(i))
        assert wrong.status_code == 401
    assert api_token(handler.email, PASSWORD, otp=code(), ip=address(FREE)).status_code == 429


def test_web_totp_guesses_count_against_the_account_whatever_the_address(world):
    client = Client(headers={"Accept-Language": "en"})
    assert web_log_in(world.handler.email, PASSWORD, client=client).status_code == 302
    for i in range(FREE):
        wrong = client.post(
            reverse("accounts:2fa_verify"), {"code": "000000"}, REMOTE_ADDR=address(i)
        )
        assert wrong.status_code == 400
    right = client.post(reverse("accounts:2fa_verify"), {"code": code()}, REMOTE_ADDR=address(FREE))
    assert right.status_code == 429
    assert not client.session.get(SESSION_FLAG)
    # and the API, another address, the right password and code: the same account waits
    assert api_token(world.handler.email, PASSWORD, otp=code(1), ip=address(77)).status_code == 429


def test_a_right_password_does_not_reset_the_code_guesses(world):
    """Knowing the password must not buy fresh TOTP guesses: only a full sign-in resets."""
    for i in range(FREE):
        client = Client()
        assert web_log_in(world.handler.email, PASSWORD, client=client).status_code == 302
        client.post(reverse("accounts:2fa_verify"), {"code": "000000"}, REMOTE_ADDR=address(i))
    assert web_log_in(world.handler.email, PASSWORD).status_code == 429


def test_the_wait_doubles_is_capped_and_expires(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for i in range(FREE):
            web_log_in(world.citizen.email, f"guess-{i}", ip=address(i))
        waits = []
        for i in range(6):
            retry = api_token(world.citizen.email, "still-guessing", ip=address(40 + i))
            assert retry.status_code == 429
            waits.append(int(retry["Retry-After"]))
            clock.shift(waits[-1])  # the wait is over: one more guess
            assert (
                api_token(world.citizen.email, f"more-{i}", ip=address(40 + i)).status_code == 401
            )
        assert waits == [min(FIRST_WAIT * 2**n, MAX_WAIT) for n in range(6)]
        # the owner, after the wait, gets in; that clears the failures
        clock.shift(MAX_WAIT)
        assert web_log_in(world.citizen.email, PASSWORD, ip=address(60)).status_code == 302
        assert web_log_in(world.citizen.email, "one-typo", ip=address(61)).status_code == 400
        assert web_log_in(world.citizen.email, PASSWORD, ip=address(62)).status_code == 302


def test_failures_are_forgotten_a_day_after_the_last(world):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for i in range(FREE - 1):
            web_log_in(world.citizen.email, f"guess-{i}", ip=address(i))
        clock.shift(settings.NARA_SIGNIN_BACKOFF["FORGET_AFTER"] + 1)
        for i in range(FREE - 1):
            assert web_log_in(world.citizen.email, f"again-{i}", ip=address(i)).status_code == 400
        assert web_log_in(world.citizen.email, PASSWORD, ip=address(9)).status_code == 302


def test_the_owner_is_told_once_when_the_waiting_starts(world):
    SUBJECT = subject_for(world.citizen)
    assert SUBJECT != SUBJECT_ID  # the citizen reads Korean: the catalogue translates it
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for i in range(FREE - 1):
            web_log_in(world.citizen.email, f"guess-{i}", ip=address(i))
        assert not OutboxMessage.objects.filter(subject=SUBJECT).exists()
        web_log_in(world.citizen.email, "guess-last", ip=address(FREE))
        for i in range(3):
            clock.shift(MAX_WAIT)
            api_token(world.citizen.email, f"more-{i}", ip=address(30 + i))
    [mail] = OutboxMessage.objects.filter(subject=SUBJECT)
    assert mail.to_email == world.citizen.email
    assert "guess" not in mail.body and "/accounts/password/reset/" in mail.body
    event = AuditEvent.objects.get(event_type=EventType.USER_SIGNIN_THROTTLED)
    assert event.target_id == str(world.citizen.pk)
    assert event.data == {"failures": FREE, "client_address": address(FREE)}


def test_an_unknown_address_waits_like_a_known_one(world):
    for i in range(FREE):
        assert web_log_in("nobody@example.com", f"guess-{i}", ip=address(i)).status_code == 400
    assert web_log_in("nobody@example.com", "guess", ip=address(FREE)).status_code == 429
    assert api_token("Nobody@Example.com", "guess", ip=address(FREE + 1)).status_code == 429
    assert not OutboxMessage.objects.filter(to_email__iexact="nobody@example.com").exists()


def test_a_password_reset_ends_the_wait(world, client):
    for i in range(FREE):
        web_log_in(world.citizen.email, f"guess-{i}", ip=address(i))
    assert web_log_in(world.citizen.email, PASSWORD).status_code == 429
    services.user_reset_password(
        uidb64=tokens.password_reset_uid(world.citizen),
        token=tokens.password_reset_token_make(world.citizen),
        password="a-brand-new-secret-77",
    )
    assert web_log_in(world.citizen.email, "a-brand-new-secret-77").status_code == 302


# --- item 8: one client address, many people --------------------------------------------------


def test_many_accounts_sign_in_for_tokens_from_one_address(world):
    """A mobile carrier's NAT: every successful sign-in from one address gets its token."""
    users = [
        User.objects.create_user(
            email=f"nat{i}@example.com", password=PASSWORD, email_confirmed=True
        )
        for i in range(40)
    ]
    for user in users:
        response = api_token(user.email, PASSWORD, ip="203.0.113.9")
        assert response.status_code == 200, user.email
        assert response.json()["token"]


def test_many_accounts_log_in_on_the_web_from_one_address(world):
    for i in range(40):
        user = User.objects.create_user(
            email=f"office{i}@example.com", password=PASSWORD, email_confirmed=True
        )
        assert web_log_in(user.email, PASSWORD, ip="203.0.113.10").status_code == 302


def test_failures_from_one_address_are_limited(world, settings):
    settings.NARA_RATE_LIMITS = {**settings.NARA_RATE_LIMITS, "login_ip": (8, 300)}
    for i in range(8 + 1):  # different accounts, each under its own limit; the 9th is too many
        assert api_token(f"spray{i}@example.com", "123456", ip="198.51.100.5").status_code == 401
    assert api_token("spray-next@example.com", "123456", ip="198.51.100.5").status_code == 429
    assert web_log_in("spray-web@example.com", "123456", ip="198.51.100.5").status_code == 429
    # another address is not concerned
    assert api_token(world.citizen.email, PASSWORD, ip="198.51.100.6").status_code == 200


def test_the_waiting_page_says_how_long_and_sends_retry_after(world):
    first_wait = settings.NARA_SIGNIN_BACKOFF["FIRST_WAIT"]
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for i in range(FREE + 1):
            web_log_in(world.citizen.email, f"guess-{i}", ip=address(i))
        response = web_log_in(world.citizen.email, PASSWORD, ip=address(40))
    assert response.status_code == 429
    assert response["Retry-After"] == str(first_wait)
    alert = response.content.decode().split('role="alert"', 1)[1].split("</div>", 1)[0]
    assert (
        str(first_wait) in alert
    )  # "30초 후에 다시 시도하십시오": the real wait, not "a few minutes"


def test_another_spelling_that_reaches_the_account_shares_its_counter(world):
    """On PostgreSQL `email__iexact` is UPPER() = UPPER(): "alıce@example.com" (dotless ı)
    signs in as alice. It must not start a fresh counter with five free guesses."""
    from nara.accounts import throttle

    victim = world.citizen.email
    assert "i" in victim
    spelled = victim.replace("i", "\u0131")
    if not User.objects.filter(email__iexact=spelled).exists():
        pytest.skip("this database does not fold ı to I (SQLite's LIKE is ASCII-only)")
    for _ in range(settings.NARA_SIGNIN_BACKOFF["FREE"] + 1):
        throttle.signin_begin(ip="203.0.113.9", email=victim)  # counted up front
    assert throttle.signin_wait(ip="198.51.100.7", email=spelled) > 0
