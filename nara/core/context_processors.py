from functools import cache

from django.conf import settings


def unread_count(user) -> int:
    from nara.notifications.models import Notification

    return Notification.objects.filter(user_id=user.pk, read_at=None).count()


def nara(request):
    """What base.html needs. The unread count is a callable, counted once and only when a page
    shows it (an htmx partial does not)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "nara_unread_count": cache(lambda: unread_count(user)) if signed_in else 0,
        "nara_is_official": signed_in and (user.is_official or user.is_staff),
        "nara_languages": settings.LANGUAGES,
    }
