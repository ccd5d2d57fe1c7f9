"""API tokens (/api/v1/auth/token): sign in for a token, and revoke the token used.

Wrong passwords and TOTP codes count against the account (one counter with the web's sign-in,
whatever the client address) and against the client address, with a generous ceiling; a
successful sign-in is never counted (nara.accounts.throttle). A user has at most
NARA_API_TOKENS_PER_USER live tokens: a new one ends the oldest; and at most
NARA_RATE_LIMITS["api_token_signins"] successful sign-ins per window (then no password is
checked for the account until the window ends: only its holder can start that wait)."""

import hashlib
from datetime import datetime

from django.conf import settings
from django.contrib.auth import authenticate
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja import Status as HttpStatus

from nara.accounts import services as account_services
from nara.accounts import totp
from nara.accounts.device import device_new, device_of
from nara.accounts.models import ApiToken
from nara.accounts.throttle import signin_begin, signin_failed, signin_refund, signin_succeeded
from nara.core import ratelimit

from . import schemas as s
from .api import api

auth_router = Router(tags=["auth"])


class TokenIssuedOut(Schema):
    token: str
    expires_at: datetime
    device: str = Field(
        description="Send it back as `device` with this app's next sign-in: an attempt with it "
        "is not held up by the account's wait that others' wrong passwords started"
    )


@auth_router.post(
    "/token",
    auth=None,
    response={200: TokenIssuedOut, 400: s.ErrorOut, 401: s.DetailOut, 429: s.DetailOut},
    summary="Sign in for a token",
)
def token_issue(request, payload: s.TokenIn):
    """Exchange e-mail and password (and, for officials, a TOTP code as `otp`) for a bearer
    token. The token ends at `expires_at` (NARA_API_TOKEN_DAYS days), when the password changes,
    or when it is revoked (`DELETE /auth/token`, or on the profile's token page). 429 with a
    Retry-After header after repeated wrong passwords or codes for the account or from the
    client address; with the `device` of an earlier sign-in, only after repeated wrong ones with
    that `device` (others' wrong passwords cannot keep the app out); and after more than
    NARA_RATE_LIMITS["api_token_signins"] successful sign-ins for the account in its window."""
    ip = ratelimit.client_ip(request)
    if cache.get(_signins_flag(payload.email)):
        return _too_many(request, settings.NARA_RATE_LIMITS["api_token_signins"][1])
    device = device_of(payload.device, payload.email)
    wait = signin_begin(ip=ip, email=payload.email, device=device)
    if wait:
        return _too_many(request, wait)
    user = authenticate(request, username=payload.email.strip().lower(), password=payload.password)
    if user is None:
        signin_failed(ip=ip, email=payload.email, device=device)
        return HttpStatus(401, {"detail": _("E-mail or password is incorrect.")})
    if not user.email_confirmed:
        signin_refund(email=payload.email, device=device)  # the right password: no failure
        return HttpStatus(401, {"detail": _("E-mail or password is incorrect.")})
    if user.needs_two_factor:
        if not user.totp_confirmed:
            signin_refund(email=payload.email, device=device)
            return HttpStatus(
                401, {"detail": _("Set up two-factor authentication on the website first.")}
            )
        if not payload.otp or not totp.verify(user, payload.otp):
            signin_failed(ip=ip, email=payload.email, device=device)
            return HttpStatus(401, {"detail": _("A valid two-factor code (otp) is required.")})
    signin_succeeded(email=payload.email, device=device)
    if not ratelimit.hit("api_token_signins", str(user.pk)):
        # only the password's holder gets here: until the window ends, no more password checks
        window = settings.NARA_RATE_LIMITS["api_token_signins"][1]
        cache.set(_signins_flag(user.email), True, timeout=window)
        return _too_many(request, window)
    raw = ApiToken.issue(
        user, two_factor=user.needs_two_factor, client=request.headers.get("User-Agent", "")
    )
    # read back with .first(): a parallel sign-in past the cap may already have ended it
    issued = ApiToken.objects.only("expires_at").filter(key_hash=ApiToken.hash(raw)).first()
    expires_at = issued.expires_at if issued else timezone.now()
    return HttpStatus(
        200, {"token": raw, "expires_at": s.local(expires_at), "device": device_new(user)}
    )


def _signins_flag(email: str) -> str:
    typed = str(email or "").strip()[:254].lower()
    return "api-token-signins-wait:" + hashlib.sha256(typed.encode()).hexdigest()[:32]


def _too_many(request, wait: int):
    response = api.create_response(
        request, {"detail": _("Too many attempts. Try again later.")}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


@auth_router.delete(
    "/token",
    response={204: None, 401: s.DetailOut},
    summary="Revoke the token used",
)
def token_revoke(request):
    """Revoke the token this request is made with (signing out of the app). The user's other
    tokens stay; they are listed, and can be revoked, on the profile's token page."""
    account_services.api_token_revoke(by=request.auth, token_id=request.api_token.pk)
    return HttpStatus(204, None)
