from django.conf import settings


def nara(request):
    """What base.html needs besides the unread count (nara.notifications.context_processors)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "nara_is_official": signed_in and (user.is_official or user.is_staff),
        "nara_is_moderator": signed_in and user.is_moderator,
        "nara_languages": settings.LANGUAGES,
    }
