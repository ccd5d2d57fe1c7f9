"""The requester's pages and the public register. Thin: forms → services → redirect."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.core import ratelimit
from nara.core.access import citizen_required, public
from nara.core.clock import local_text
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, new_form_token, query_param

from . import fees, policies, selectors, services
from .forms import ObjectionForm, RequestForm
from .models import Decision, Objection
from .transitions import TABLE, Action

PAGE_SIZE = 20


def detail_url(r) -> str:
    return reverse("disclosure:detail", args=[r.no])


def _invalid_state(request, r, error: InvalidTransition):
    messages.error(request, str(error.message))
    return redirect(detail_url(r))


@public
@require_GET
def index(request):
    """/disclosure/: a signed-in person's requests; anyone else, the public register (which
    says how to ask)."""
    if request.user.is_authenticated:
        return redirect("disclosure:mine")
    return redirect("disclosure_register:list")


@citizen_required
@require_http_methods(["GET", "POST"])
def new(request):
    """Ask an agency for information (정보공개청구)."""
    if request.method != "POST":
        form = RequestForm(initial={"token": new_form_token(), "published_in_register": True})
        return _render_new(request, form)
    form = RequestForm(request.POST)
    if not form.is_valid():
        return _render_new(request, form, status=400)
    if not ratelimit.hit("complaint_file", str(request.user.pk)):
        form.add_error(None, _("You have sent many requests in a short time. Try again later."))
        return _render_new(request, form, status=429)
    data = form.cleaned_data
    try:
        r = services.request_file(
            requester=request.user,
            unit=data["unit"],
            title=data["title"],
            body=data["body"],
            purpose=data["purpose"],
            form=data["form"],
            delivery=data["delivery"],
            published_in_register=data["published_in_register"],
            idempotency_key=f"web:{data['token']}" if data["token"] else "",
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return _render_new(request, form, status=400)
    messages.success(
        request,
        _("Your request was received. Number %(no)s; the decision is due by %(due)s.")
        % {"no": r.no, "due": local_text(r.due_at)},
    )
    return redirect(detail_url(r))


def _render_new(request, form, status=200):
    return render(
        request, "disclosure/new.html", {"form": form, "fees": fees.table()}, status=status
    )


@citizen_required
@require_GET
def mine(request):
    rows = selectors.requests_of_requester(user=request.user)
    page = Paginator(rows, PAGE_SIZE).get_page(query_param(request, "page", 10))
    return render(request, "disclosure/mine.html", {"page": page})


@citizen_required
@require_GET
def detail(request, no):
    r = selectors.request_get_visible(user=request.user, no=no)
    if not policies.is_requester(request.user, r):
        return redirect("disclosure_office:detail", no=r.no)
    return _render_detail(request, r)


def _render_detail(request, r, *, objection_form=None, status=200):
    decision = Decision.objects.filter(request=r, state="approved").first()
    objection = Objection.objects.filter(request=r).first()
    until = services.objection_until(r)
    context = {
        "r": r,
        "decision": decision,
        "objection": objection,
        "objection_until": until,
        "objection_form": objection_form or (ObjectionForm() if until else None),
        "files": selectors.released_files(r, user=request.user),
        "transfers": r.transfers.select_related("from_unit", "to_unit"),
        "timeline": selectors.timeline(r, for_requester=True),
        "can_withdraw": TABLE.allows(r.status, Action.WITHDRAW),
    }
    return render(request, "disclosure/detail.html", context, status=status)


@citizen_required
@require_GET
def file_download(request, no, file_id):
    """A released file: to the requester once available, to the unit's officials always."""
    r = selectors.request_get_visible(user=request.user, no=no)
    item = selectors.file_for_download(user=request.user, r=r, file_id=file_id)
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    services.file_release(request=r, by=request.user, file=item)
    response = FileResponse(
        handle, as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_required
@require_POST
def withdraw(request, no):
    r = selectors.request_get_visible(user=request.user, no=no)
    try:
        services.request_withdraw(request=r, by=request.user)
    except InvalidTransition as error:
        return _invalid_state(request, r, error)
    except NotAllowed:
        raise PermissionDenied from None
    messages.success(request, _("Your request was withdrawn."))
    return redirect(detail_url(r))


@citizen_required
@require_POST
def objection(request, no):
    """The requester objects (이의신청)."""
    r = selectors.request_get_visible(user=request.user, no=no)
    form = ObjectionForm(request.POST)
    if form.is_valid():
        try:
            services.objection_file(
                request=r, by=request.user, reasons=form.cleaned_data["reasons"]
            )
        except InvalidTransition as error:
            return _invalid_state(request, r, error)
        except NotAllowed:
            raise PermissionDenied from None
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Your objection was received."))
            return redirect(detail_url(r))
    return _render_detail(request, r, objection_form=form, status=400)


# --- the public register -------------------------------------------------------------------------


@public
@require_GET
def register(request):
    """Requests and their decisions, published unless the requester asked otherwise, the
    requester anonymised (like Alaveteli's public register)."""
    q = query_param(request, "q", 200)
    rows = selectors.register(q=q).select_related("requester")
    page = Paginator(rows, PAGE_SIZE).get_page(query_param(request, "page", 10))
    items = [{"r": r, "title": selectors.anonymised(r, r.title)} for r in page.object_list]
    return render(
        request,
        "disclosure/register_list.html",
        {"page": page, "items": items, "q": q, "query": urlencode({"q": q}) if q else ""},
    )


@public
@require_GET
def register_entry(request, no):
    r = selectors.register_entry(no=no)
    decision = Decision.objects.filter(request=r, state="approved").first()
    objection = Objection.objects.filter(request=r, state="approved").first()
    return render(
        request,
        "disclosure/register_detail.html",
        {
            "r": r,
            "title": selectors.anonymised(r, r.title),
            "body": selectors.anonymised(r, r.body),
            "decision": decision,
            "decision_reasons": selectors.anonymised(r, decision.reasons) if decision else "",
            "objection": objection,
            "transfers": r.transfers.select_related("from_unit", "to_unit"),
        },
    )
