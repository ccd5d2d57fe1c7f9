from datetime import timedelta

from django.conf import settings
from django.tasks import task
from django.utils import timezone

from .models import ApiToken, SignInThrottle
from .sessions import SessionStore


@task()
def clear_expired_sessions() -> int:
    """Delete the sessions past their expiry date (Django keeps them until `clearsessions`):
    the session table, read on every signed-in request, holds open sessions only. Expired API
    tokens and sign-in failures old enough to be forgotten go too."""
    now = timezone.now()
    ApiToken.objects.filter(expires_at__lte=now).delete()
    ApiToken.objects.filter(expires_at__isnull=True).delete()  # from before 0005: never valid
    forget = timedelta(seconds=settings.NARA_SIGNIN_BACKOFF["FORGET_AFTER"])
    SignInThrottle.objects.filter(last_failure_at__lt=now - forget).delete()
    return SessionStore.clear_expired()
