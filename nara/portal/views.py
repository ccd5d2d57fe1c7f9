from django.shortcuts import render
from django.views.decorators.http import require_GET

from nara.complaints.models import Kind
from nara.core import clock
from nara.core.access import public


@public
@require_GET
def home(request):
    """The front page: what a person can do here, with the handling period of each kind of
    complaint."""
    kinds = [(kind, clock.period_for_kind(kind.value)) for kind in Kind]
    return render(request, "home.html", {"kinds": kinds})


ABOUT_PAGES = {"privacy", "terms", "accessibility", "contact"}


@public
@require_GET
def about_page(request, page: str):
    """One of the footer's pages; what they say about retention and limits comes from the
    settings that enforce them."""
    from django.conf import settings

    if page not in ABOUT_PAGES:  # only the URLconf calls this, with one of them
        raise ValueError(page)
    return render(
        request,
        f"about/{page}.html",
        {
            "contact": settings.NARA_CONTACT,
            "confirm_hours": settings.NARA_SIGNATURE_CONFIRM_HOURS,
            "token_days": settings.NARA_API_TOKEN_DAYS,
        },
    )
