"""Every view declares who may use it. A test walks the URL conf and fails on a view that does
not carry one of these markers."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import Http404


def _mark(view, audience: str):
    view.nara_access = audience
    return view


def public(view):
    """Anyone, signed in or not."""
    return _mark(view, "public")


def citizen_required(view):
    """Any signed-in user (a citizen account; officials have one too)."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return _mark(wrapper, "citizen")


def official_required(view):
    """Officials (members of a unit) who passed 2FA (the middleware enforces 2FA). Others: 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (request.user.is_official or request.user.is_staff):
            raise Http404
        return view(request, *args, **kwargs)

    return _mark(wrapper, "official")


def moderator_required(view):
    """Moderators (who passed 2FA: the middleware enforces it). Others: 404."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.is_moderator:
            raise Http404
        return view(request, *args, **kwargs)

    return _mark(wrapper, "moderator")
