from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.core.access import citizen_required, public

from .services import email_notifications_off, notification_mark_read, unsubscribe_user


@citizen_required
@require_GET
def inbox(request):
    page = Paginator(request.user.notifications.all(), 20).get_page(request.GET.get("page"))
    return render(request, "notifications/inbox.html", {"page": page})


@citizen_required
@require_POST
def mark_read(request):
    raw = request.POST.get("id")
    notification_mark_read(
        user=request.user, notification_id=int(raw) if raw and raw.isdigit() else None
    )
    return redirect("notifications:inbox")


@public
@csrf_exempt  # the mail client's one-click POST (RFC 8058) carries no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows one button (mail scanners follow links; they must not unsubscribe anyone);
    POST, from that button or from the mail client (`List-Unsubscribe=One-Click`), switches the
    user's notification e-mails off. The signed token is the only credential."""
    user = unsubscribe_user(token)
    if user is None:
        raise Http404
    done = request.method == "POST"
    if done:
        email_notifications_off(user=user)
    return render(request, "notifications/unsubscribe.html", {"done": done})
