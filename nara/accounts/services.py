"""Every write to accounts: sign-up, e-mail confirmation, profile, TOTP, password reset, API
tokens, deactivation.

Each function runs in one transaction and writes its audit event there; mails go through the
outbox (nara.notifications.services.email_enqueue) in the same transaction.
"""

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import NotAllowed
from nara.notifications.services import email_enqueue

from . import tokens, totp
from .models import ApiToken, Session, User
from .throttle import signin_succeeded

PROFILE_FIELDS = ("name", "phone", "region", "preferred_language", "notify_email", "notify_site")


def _language(code: str | None) -> str:
    known = {code for code, _name in settings.LANGUAGES}
    return code if code in known else settings.LANGUAGE_CODE


def _absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


# --- sign-up and e-mail confirmation ------------------------------------------------------------


# Mail to an address not yet confirmed carries no text the person who typed the address chose
# (no name): a stranger's sign-up must not turn an official mail into their message.


def _mail_confirmation(user: User) -> None:
    link = _absolute(reverse("accounts:confirm_email", args=[tokens.confirmation_token_make(user)]))
    with translation.override(_language(user.preferred_language)):
        subject = _("Confirm your e-mail address for Nara")
        body = _(
            "Hello,\n\n"
            "Please confirm your e-mail address by opening this link and pressing "
            '"Confirm" (the link works for 3 days):\n\n{link}\n\n'
            "If you did not sign up for Nara, ignore this message."
        ).format(link=link)
    email_enqueue(to=user.email, subject=subject, body=body)


def _mail_already_registered(user: User) -> None:
    login = _absolute(reverse("accounts:login"))
    reset = _absolute(reverse("accounts:password_reset"))
    with translation.override(_language(user.preferred_language)):
        subject = _("You already have a Nara account")
        body = _(
            "Hello,\n\n"
            "Someone (probably you) tried to sign up for Nara with this e-mail address, "
            "but you already have an account.\n\n"
            "Log in: {login}\n"
            "Forgot your password? Set a new one: {reset}\n\n"
            "If this was not you, you can ignore this message; your account has not changed."
        ).format(login=login, reset=reset)
    email_enqueue(to=user.email, subject=subject, body=body)


def user_sign_up(
    *,
    email: str,
    password: str,
    name: str,
    preferred_language: str,
    accepted_terms: bool = False,
) -> User:
    """Create a citizen account with an unconfirmed e-mail address and mail the confirmation
    link. The answer never reveals whether the address is already registered: in that case
    nothing is created, the owner of the address gets a "you already have an account" mail (or
    a fresh confirmation link if they never confirmed) and the existing user is returned."""
    email = User.objects.normalize_email((email or "").strip()).lower()
    validate_email(email)
    name = (name or "").strip()
    preferred_language = _language(preferred_language)
    validate_password(password, User(email=email, name=name))

    existing = User.objects.filter(email__iexact=email).first()
    if existing is None:
        try:
            with transaction.atomic():
                user = User.objects.create_user(
                    email=email,
                    password=password,
                    name=name,
                    preferred_language=preferred_language,
                    email_confirmed=False,
                )
                audit_record(
                    actor=user,
                    event_type=EventType.USER_SIGNED_UP,
                    target=user,
                    to_state="unconfirmed",
                    data={"preferred_language": preferred_language, "terms": accepted_terms},
                )
                _mail_confirmation(user)
                return user
        except IntegrityError:  # signed up twice at the same moment
            existing = User.objects.filter(email__iexact=email).first()
            if existing is None:
                raise
    User().set_password(password)  # as much work as a new account: timing tells nothing
    with transaction.atomic():
        if existing.email_confirmed or not existing.is_active:
            _mail_already_registered(existing)
        else:
            _mail_confirmation(existing)
    return existing


def user_resend_confirmation(*, email: str) -> None:
    """Mail the confirmation link again if `email` belongs to an unconfirmed account.
    Says nothing either way."""
    user = User.objects.filter(
        email__iexact=(email or "").strip(), email_confirmed=False, is_active=True
    ).first()
    if user is not None:
        with transaction.atomic():
            _mail_confirmation(user)


