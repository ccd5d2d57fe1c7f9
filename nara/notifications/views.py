from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from nara.core.access import citizen_required

from .services import notification_mark_read


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
