"""The device cookie (OWASP's answer to lock-outs an attacker can trigger, nara.accounts.throttle):
a full sign-in on the web leaves a signed, HttpOnly cookie naming the account. A later sign-in
attempt for that account from the same browser counts its failures against (account, device)
instead of waiting with the account. The API's app gets the same as `device` with its token and
sends it back with its next sign-in.

The cookie holds a random device id and a tag of the account's id and password hash: it names
one account, and ends with a password change, so a stolen cookie dies with a password reset."""

import hashlib
import secrets

from django.conf import settings
from django.core import signing
from django.utils.crypto import constant_time_compare

from .models import User

COOKIE = "nara_device"
SALT = "nara.accounts.device"
MAX_AGE = 365 * 24 * 3600


def _tag(user: User) -> str:
    return hashlib.sha256(f"{user.pk}\n{user.password}".encode()).hexdigest()[:32]


def device_new(user: User) -> str:
    """A signed value naming `user` and a new device id (the cookie's, or the API's `device`)."""
    return signing.dumps({"a": _tag(user), "d": secrets.token_hex(16)}, salt=SALT)


def device_remember(request, response, user: User) -> None:
    """After a full web sign-in: the cookie naming `user` (a new device id each time)."""
    response.set_cookie(
        COOKIE,
        device_new(user),
        max_age=MAX_AGE,
        httponly=True,
        secure=request.is_secure() or settings.SESSION_COOKIE_SECURE,
        samesite="Lax",
    )


def device_for(request, email: str) -> str:
    """The device id of the request's cookie if it names the account `email` signs in to,
    else ""."""
    return device_of(request.COOKIES.get(COOKIE), email)


def device_of(value, email: str) -> str:
    """The device id in a signed `value` if it names the account `email` signs in to, else ""
    (none, a forged or expired one, another account's, an older password's)."""
    if not value or not isinstance(value, str):
        return ""
    try:
        data = signing.loads(value, salt=SALT, max_age=MAX_AGE)
    except signing.BadSignature:
        return ""
    if not isinstance(data, dict) or not isinstance(data.get("d"), str):
        return ""
    email = str(email or "").strip()[:254]
    user = None if "\x00" in email else User.objects.filter(email__iexact=email).first()
    if user is None or not constant_time_compare(str(data.get("a", "")), _tag(user)):
        return ""
    return data["d"]