def user_confirm_email(*, token: str) -> User:
    """Confirm the address a confirmation link was sent to. ValidationError for an expired or
    invalid link. Confirming twice is harmless (no second audit event)."""
    user = tokens.confirmation_token_user(token)
    with transaction.atomic():
        changed = User.objects.filter(pk=user.pk, email_confirmed=False).update(
            email_confirmed=True
        )
        if changed:
            audit_record(
                actor=user,
                event_type=EventType.USER_EMAIL_CONFIRMED,
                target=user,
                from_state="unconfirmed",
                to_state="confirmed",
            )
    user.email_confirmed = True
    return user


# --- profile and TOTP ---------------------------------------------------------------------------


def user_update_profile(*, user: User, **fields) -> User:
    """Change the profile fields given (name, phone, region, preferred_language, notify_email,
    notify_site). The audit event lists the names of the fields that changed, not their values."""
    unknown = set(fields) - set(PROFILE_FIELDS)
    if unknown:
        raise ValueError(f"not profile fields: {', '.join(sorted(unknown))}")
    if "preferred_language" in fields:
        fields["preferred_language"] = _language(fields["preferred_language"])
    for text_field in ("name", "phone"):
        if text_field in fields:
            fields[text_field] = (fields[text_field] or "").strip()
    with transaction.atomic():
        locked = User.objects.select_for_update().get(pk=user.pk)
        changed = sorted(
            field for field, value in fields.items() if getattr(locked, field) != value
        )
        for field in changed:
            setattr(locked, field, fields[field])
            setattr(user, field, fields[field])
        if changed:
            locked.full_clean(exclude=[f.name for f in User._meta.fields if f.name not in changed])
            locked.save(update_fields=changed)
            audit_record(
                actor=user,
                event_type=EventType.USER_PROFILE_UPDATED,
                target=user,
                data={"fields": changed},
            )
    return user


def user_enable_totp(*, user: User, secret: str, code: str) -> User:
    """Turn on two-factor authentication with `secret` once the user proves their app shows the
    right code. ValidationError when the code is wrong or already used."""
    if user.totp_confirmed:
        raise ValidationError(gettext_lazy("Two-factor authentication is already set up."))
    if not secret or not totp.verify(user, code, secret=secret):
        raise ValidationError(
            gettext_lazy("The code is not correct. Check the time on your phone and try again."),
            code="bad_code",
        )
    with transaction.atomic():
        user.totp_secret = secret
        user.totp_confirmed = True
        user.save(update_fields=["totp_secret", "totp_confirmed"])
        audit_record(
            actor=user,
            event_type=EventType.USER_TOTP_ENABLED,
            target=user,
            from_state="off",
            to_state="on",
        )
    return user


# --- password reset -----------------------------------------------------------------------------


def user_request_password_reset(*, email: str) -> None:
    """Mail a password-reset link if `email` belongs to an active account. Says nothing either
    way, so the answer does not reveal which addresses are registered."""
    user = User.objects.filter(email__iexact=(email or "").strip(), is_active=True).first()
    if user is None:
        return
    link = _absolute(
        reverse(
            "accounts:password_reset_confirm",
            args=[tokens.password_reset_uid(user), tokens.password_reset_token_make(user)],
        )
    )
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    with translation.override(_language(user.preferred_language)), transaction.atomic():
        subject = _("Set a new password for Nara")
        body = _(
            "Hello,\n\n"
            "To set a new password, open this link (it works for {hours} hours and only once):"
            "\n\n{link}\n\n"
            "If you did not ask for this, ignore this message; your password has not changed."
        ).format(link=link, hours=hours)
        email_enqueue(to=user.email, subject=subject, body=body)


