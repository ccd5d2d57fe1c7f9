"""Signed links sent by e-mail: e-mail confirmation and password reset.

The confirmation link carries a TimestampSigner value (user id + a short hash of the address),
valid for CONFIRMATION_MAX_AGE. The password-reset link uses Django's default_token_generator,
which stops working as soon as the password changes or after PASSWORD_RESET_TIMEOUT.
"""

import hashlib
from datetime import timedelta

from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

CONFIRMATION_MAX_AGE = timedelta(days=3)
_CONFIRM_SALT = "nara.accounts.confirm-email"


def _email_tag(email: str) -> str:
    return hashlib.sha256(email.lower().encode()).hexdigest()[:16]


def confirmation_token_make(user) -> str:
    """A signed, expiring token that confirms `user`'s current e-mail address."""
    return signing.TimestampSigner(salt=_CONFIRM_SALT).sign(f"{user.pk}.{_email_tag(user.email)}")


def confirmation_token_user(token: str):
    """The user a confirmation token belongs to. ValidationError (code "expired" or "invalid")
    for a token that is too old, tampered with, or no longer matches the account."""
    from .models import User

    try:
        value = signing.TimestampSigner(salt=_CONFIRM_SALT).unsign(
            str(token or ""), max_age=CONFIRMATION_MAX_AGE
        )
    except signing.SignatureExpired:
        raise ValidationError(
            _("This confirmation link has expired. Ask for a new one below."), code="expired"
        )
    except (signing.BadSignature, ValueError, TypeError):
        raise ValidationError(_("This confirmation link is not valid."), code="invalid")
    user_id, _sep, tag = value.partition(".")
    try:
        user = User.objects.get(pk=int(user_id), is_active=True)
    except (ValueError, OverflowError, User.DoesNotExist):
        raise ValidationError(_("This confirmation link is not valid."), code="invalid")
    if tag != _email_tag(user.email):
        raise ValidationError(_("This confirmation link is not valid."), code="invalid")
    return user


def password_reset_uid(user) -> str:
    return urlsafe_base64_encode(force_bytes(user.pk))


def password_reset_token_make(user) -> str:
    return default_token_generator.make_token(user)


def password_reset_user(uidb64: str, token: str):
    """The user of a valid password-reset link, or None (tampered, used, or expired)."""
    from .models import User

    try:
        user_id = int(force_str(urlsafe_base64_decode(str(uidb64 or ""))))
        user = User.objects.get(pk=user_id, is_active=True)
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError, User.DoesNotExist):
        return None
    if not default_token_generator.check_token(user, str(token or "")):
        return None
    return user
