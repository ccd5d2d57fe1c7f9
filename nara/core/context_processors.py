from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.utils.translation import get_language


def nara(request):
    """What base.html needs besides the unread count (nara.notifications.context_processors)."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    return {
        "nara_is_official": signed_in and (user.is_official or user.is_staff),
        "nara_is_moderator": signed_in and user.is_moderator,
        "nara_languages": settings.LANGUAGES,
        "nara_official_banner": official_banner(request),
        "nara_official_domain": settings.NARA_OFFICIAL_DOMAIN,
        "nara_operator": operator(),
        "nara_contact": settings.NARA_CONTACT,
        "nara_maps": bool(settings.NARA_MAP_TILES),
    }


def official_banner(request) -> bool:
    """Whether the official banner shows (settings.NARA_OFFICIAL_BANNER)."""
    choice = settings.NARA_OFFICIAL_BANNER
    if choice != "auto":
        return choice == "on"
    if settings.DEBUG:
        return True
    try:
        host = request.get_host().rsplit(":", 1)[0].rstrip(".").lower()
    except DisallowedHost:  # that request gets a 400 anyway
        return False
    return host.endswith(settings.NARA_OFFICIAL_DOMAIN.lower())


def operator() -> str:
    """Who runs the site, in the active language (Korean when there is no other)."""
    names = settings.NARA_OPERATOR
    return names.get(get_language() or "", "") or names.get(settings.LANGUAGE_CODE, "")
