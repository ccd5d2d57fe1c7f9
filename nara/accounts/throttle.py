"""Sign-in throttling: how many wrong passwords and TOTP codes anyone may try.

Two limits, counting failures only (a successful sign-in is never counted, so any number of
people behind one office address or mobile carrier sign in undisturbed):
- per account, whatever the client address: one counter for the web's log-in page, its two-step
  page and the API's token endpoint. The first NARA_SIGNIN_BACKOFF["FREE"] failures cost
  nothing; then each attempt waits, FIRST_WAIT seconds doubling with every further failure up
  to MAX_WAIT. The failures are forgotten FORGET_AFTER seconds after the last one, and a full
  sign-in or a password reset clears them: the wait is never permanent, and the owner can
  always get in after it or by resetting the password. When the waiting starts, the owner is
  told by mail (at most once per FORGET_AFTER). The counter is keyed by a hash of the e-mail
  address, so an unknown address is throttled exactly like a known one (nothing to learn).
- per client address: after more than NARA_RATE_LIMITS["login_ip"] failures in a window (a
  generous number), the address waits one window.

While an account or address waits, the password or code is not even looked at. Each attempt is
counted as a failure before the password or code is looked at, under the counter's row lock
(signin_begin), and given back when it was right (signin_succeeded, signin_refund): parallel
guesses cannot all slip in before the first one is counted.

The owner can always get in, whatever an attacker does (OWASP's "device cookie"): a full sign-in
on the web leaves a signed cookie naming the account (nara.accounts.device). An attempt that
presents it is not held up by the account's wait, which anyone knowing the e-mail address can
keep running with one wrong password every time it ends; it counts its failures against
(account, device) with the same back-off instead, so a stolen cookie buys no free guesses, and
the per-address ceiling applies as to everyone. A new device, or one whose cookie was lost,
waits like anyone else, and a password reset ends that wait.
"""

import hashlib
import math
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.ratelimit import hit
from nara.notifications.services import email_enqueue

from .models import SignInThrottle, User


def _normalised(email: str) -> str:
    return str(email or "").strip()[:254].lower()  # as LoginForm: strip, then the length


def _key(email: str, device: str = "") -> str:
    """The counter's key: the account's own address when `email` names one the way sign-in
    finds it (`email__iexact`: on PostgreSQL "alıce@…" with a dotless ı, or "ſ" for "s", is
    alice's account too), else the address as typed. Every spelling that reaches an account
    shares its one counter. With a `device` (nara.accounts.device), that device's own counter
    for the account."""
    typed = _normalised(email)
    stored = None
    if "\x00" not in typed:  # no address holds NUL, and PostgreSQL refuses it in a query
        stored = User.objects.filter(email__iexact=typed).values_list("email", flat=True).first()
    account = (stored or typed).lower()
    if device:
        account = f"{account}\n{device}"
    return hashlib.sha256(account.encode()).hexdigest()


def _address_flag(ip: str) -> str:
    return "signin-address-waits:" + hashlib.sha256(ip.encode()).hexdigest()[:32]


def backoff_seconds(failures: int) -> int:
    """The wait after `failures` failures in a row: 0 for the first FREE ones, then FIRST_WAIT
    doubling with each further failure, at most MAX_WAIT."""
    rules = settings.NARA_SIGNIN_BACKOFF
    extra = failures - rules["FREE"]
    if extra < 0:
        return 0
    return min(rules["FIRST_WAIT"] * 2 ** min(extra, 32), rules["MAX_WAIT"])


def signin_wait(*, ip: str, email: str, device: str = "") -> int:
    """Seconds to wait before a sign-in attempt for `email` from `ip` is looked at; 0 if it may
    be tried now. Only reads: an attempt itself starts with signin_begin."""
    if cache.get(_address_flag(ip)):
        return settings.NARA_RATE_LIMITS["login_ip"][1]
    wait_until = (
        SignInThrottle.objects.filter(key=_key(email, device))
        .values_list("wait_until", flat=True)
        .first()
    )
    return _seconds_until(wait_until)


def _seconds_until(wait_until) -> int:
    if wait_until is None:
        return 0
    return max(0, math.ceil((wait_until - timezone.now()).total_seconds()))


