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

While an account or address waits, the password or code is not even looked at.
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
    return str(email or "")[:254].strip().lower()


def _key(email: str) -> str:
    """The counter's key: the account's own address when `email` names one the way sign-in
    finds it (`email__iexact`: on PostgreSQL "alıce@…" with a dotless ı, or "ſ" for "s", is
    alice's account too), else the address as typed. Every spelling that reaches an account
    shares its one counter."""
    typed = _normalised(email)
    stored = User.objects.filter(email__iexact=typed).values_list("email", flat=True).first()
    return hashlib.sha256((stored or typed).lower().encode()).hexdigest()


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


def signin_wait(*, ip: str, email: str) -> int:
    """Seconds to wait before a sign-in attempt for `email` from `ip` is looked at; 0 if it may
    be tried now."""
    if cache.get(_address_flag(ip)):
        return settings.NARA_RATE_LIMITS["login_ip"][1]
    wait_until = (
        SignInThrottle.objects.filter(key=_key(email)).values_list("wait_until", flat=True).first()
    )
    if wait_until is None:
        return 0
    return max(0, math.ceil((wait_until - timezone.now()).total_seconds()))


def signin_failed(*, ip: str, email: str) -> int:
    """Count a wrong password or code for `email` from `ip`. Returns the account's failures in a
    row. Starts the account's wait after FREE failures, and tells the owner the first time."""
    if not hit("login_ip", ip):
        cache.set(_address_flag(ip), True, timeout=settings.NARA_RATE_LIMITS["login_ip"][1])
    rules = settings.NARA_SIGNIN_BACKOFF
    now = timezone.now()
    forget = timedelta(seconds=rules["FORGET_AFTER"])
    with transaction.atomic():
        throttle, _created = SignInThrottle.objects.select_for_update().get_or_create(
            key=_key(email), defaults={"last_failure_at": now}
        )
        if now - throttle.last_failure_at > forget:
            throttle.failures = 0
        throttle.failures += 1
        throttle.last_failure_at = now
        wait = backoff_seconds(throttle.failures)
        throttle.wait_until = now + timedelta(seconds=wait) if wait else None
        if wait and (throttle.notified_at is None or now - throttle.notified_at > forget):
            user = User.objects.filter(email__iexact=_normalised(email), is_active=True).first()
            if user is not None:
                _tell_owner(user, ip=ip, failures=throttle.failures)
            throttle.notified_at = now
        throttle.save()
    return throttle.failures


def signin_succeeded(*, email: str) -> None:
    """A full sign-in (password, and the TOTP code where one is needed): forget the failures."""
    SignInThrottle.objects.filter(key=_key(email)).delete()


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
