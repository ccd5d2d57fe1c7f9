"""The participation core pages: the list of processes, a process page, following, "My
participation" (follows, posts, digest) and the one-click unsubscribe of the digest mail."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST

from nara.agencies.models import Unit
from nara.core.access import citizen_required, public
from nara.core.forms import apply_service_errors, query_param
from nara.core.models import Region

from . import components, following, policies, selectors, services
from .forms import DigestForm, FollowForm
from .http import safe_next
from .models import DigestFrequency, DigestPreference

PAGE_SIZE = 20

LIST_TABS = (
    ("open", pgettext_lazy("participation list", "Open now")),
    ("upcoming", gettext_lazy("Upcoming")),
    ("finished", pgettext_lazy("participation list", "Finished")),
)


@public
def home(request):
    list_name = query_param(request, "show", 20)
    if list_name not in selectors.LISTS:
        list_name = "open"
    unit_code, region_code = query_param(request, "agency", 50), query_param(request, "region", 10)
    unit = Unit.objects.filter(code=unit_code).first() if unit_code else None
    region = Region.objects.filter(code=region_code).first() if region_code else None
    now = timezone.now()
    processes = selectors.processes_public(list_name=list_name, unit=unit, region=region, now=now)
    page = Paginator(processes, PAGE_SIZE).get_page(query_param(request, "page", 10))
    for process in page.object_list:
        process.current = policies.current_phase(process, now=now)
        process.upcoming = selectors.next_phase(process, now=now)
    filters = {k: v for k, v in (("agency", unit_code), ("region", region_code)) if v}
    return render(
        request,
        "participation/home.html",
        {
            "page": page,
            "list_name": list_name,
            "tabs": LIST_TABS,
            "units": selectors.filter_units(),
            "regions": selectors.filter_regions(),
            "unit_code": unit.code if unit else "",
            "region_code": region.code if region else "",
            "tab_query": urlencode(filters),
            "query": urlencode({**({"show": list_name} if list_name != "open" else {}), **filters}),
        },
    )


@public
def process_detail(request, slug: str):
    process = selectors.process_for_viewer(request.user, slug[:80])
    now = timezone.now()
    return render(
        request,
        "participation/process.html",
        {
            "process": process,
            "steps": selectors.timeline(process, now=now),
            "current": policies.current_phase(process, now=now),
            "upcoming": selectors.next_phase(process, now=now),
            "possibilities": selectors.possibilities(request.user, process, now=now),
            "components": components.components_for(process),
            "is_following": following.is_following(request.user, process),
            "follow_label": following.target_label(process),
            "can_preview": selectors.can_preview(request.user, process),
        },
    )


@citizen_required
@require_POST
def follow(request, label: str, pk: int):
    """Follow or stop following a process or an item (the form says which). Idempotent."""
    found = following.followable_model(label)
    if found is None:
        raise Http404
    model, visible = found
    target = model._default_manager.filter(pk=pk).first()
    if target is None or not visible(request.user, target):
        raise Http404
    form = FollowForm(request.POST)
    if not form.is_valid():
        raise Http404
    fallback = target.get_absolute_url() if hasattr(target, "get_absolute_url") else "/"
    if form.cleaned_data["action"] == "follow":
        services.follow_create(user=request.user, target=target)
        messages.success(
            request, _("You follow this now. What happens reaches you in your digest.")
        )
    else:
        services.follow_delete(user=request.user, target=target)
        messages.success(request, _("You no longer follow this."))
    return redirect(safe_next(request, fallback))


@citizen_required
@require_http_methods(["GET", "POST"])
def me(request):
    preference = DigestPreference.objects.filter(user=request.user).first()
    current = preference.frequency if preference else DigestFrequency.WEEKLY
    if request.method == "POST":
        form = DigestForm(request.POST)
        if form.is_valid():
            try:
                services.digest_frequency_set(
                    user=request.user, frequency=form.cleaned_data["frequency"]
                )
            except ValidationError as error:
                apply_service_errors(form, error, field="frequency")
            else:
                messages.success(request, _("Your digest setting is saved."))
                return redirect("participation:me")
    else:
        form = DigestForm(initial={"frequency": current})
    return render(
        request,
        "participation/me.html",
        {
            "form": form,
            "follows": selectors.follows_of(request.user),
            "post_groups": selectors.posts_of(request.user),
            "email_off": not request.user.notify_email,
        },
    )


@public
@csrf_exempt  # the mail client's one-click POST (RFC 8058) carries no CSRF token
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token: str):
    """GET shows one button (mail scanners follow links; they must not unsubscribe anyone);
    POST, from that button or from the mail client (`List-Unsubscribe=One-Click`), switches
    the digest off. The signed token is the only credential: no login needed."""
    user = following.unsubscribe_user(token)
    if user is None:
        raise Http404
    done = False
    if request.method == "POST":
        services.digest_unsubscribe(user=user)
        done = True
    return render(
        request,
        "participation/unsubscribe.html",
        {
            "done": done,
            "action": reverse("participation:unsubscribe", kwargs={"token": token}),
        },
    )
