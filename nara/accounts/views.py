"""Accounts pages: sign-up and e-mail confirmation, log in/out, two-factor authentication for
officials, password reset, profile. Writes go through nara.accounts.services."""

import math
from types import SimpleNamespace

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timezone import localtime
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language as django_set_language

from nara.core.access import citizen_required, public
from nara.core.confirm import confirm_page
from nara.core.forms import apply_service_errors
from nara.core.ratelimit import client_ip, client_key, hit

from . import services, tokens, totp
from .device import device_for, device_remember
from .forms import (
    EmailOnlyForm,
    LoginForm,
    ProfileForm,
    SetPasswordForm,
    SignUpForm,
    TotpCodeForm,
)
from .middleware import SESSION_FLAG
from .throttle import signin_begin, signin_failed, signin_refund, signin_succeeded

PENDING_SECRET = "nara_totp_pending"
TOO_MANY = _("Too many attempts. Wait a few minutes and try again.")
BAD_LOGIN = _("E-mail or password is incorrect.")


# --- helpers ------------------------------------------------------------------------------------


def _safe_next(request) -> str:
    url = request.POST.get("next") or request.GET.get("next") or ""
    if "\x00" in url or len(url) > 2000:
        return ""
    # Only a path on this site: "abc" or "-1" would make redirect() look up a URL name.
    if not url.startswith("/") or url.startswith(("//", "/\\")):
        return ""
    if url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return ""


def _with_next(url_name: str, next_url: str) -> str:
    from urllib.parse import urlencode

    url = resolve_url(url_name)
    return f"{url}?{urlencode({'next': next_url})}" if next_url else url


def _landing(user) -> str:
    if user.is_official:
        return resolve_url("office:inbox")
    if user.is_staff:
        return resolve_url("admin:index")
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _set_language(response, language: str):
    """Remember `language` in the language cookie (as Django's set_language view does)."""
    if language in dict(settings.LANGUAGES):
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=settings.LANGUAGE_COOKIE_AGE,
            path=settings.LANGUAGE_COOKIE_PATH,
            domain=settings.LANGUAGE_COOKIE_DOMAIN,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
            samesite=settings.LANGUAGE_COOKIE_SAMESITE,
        )
    return response


def _form_status(request, form) -> int:
    return 400 if request.method == "POST" and form.is_bound and form.errors else 200


# --- sign-up and e-mail confirmation ------------------------------------------------------------


