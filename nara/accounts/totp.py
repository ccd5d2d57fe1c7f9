"""TOTP (RFC 6238) for officials and operators."""

import pyotp
from django.utils import timezone

ISSUER = "Nara"


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user) -> str:
    return pyotp.TOTP(user.totp_secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def verify(user, code: str, *, secret: str | None = None) -> bool:
    """Check a 6-digit code (one step of clock drift allowed). A code is accepted once only."""
    from .models import User

    secret = secret or user.totp_secret
    code = "".join(ch for ch in str(code or "") if ch.isdigit())
    if not secret or len(code) != 6:
        return False
    totp = pyotp.TOTP(secret)
    now = timezone.now().timestamp()
    for drift in (0, -1, 1):
        step = int(now // totp.interval) + drift
        if totp.at(step * totp.interval) == code:
            # atomically move the last used step forward; fails if this step was already used
            updated = User.objects.filter(pk=user.pk, totp_last_step__lt=step).update(
                totp_last_step=step
            )
            if updated:
                user.totp_last_step = step
                return True
            return False
    return False


def step_now() -> int:
    return int(timezone.now().timestamp() // 30)


__all__ = ["new_secret", "provisioning_uri", "verify", "step_now"]
