from django.conf import settings
from django.contrib import auth
from django.contrib.auth import middleware as auth_middleware
from django.shortcuts import redirect
from django.utils.functional import SimpleLazyObject

from .sessions import SessionStore, reading_user_of

SESSION_FLAG = "nara_2fa_verified"
OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/", "/healthz", "/api/")


class AuthenticationMiddleware(auth_middleware.AuthenticationMiddleware):
    """Django's, except that the request's user is the one read with its session row
    (nara/accounts/sessions.py) instead of a query of its own; Django's alone with
    `NARA_OFF=sessions`."""

    def process_request(self, request):
        super().process_request(request)
        if "sessions" not in settings.NARA_OFF:
            request.user = SimpleLazyObject(lambda: _user_of(request))


def _user_of(request):
    """The request's user (evaluated once: the lazy object keeps it), read while the backend
    can take the user its session's row brought."""
    session = request.session
    reading = reading_user_of.set(session if isinstance(session, SessionStore) else None)
    try:
        return auth.get_user(request)
    finally:
        reading_user_of.reset(reading)


class OfficialTwoFactorMiddleware:
    """Officials and operators must pass TOTP before anything else in the session."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and not request.session.get(SESSION_FLAG)
            and user.needs_two_factor
            and not request.path.startswith(OPEN_PREFIXES)
        ):
            return redirect("accounts:2fa_verify" if user.totp_confirmed else "accounts:2fa_setup")
        return self.get_response(request)
