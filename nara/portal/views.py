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
