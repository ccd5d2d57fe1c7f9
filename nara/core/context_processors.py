from functools import cache

from django.conf import settings
from django.db.models import Count, OuterRef, Subquery

from nara.core.prepared import PreparedQuery


def _unread(user_id):
    from nara.notifications.models import Notification

    return (
        Notification.objects.filter(user_id=user_id, read_at=None)
        .values("user_id")
        .annotate(n=Count("*"))  # COUNT(*): from the partial index alone
        .values_list("n", flat=True)
        .order_by()
    )


def unread_subquery(user_id_field: str) -> Subquery:
    """The unread count of the user whose id is the outer query's `user_id_field` (NULL for
    none): the session's query reads it with the user (nara/accounts/sessions.py)."""
    return Subquery(_unread(OuterRef(user_id_field))[:1])


# Counted on nearly every page a signed-in user sees: compiled once (nara.core.prepared).
_unread_query = PreparedQuery(_unread)


def unread_count(user, *, as_read_with_session: bool = False) -> int:
    """The user's unread notifications, counted now; or, with `as_read_with_session`, as
    read with the session at the start of the request (`unread_read_with_session`), when it
    was."""
    known = getattr(user, "unread_read_with_session", None)
    if as_read_with_session and known is not None:
        return known
    counted = _unread_query.all(user_id=user.pk)
    return counted[0] if counted else 0


def nara(request):
    """What base.html needs. The unread count is a callable, used only when a page shows it.
    A GET changes no notification: its page shows the count read with the session. Another
    method may have (a signature confirmed by POST can notify the signer, who is shown a
    page without a redirect): its page counts again."""
    user = getattr(request, "user", None)
    signed_in = user is not None and user.is_authenticated
    unchanged = request.method in ("GET", "HEAD")
    return {
        "nara_unread_count": (
            cache(lambda: unread_count(user, as_read_with_session=unchanged)) if signed_in else 0
        ),
        "nara_is_official": signed_in and (user.is_official or user.is_staff),
        "nara_is_moderator": signed_in and user.is_moderator,
        "nara_languages": settings.LANGUAGES,
    }
