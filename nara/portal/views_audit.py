"""/open/audit/: the head of the audit log's hash chain (nara/audit/chain.py), for anyone, so
that outsiders can write it down and check later that the log still extends it; the hashes and
time of any event by its seq; the same as JSON for machines. Never an event's content."""

import re

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from nara.audit import selectors
from nara.core.access import public

MAX_SEQ = 2**63 - 1  # the largest seq a bigint holds


@public
@require_GET
def chain(request):
    """The chain's head, how to check it, and a look-up of one event's hashes by seq."""
    asked = request.GET.get("seq", "").strip()
    link, problem = None, ""
    if asked:
        seq = int(asked) if re.fullmatch(r"[0-9]{1,19}", asked) else 0
        link = selectors.chain_link(seq) if 0 < seq <= MAX_SEQ else None
        if not 0 < seq <= MAX_SEQ:
            problem = _("Enter the entry's number: a whole number from 1, such as 1024.")
        elif link is None:
            problem = _("No entry has number %(seq)s yet.") % {"seq": seq}
    return render(
        request,
        "audit/chain.html",
        {"head": selectors.chain_head(), "asked": asked, "link": link, "problem": problem},
    )


@public
@require_GET
def head_json(request):
    """The chain's head as JSON: {"seq", "hash", "prev_hash", "created_at"}."""
    return JsonResponse(selectors.chain_head().as_json())


@public
@require_GET
def link_json(request, seq: int):
    """The hashes and time of the event at `seq` as JSON, or 404."""
    link = selectors.chain_link(seq) if 0 < seq <= MAX_SEQ else None
    if link is None:
        raise Http404
    return JsonResponse(link.as_json())