def user_reset_password(*, uidb64: str, token: str, password: str) -> User:
    """Set a new password from a reset link. The link proves the user reads mail at this address,
    so the address counts as confirmed too. ValidationError for an invalid link or password.
    The user's API tokens are revoked (whoever knew the old password may have issued one); their
    other sessions end by themselves, as the session hash follows the password."""
    user = tokens.password_reset_user(uidb64, token)
    if user is None:
        raise ValidationError(
            gettext_lazy("This link is not valid any more. Ask for a new one."),
            code="invalid_link",
        )
    validate_password(password, user)
    with transaction.atomic():
        was_confirmed = user.email_confirmed
        user.set_password(password)
        user.email_confirmed = True
        user.save(update_fields=["password", "email_confirmed"])
        tokens_revoked, _counts = ApiToken.objects.filter(user=user).delete()
        signin_succeeded(email=user.email)  # the owner proved it: no more waiting
        audit_record(
            actor=user,
            event_type=EventType.USER_PASSWORD_RESET,
            target=user,
            data={
                "email_confirmed_by_reset": not was_confirmed,
                "api_tokens_revoked": tokens_revoked,
            },
        )
    return user


def user_totp_reset(*, by, user: User) -> User:
    """Clear an official's TOTP secret (a lost phone): they set it up again at the next login.
    Their sessions and API tokens end, so nothing stays signed in past the old second factor.
    Only a superuser may reset a superuser's (NotAllowed otherwise)."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if user.is_superuser and not (by is not None and by.is_superuser):
            raise NotAllowed(gettext_lazy("Only a superuser may change a superuser's account."))
        user.totp_secret = ""
        user.totp_confirmed = False
        user.totp_last_step = 0
        user.save(update_fields=["totp_secret", "totp_confirmed", "totp_last_step"])
        ApiToken.objects.filter(user=user).delete()
        Session.objects.filter(user=user).delete()
        audit_record(actor=by, event_type=EventType.USER_TOTP_RESET, target=user)
    return user


# --- API tokens ---------------------------------------------------------------------------------


def api_tokens_of(user: User) -> list[ApiToken]:
    """The user's API tokens that still count (not expired, issued under the current password),
    newest first."""
    tag = ApiToken.password_tag_of(user)
    return [
        token
        for token in ApiToken.objects.filter(user=user, expires_at__gt=timezone.now())
        if token.password_tag == tag
    ]


def api_token_revoke(*, by: User, token_id: int) -> None:
    """End one of `by`'s own API tokens. Http404 for a token that is not theirs (or is gone)."""
    with transaction.atomic():
        deleted, _counts = ApiToken.objects.filter(pk=token_id, user=by).delete()
        if not deleted:
            raise Http404
        audit_record(
            actor=by,
            event_type=EventType.USER_API_TOKEN_REVOKED,
            target=by,
            data={"token": token_id},
        )


# --- deactivation -------------------------------------------------------------------------------


def user_deactivate(*, by, user: User) -> User:
    """Deactivate an account and pseudonymise it: the name, phone, region, e-mail address,
    password and TOTP secret are replaced or cleared, its powers removed, its sessions and API
    tokens ended. The row stays, so audit events and everything the person filed keep their
    actor (accounts are never deleted). Nobody deactivates their own account; only a superuser
    a superuser's (NotAllowed otherwise). Deactivating twice changes nothing more."""
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        if by is not None and by.pk == user.pk:
            raise NotAllowed(gettext_lazy("You cannot deactivate your own account."))
        if user.is_superuser and not (by is not None and by.is_superuser):
            raise NotAllowed(gettext_lazy("Only a superuser may change a superuser's account."))
        pseudonym = f"deactivated-{user.pk}@deactivated.invalid"
        if user.email == pseudonym and not user.is_active:
            return user
        signin_succeeded(email=user.email)  # the throttle is keyed by the old address
        from_state = "active" if user.is_active else "inactive"
        user.email = pseudonym
        user.name = ""
        user.phone = ""
        user.region = None
        user.set_unusable_password()
        user.totp_secret = ""
        user.totp_confirmed = False
        user.email_confirmed = False
        user.notify_email = False
        user.notify_site = False
        user.is_active = False
        user.is_staff = False
        user.is_moderator = False
        user.is_superuser = False
        user.save()
        user.groups.clear()
        user.user_permissions.clear()
        tokens_revoked, _counts = ApiToken.objects.filter(user=user).delete()
        Session.objects.filter(user=user).delete()
        audit_record(
            actor=by,
            event_type=EventType.USER_DEACTIVATED,
            target=user,
            from_state=from_state,
            to_state="deactivated",
            data={"api_tokens_revoked": tokens_revoked},
        )
    return user
