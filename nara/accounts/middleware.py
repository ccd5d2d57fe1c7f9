from django.shortcuts import redirect

SESSION_FLAG = "nara_2fa_verified"
OPEN_PREFIXES = ("/accounts/2fa/", "/accounts/logout/", "/static/", "/i18n/", "/healthz", "/api/")


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