def signin_begin(*, ip: str, email: str, device: str = "") -> int:
    """Start a sign-in attempt for `email` from `ip` (with the device cookie's `device`, if
    any). Returns the seconds to wait if it may not be tried now (nothing is counted then);
    else 0, and the attempt is already counted as a failure, under the counter's row lock,
    before the password or code is looked at. The caller then ends it with signin_failed,
    signin_refund or signin_succeeded."""
    if cache.get(_address_flag(ip)):
        return settings.NARA_RATE_LIMITS["login_ip"][1]
    now = timezone.now()
    forget = timedelta(seconds=settings.NARA_SIGNIN_BACKOFF["FORGET_AFTER"])
    with transaction.atomic():
        throttle, _created = SignInThrottle.objects.select_for_update().get_or_create(
            key=_key(email, device), defaults={"last_failure_at": now}
        )
        wait = _seconds_until(throttle.wait_until)
        if wait:
            return wait
        if now - throttle.last_failure_at > forget:
            throttle.failures = 0
        throttle.failures += 1
        throttle.last_failure_at = now
        backoff = backoff_seconds(throttle.failures)
        throttle.wait_until = now + timedelta(seconds=backoff) if backoff else None
        throttle.save()
    return 0


def signin_failed(*, ip: str, email: str, device: str = "") -> int:
    """The attempt signin_begin counted was a wrong password or code: count it against `ip`
    too, and tell the owner the first time the account (or device) starts to wait. Returns the
    failures in a row."""
    if not hit("login_ip", ip):
        cache.set(_address_flag(ip), True, timeout=settings.NARA_RATE_LIMITS["login_ip"][1])
    now = timezone.now()
    forget = timedelta(seconds=settings.NARA_SIGNIN_BACKOFF["FORGET_AFTER"])
    with transaction.atomic():
        throttle = (
            SignInThrottle.objects.select_for_update().filter(key=_key(email, device)).first()
        )
        if throttle is None:  # a full sign-in cleared it meanwhile
            return 0
        if throttle.wait_until and (
            throttle.notified_at is None or now - throttle.notified_at > forget
        ):
            typed = _normalised(email)
            user = None
            if "\x00" not in typed:
                user = User.objects.filter(email__iexact=typed, is_active=True).first()
            if user is not None:
                _tell_owner(user, ip=ip, failures=throttle.failures)
            throttle.notified_at = now
            throttle.save(update_fields=["notified_at"])
    return throttle.failures


def signin_refund(*, email: str, device: str = "") -> None:
    """The attempt signin_begin counted had the right password, but the sign-in is not complete
    (the TOTP code comes next, or the address is not confirmed yet): it was no failure."""
    with transaction.atomic():
        throttle = (
            SignInThrottle.objects.select_for_update().filter(key=_key(email, device)).first()
        )
        if throttle is None:
            return
        throttle.failures = max(0, throttle.failures - 1)
        throttle.wait_until = None  # the wait this attempt started; a wrong code starts it again
        throttle.save(update_fields=["failures", "wait_until"])


def signin_succeeded(*, email: str, device: str = "") -> None:
    """A full sign-in (password, and the TOTP code where one is needed): forget the failures,
    the account's and the device's."""
    SignInThrottle.objects.filter(key__in={_key(email), _key(email, device)}).delete()


def _tell_owner(user: User, *, ip: str, failures: int) -> None:
    """The mail and audit event when an account starts to wait (inside the transaction). The
    mail carries nothing the person trying chose."""
    reset = f"{settings.SITE_URL}{reverse('accounts:password_reset')}"
    with translation.override(user.preferred_language or settings.LANGUAGE_CODE):
        subject = _("Failed sign-ins to your Nara account")
        body = _(
            "Hello,\n\n"
            "Someone tried several times to sign in to your Nara account with a wrong password "
            "or two-factor code. To protect your account, each further attempt now has to wait "
            "a few minutes.\n\n"
            "If this was you, wait a little and try again, or set a new password: {reset}\n\n"
            "If it was not you, nobody has signed in; setting a new password keeps it so."
        ).format(reset=reset)
    email_enqueue(to=user.email, subject=subject, body=body)
    audit_record(
        actor=None,
        event_type=EventType.USER_SIGNIN_THROTTLED,
        target=user,
        data={"failures": failures, "client_address": ip},
    )