@public
@sensitive_post_parameters("password1", "password2")
@require_http_methods(["GET", "POST"])
def signup(request):
    if request.user.is_authenticated:
        return redirect("accounts:profile")
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not hit("signup", client_ip(request)):
            return render(
                request, "accounts/signup.html", {"form": form, "limited": True}, status=429
            )
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.user_sign_up(
                    email=data["email"],
                    password=data["password1"],
                    name=data["name"],
                    preferred_language=data["preferred_language"],
                    accepted_terms=data["accept_terms"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                return redirect("accounts:signup_done")
    return render(
        request, "accounts/signup.html", {"form": form}, status=_form_status(request, form)
    )


@public
@require_GET
def signup_done(request):
    return render(request, "accounts/signup_done.html")


@public
@never_cache
@require_http_methods(["GET", "POST"])
def confirm_email(request, token):
    """GET shows a button (mail scanners follow links); only the POST confirms."""
    if request.method == "POST":
        try:
            user = services.user_confirm_email(token=token)
        except ValidationError as error:
            return _confirm_error(request, error)
        messages.success(request, _("Thank you: your e-mail address is confirmed."))
        if request.user.is_authenticated and request.user.pk == user.pk:
            return redirect("home")
        return redirect("accounts:login")
    try:
        user = tokens.confirmation_token_user(token)
    except ValidationError as error:
        return _confirm_error(request, error)
    return render(
        request,
        "accounts/confirm_email.html",
        {"already": user.email_confirmed, "email": user.email},
    )


def _confirm_error(request, error: ValidationError):
    return render(
        request,
        "accounts/confirm_email_error.html",
        {"error": error.messages[0], "form": EmailOnlyForm()},
        status=400,
    )


@public
@require_http_methods(["GET", "POST"])
def resend_confirmation(request):
    form = EmailOnlyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if not hit("signup", f"resend:{client_key(client_ip(request))}"):
            return render(
                request,
                "accounts/resend_confirmation.html",
                {"form": form, "limited": True},
                status=429,
            )
        if form.is_valid():
            services.user_resend_confirmation(email=form.cleaned_data["email"])
            return redirect("accounts:signup_done")
    return render(
        request,
        "accounts/resend_confirmation.html",
        {"form": form},
        status=_form_status(request, form),
    )


@public
@require_GET
def terms(request):
    """The terms moved to the footer's pages (/about/terms/, /about/privacy/); old links
    (in mails, bookmarks) still arrive."""
    return redirect("about:terms", permanent=True)


# --- log in and out -----------------------------------------------------------------------------


def _wait_page(request, template: str, context: dict, wait: int):
    """429: the form again, with how long to wait (also in Retry-After)."""
    if wait < 60:
        text = ngettext("%(n)d second", "%(n)d seconds", wait) % {"n": wait}
    else:
        minutes = math.ceil(wait / 60)
        text = ngettext("%(n)d minute", "%(n)d minutes", minutes) % {"n": minutes}
    context.update(limited=True, wait_text=text)
    response = render(request, template, context, status=429)
    response["Retry-After"] = str(wait)
    return response


@public
@sensitive_post_parameters("password")
@never_cache
@require_http_methods(["GET", "POST"])
def login(request):
    next_url = _safe_next(request)
    if request.method == "GET" and request.user.is_authenticated:
        return HttpResponseRedirect(next_url or _landing(request.user))
    form = LoginForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        if not form.is_valid():  # nothing to try: no attempt is counted, no row is written
            return render(request, "accounts/login.html", context, status=400)
        ip = client_ip(request)
        email = form.cleaned_data["email"]
        device = device_for(request, email)
        wait = signin_begin(ip=ip, email=email, device=device)
        if wait:
            return _wait_page(request, "accounts/login.html", context, wait)
        user = authenticate(
            request,
            username=form.cleaned_data["email"],
            password=form.cleaned_data["password"],
        )
        if user is None:
            signin_failed(ip=ip, email=email, device=device)
            form.add_error(None, BAD_LOGIN)
        elif not user.email_confirmed:
            signin_refund(email=email, device=device)
            context["unconfirmed"] = True
            context["resend_form"] = EmailOnlyForm(
                initial={"email": user.email}, auto_id="resend_%s"
            )
            form.add_error(
                None,
                _(
                    "Your e-mail address is not confirmed yet. Open the link we sent you, "
                    "or ask for a new one below."
                ),
            )
        else:
            return _logged_in(request, user, next_url, device=device)
        return render(request, "accounts/login.html", context, status=400)
    return render(request, "accounts/login.html", context)


def _logged_in(request, user, next_url: str, *, device: str):
    if user.needs_two_factor:
        signin_refund(email=user.email, device=device)  # the code comes next
    else:
        signin_succeeded(email=user.email, device=device)
    auth_login(request, user)  # rotates the session key
    request.session.pop(SESSION_FLAG, None)
    request.session.pop(PENDING_SECRET, None)
    if user.needs_two_factor:
        step = "accounts:2fa_verify" if user.totp_confirmed else "accounts:2fa_setup"
        response = HttpResponseRedirect(_with_next(step, next_url))
        # the language stays as chosen; the profile learns it once the second step is done
        return _set_language(response, _chosen_language(request) or user.preferred_language)
    response = HttpResponseRedirect(next_url or _landing(user))
    device_remember(request, response, user)
    return _keep_language(request, response, user)


LANGUAGE_CHOICE = "nara_language_choice"  # in a visitor's session: what they chose, until sign-in


def _chosen_language(request) -> str:
    """The language chosen with the header's buttons in this session, before signing in. Not
    the language cookie: the site itself writes it at every sign-in and it outlives signing out
    (on a shared computer, the last person's); nor a language only negotiated from
    Accept-Language."""
    chosen = request.session.get(LANGUAGE_CHOICE, "")
    return chosen if chosen in dict(settings.LANGUAGES) else ""


def _keep_language(request, response, user):
    """After a complete sign-in: the language chosen on the page before stays, and becomes the
    profile's preferred language (mail and notifications follow it); with no choice made, the
    profile's language applies."""
    chosen = _chosen_language(request)
    request.session.pop(LANGUAGE_CHOICE, None)
    if chosen and chosen != user.preferred_language:
        services.user_update_profile(user=user, preferred_language=chosen)
    translation.activate(user.preferred_language)
    return _set_language(response, user.preferred_language)


@public
@require_POST
def choose_language(request):
    """The header's language buttons: Django's set_language (the cookie, a safe `next`), and the
    choice kept: in the profile of someone signed in (mail and notifications follow it), in the
    session of a visitor, for their profile once they sign in (_keep_language)."""
    response = django_set_language(request)
    language = request.POST.get("language", "")
    if language not in dict(settings.LANGUAGES):
        return response
    user = request.user
    if user.is_authenticated and not (
        user.needs_two_factor and not request.session.get(SESSION_FLAG)
    ):
        if user.preferred_language != language:
            services.user_update_profile(user=user, preferred_language=language)
    else:
        request.session[LANGUAGE_CHOICE] = language
    return response


@public
@require_POST
def logout(request):
    auth_logout(request)
    messages.info(request, _("You are logged out."))
    return redirect(settings.LOGOUT_REDIRECT_URL)


# --- two-factor authentication (officials and operators) ----------------------------------------


def _two_factor_done(request, next_url: str):
    request.session.cycle_key()
    request.session[SESSION_FLAG] = True
    request.session.pop(PENDING_SECRET, None)
    response = HttpResponseRedirect(next_url or _landing(request.user))
    device_remember(request, response, request.user)
    return _keep_language(request, response, request.user)


@citizen_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_verify(request):
    user = request.user
    next_url = _safe_next(request)
    if not user.needs_two_factor or request.session.get(SESSION_FLAG):
        return HttpResponseRedirect(next_url or _landing(user))
    if not user.totp_confirmed:
        return HttpResponseRedirect(_with_next("accounts:2fa_setup", next_url))
    form = TotpCodeForm(request.POST if request.method == "POST" else None)
    context = {"form": form, "next": next_url}
    if request.method == "POST":
        ip = client_ip(request)
        device = device_for(request, user.email)
        wait = signin_begin(ip=ip, email=user.email, device=device)
        if not wait and not hit("two_factor", f"2fa:{user.pk}"):
            signin_refund(email=user.email, device=device)  # not tried
            wait = settings.NARA_RATE_LIMITS["two_factor"][1]
        if wait:
            return _wait_page(request, "accounts/2fa_verify.html", context, wait)
        if not form.is_valid():
            signin_refund(email=user.email, device=device)  # no code: nothing was tried
        else:
            if totp.verify(user, form.cleaned_data["code"]):
                signin_succeeded(email=user.email, device=device)
                return _two_factor_done(request, next_url)
            signin_failed(ip=ip, email=user.email, device=device)
            form.add_error(
                "code",
                _("The code is not correct or was already used. Wait for the next code."),
            )
    return render(request, "accounts/2fa_verify.html", context, status=_form_status(request, form))


@citizen_required
@never_cache
@require_http_methods(["GET", "POST"])
def two_factor_setup(request):
    user = request.user
    next_url = _safe_next(request)
    if not user.needs_two_factor:
        return HttpResponseRedirect(next_url or _landing(user))
    if user.totp_confirmed:
        return HttpResponseRedirect(_with_next("accounts:2fa_verify", next_url))
    secret = request.session.get(PENDING_SECRET)
    if not secret:
        secret = request.session[PENDING_SECRET] = totp.new_secret()
    form = TotpCodeForm(request.POST if request.method == "POST" else None)
    context = {
        "form": form,
        "next": next_url,
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
        "uri": totp.provisioning_uri(SimpleNamespace(totp_secret=secret, email=user.email)),
    }
    if request.method == "POST":
        if not hit("two_factor", f"2fa:{user.pk}"):
            context["limited"] = True
            return render(request, "accounts/2fa_setup.html", context, status=429)
        if form.is_valid():
            try:
                services.user_enable_totp(user=user, secret=secret, code=form.cleaned_data["code"])
            except ValidationError as error:
                apply_service_errors(form, error, field="code")
            else:
                messages.success(request, _("Two-factor authentication is set up."))
                return _two_factor_done(request, next_url)
    return render(request, "accounts/2fa_setup.html", context, status=_form_status(request, form))


# --- password reset -----------------------------------------------------------------------------


@public
@require_http_methods(["GET", "POST"])
def password_reset(request):
    form = EmailOnlyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        ip = client_ip(request)
        email = str(request.POST.get("email", ""))[:254].strip().lower()
        if not (hit("password_reset", ip) and hit("password_reset", f"email:{email}")):
            return render(
                request,
                "accounts/password_reset.html",
                {"form": form, "limited": True},
                status=429,
            )
        if form.is_valid():
            services.user_request_password_reset(email=form.cleaned_data["email"])
            return redirect("accounts:password_reset_sent")
    return render(
        request,
        "accounts/password_reset.html",
        {"form": form},
        status=_form_status(request, form),
    )


@public
@require_GET
def password_reset_sent(request):
    return render(request, "accounts/password_reset_sent.html")


@public
@sensitive_post_parameters("password1", "password2")
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset_confirm(request, uidb64, token):
    user = tokens.password_reset_user(uidb64, token)
    if user is None:
        return render(request, "accounts/password_reset_invalid.html", status=400)
    form = SetPasswordForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_reset_password(
                uidb64=uidb64, token=token, password=form.cleaned_data["password1"]
            )
        except ValidationError as error:
            if error.code == "invalid_link":
                return render(request, "accounts/password_reset_invalid.html", status=400)
            apply_service_errors(form, error, field="password1")
        else:
            messages.success(request, _("Your new password is set. You can log in now."))
            response = redirect("accounts:login")
            # the link proved the mailbox: this browser is the owner's, past any wait an
            # attacker keeps the account in (the new password ended the old device cookies)
            user.refresh_from_db()
            device_remember(request, response, user)
            return response
    return render(
        request,
        "accounts/password_reset_confirm.html",
        {"form": form},
        status=_form_status(request, form),
    )


# --- profile ------------------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def profile(request):
    user = request.user
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.is_valid():
            try:
                services.user_update_profile(user=user, **form.cleaned_data)
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                translation.activate(user.preferred_language)
                messages.success(request, _("Your profile has been saved."))
                return _set_language(redirect("accounts:profile"), user.preferred_language)
    else:
        form = ProfileForm(initial=ProfileForm.initial_for(user))
    return render(
        request,
        "accounts/profile.html",
        {"form": form, "profile_user": user},
        status=_form_status(request, form),
    )


@citizen_required
@never_cache
@require_GET
def api_tokens(request):
    """The user's API tokens (the mobile app's sign-ins): when each was issued, last used and
    ends, each with a button that revokes it."""
    context = {
        "tokens": services.api_tokens_of(request.user),
        "token_days": settings.NARA_API_TOKEN_DAYS,
    }
    return render(request, "accounts/api_tokens.html", context)


@citizen_required
@require_http_methods(["GET", "POST"])
def api_token_revoke(request, token_id: int):
    if request.method != "POST":
        token = next((t for t in services.api_tokens_of(request.user) if t.pk == token_id), None)
        if token is None:
            raise Http404
        return confirm_page(
            request,
            question=_("Revoke this token?"),
            consequence=_(
                "The app that uses it is signed out at once and has to sign in again. "
                "This cannot be undone."
            ),
            facts=[
                (_("App"), token.client or _("Unnamed app")),
                (_("Issued"), localtime(token.created_at).strftime("%Y-%m-%d %H:%M")),
            ],
            button=_("Yes, revoke it"),
            cancel=_("No, keep it"),
            back_url=reverse("accounts:api_tokens"),
        )
    try:
        services.api_token_revoke(by=request.user, token_id=token_id)
    except Http404:  # revoked meanwhile (another tab), or not one of theirs: the same answer
        messages.info(request, _("There is no such token: it may have been revoked already."))
    else:
        messages.success(request, _("The token is revoked: the app that used it is signed out."))
    return redirect("accounts:api_tokens")


@public
@require_GET
def admin_login(request, extra_context=None):
    """Used as Django admin's login view (admin.site.login): operators log in on the one login
    page, with its rate limits and the two-factor step. A signed-in user who is not an operator
    gets a 404 (sending them to the login page would bounce them straight back: a loop)."""
    if request.user.is_authenticated and not request.user.is_staff:
        raise Http404
    return HttpResponseRedirect(_with_next("accounts:login", _safe_next(request) or "/admin/"))
