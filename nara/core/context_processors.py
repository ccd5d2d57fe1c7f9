from django.conf import settings


def nara(request):
    user = getattr(request, "user", None)
    unread = 0
    is_official = False
    if user is not None and user.is_authenticated:
        from nara.agencies.selectors import official_unit_ids

        unread = user.notifications.filter(read_at=None).count()
        is_official = bool(official_unit_ids(user)) or user.is_staff
    return {
        "nara_unread_count": unread,
        "nara_is_official": is_official,
        "nara_languages": settings.LANGUAGES,
    }
