"""The approvals worklist: every step waiting for the signed-in official, whatever it approves
(a document, a complaint's, petition's or proposal's answer, a disclosure decision), the
longest waiting first, each linked to the page where it is decided."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.views.decorators.http import require_GET

from nara.core.access import official_required
from nara.core.forms import page_number

from . import engine

PAGE_SIZE = 30


@official_required
@require_GET
def waiting(request):
    page = Paginator(engine.waiting_for(request.user), PAGE_SIZE).get_page(page_number(request))
    rows = [(step, *engine.describe(step.line)) for step in page.object_list]
    return render(request, "approvals/waiting.html", {"page": page, "rows": rows})
