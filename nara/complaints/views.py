"""The citizens' and the public's complaint pages. Thin: forms → services → redirect."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.agencies.models import Unit
from nara.core import clock, ratelimit
from nara.core.access import citizen_required, public
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, new_form_token, query_param
from nara.core.templatetags.memo import fingerprint

from . import policies, selectors, services
from .forms import (
    ComplaintForm,
    InfoReplyForm,
    RatingForm,
    period_text,
)
from .models import ANSWERED_STATUSES, Complaint, Status
from .transitions import Action, can_transition

PAGE_SIZE = 20
SERVED_TYPES = {"application/pdf", "image/jpeg", "image/png"}
FOLLOW_UP_FROM = ANSWERED_STATUSES


# --- helpers ------------------------------------------------------------------------------------


def _detail_url(complaint: Complaint) -> str:
    return reverse("complaints:detail", args=[complaint.receipt_no])


def _office_url(complaint: Complaint) -> str:
    return reverse("office:detail", args=[complaint.receipt_no])


def _resend_confirmation_url() -> str:
    return reverse("accounts:resend_confirmation")


def _own_complaint(request, receipt_no: str) -> Complaint:
    """A complaint the user may see (else 404) and act on as its citizen (else 403)."""
    complaint = selectors.complaint_get_visible(user=request.user, receipt_no=receipt_no)
    if not policies.can_act_as_citizen(request.user, complaint):
        raise PermissionDenied
    return complaint


def _invalid_state(request, complaint: Complaint):
    messages.error(request, _("This cannot be done in the current state."))
    return redirect(_detail_url(complaint))


# --- filing -------------------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def file(request):
    """File a complaint (민원 신청)."""
    return _file(request, parent=None)


@citizen_required
@require_http_methods(["GET", "POST"])
def follow_up(request, receipt_no):
    """File a follow-up to one of the citizen's own answered complaints."""
    parent = _own_complaint(request, receipt_no)
    if parent.status not in FOLLOW_UP_FROM:
        return _invalid_state(request, parent)
    return _file(request, parent=parent)


def _file(request, *, parent: Complaint | None):
    user = request.user
    if not user.email_confirmed:
        return render(
            request,
            "complaints/confirm_email_first.html",
            {"resend_url": _resend_confirmation_url()},
            status=403 if request.method == "POST" else 200,
        )
    context = {"parent": parent, "repeat_of": None}
    if request.method != "POST":
        initial = {"token": new_form_token()}
        if parent is not None:
            initial.update(
                kind=parent.kind,
                category=parent.category_id,
                title=(_("Follow-up: %(title)s") % {"title": parent.title})[:200],
            )
        return _render_file(request, ComplaintForm(initial=initial), context)

    form = ComplaintForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render_file(request, form, context, status=400)
    if not ratelimit.hit("complaint_file", str(user.pk)):
        form.add_error(
            None, _("You have filed many complaints in a short time. Please try again later.")
        )
        return _render_file(request, form, context, status=429)
    data = form.cleaned_data
    try:
        complaint = services.complaint_file(
            citizen=user,
            kind=data["kind"],
            title=data["title"],
            body=data["body"],
            category=data["category"],
            address=data["address"],
            latitude=data["latitude"],
            longitude=data["longitude"],
            region=data["region"],
            publish_consent=data["publish_consent"],
            attachments=data["attachments"],
            parent=parent,
            idempotency_key=f"web:{data['token']}" if data["token"] else "",
            confirm_repeat=data["confirm_repeat"],
        )
    except services.RepeatComplaint as repeat:
        context["repeat_of"] = repeat.earlier
        return _render_file(request, form, context)
    except ValidationError as error:
        apply_service_errors(form, error)
        return _render_file(request, form, context, status=400)
    except NotAllowed:
        raise PermissionDenied
    messages.success(
        request,
        _("Your complaint was received. Receipt number %(no)s; it will be answered by %(due)s.")
        % {"no": complaint.receipt_no, "due": clock.local_text(complaint.due_at)},
    )
    return redirect(_detail_url(complaint))


def _render_file(request, form, context, status=200):
    return render(
        request,
        "complaints/file.html",
        {
            **context,
            "form": form,
            "kinds": form.kinds_with_periods(),
            "files_lost": form.is_bound and bool(request.FILES),
        },
        status=status,
    )


# --- the citizen's complaint ----------------------------------------------------------------------


@citizen_required
@require_GET
def detail(request, receipt_no):
    complaint = selectors.complaint_get_visible(user=request.user, receipt_no=receipt_no)
    if not policies.is_citizen_of(request.user, complaint):
        return redirect(_office_url(complaint))  # officials work on the office page
    return _render_detail(request, complaint)


def _render_detail(request, complaint, *, reply_form=None, rating_form=None, status=200):
    info_requests = selectors.info_requests(complaint)
    pending = None
    if complaint.status == Status.WAITING_CITIZEN:
        pending = next((r for r in reversed(info_requests) if r.replied_at is None), None)
    answered = complaint.is_answered
    period = period_text(complaint.kind)
    attachments = selectors.attachments(complaint)
    timeline = selectors.timeline(complaint, for_citizen=True)
    c = complaint
    context = {
        "complaint": complaint,
        "period": period,
        "attachments": attachments,
        "timeline": timeline,
        # memo keys: everything the facts, the text (with attachments) and the history show
        "facts_key": fingerprint(c, c.unit, c.category, c.region, period),
        "text_key": fingerprint(c, *attachments),
        "timeline_key": fingerprint(*timeline),
        "info_requests": [r for r in info_requests if r is not pending],
        "pending_request": pending,
        "reply_form": reply_form or (InfoReplyForm() if pending else None),
        "show_answer": answered and bool(complaint.answer),
        "rating_form": rating_form
        or (RatingForm() if can_transition(complaint.status, Action.RATE) else None),
        "can_withdraw": can_transition(complaint.status, Action.WITHDRAW),
        "can_follow_up": complaint.status in FOLLOW_UP_FROM,
        "parent": complaint.parent,
        "follow_ups": selectors.follow_ups(complaint),
    }
    return render(request, "complaints/detail.html", context, status=status)


@citizen_required
@require_GET
def attachment(request, receipt_no, attachment_id):
    """An attachment, to its citizen and to officials who may see the complaint."""
    complaint = selectors.complaint_get_visible(user=request.user, receipt_no=receipt_no)
    item = complaint.attachments.filter(pk=attachment_id).first()
    if item is None:
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404
    content_type = item.content_type if item.content_type in SERVED_TYPES else None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=item.name,
        content_type=content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_required
@require_POST
def reply_info(request, receipt_no):
    """The citizen answers a request for more information; the clock runs again."""
    complaint = _own_complaint(request, receipt_no)
    form = InfoReplyForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_reply_info(
                complaint=complaint, by=request.user, reply=form.cleaned_data["reply"]
            )
        except InvalidTransition:
            return _invalid_state(request, complaint)
        except NotAllowed:
            raise PermissionDenied
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you. Your reply was sent to the office."))
            return redirect(_detail_url(complaint))
    if complaint.status != Status.WAITING_CITIZEN:
        return _invalid_state(request, complaint)
    return _render_detail(request, complaint, reply_form=form, status=400)


@citizen_required
@require_http_methods(["GET", "POST"])
def withdraw(request, receipt_no):
    """Withdraw a complaint not yet answered: a confirmation page, then the action."""
    complaint = _own_complaint(request, receipt_no)
    if not can_transition(complaint.status, Action.WITHDRAW):
        return _invalid_state(request, complaint)
    if request.method != "POST":
        return render(request, "complaints/withdraw_confirm.html", {"complaint": complaint})
    try:
        services.complaint_withdraw(complaint=complaint, by=request.user)
    except InvalidTransition:
        return _invalid_state(request, complaint)
    except NotAllowed:
        raise PermissionDenied
    messages.success(request, _("Your complaint was withdrawn."))
    return redirect(_detail_url(complaint))


@citizen_required
@require_POST
def rate(request, receipt_no):
    """Rate the answer (만족도 평가)."""
    complaint = _own_complaint(request, receipt_no)
    form = RatingForm(request.POST)
    if form.is_valid():
        try:
            services.complaint_rate(
                complaint=complaint,
                by=request.user,
                rating=form.cleaned_data["rating"],
                comment=form.cleaned_data["comment"],
            )
        except InvalidTransition:
            return _invalid_state(request, complaint)
        except NotAllowed:
            raise PermissionDenied
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Thank you for rating the answer."))
            return redirect(_detail_url(complaint))
    if not can_transition(complaint.status, Action.RATE):
        return _invalid_state(request, complaint)
    return _render_detail(request, complaint, rating_form=form, status=400)


def my_complaint_row_key(c: Complaint) -> tuple:
    """The memo key of a row of complaints/mine.html: everything the row shows."""
    unit_name = c.unit.name if c.unit else ""
    return (c.pk, c.receipt_no, c.title, c.status, c.is_overdue, c.due_at, c.unit_id, unit_name)


@citizen_required
@require_GET
def mine(request):
    """The citizen's own complaints, newest first."""
    status = query_param(request, "status", 30)
    if status not in Status.values:
        status = ""
    complaints = selectors.complaints_of_citizen_list(user=request.user, status=status)
    page = Paginator(complaints, PAGE_SIZE).get_page(query_param(request, "page", 10))
    for c in page.object_list:
        c.row_key = my_complaint_row_key(c)
    return render(
        request,
        "complaints/mine.html",
        {
            "page": page,
            "status": status,
            "statuses": Status.choices,
            "query": urlencode({"status": status}) if status else "",
        },
    )


# --- the public -----------------------------------------------------------------------------------


@public
@require_GET
def public_list(request):
    """Answered complaints published with their citizens' consent."""
    q = query_param(request, "q", 200)
    unit = query_param(request, "unit", 40)
    complaints = selectors.public_complaints(q=q, unit=unit)
    page = Paginator(complaints, PAGE_SIZE).get_page(query_param(request, "page", 10))
    items = [{"complaint": c, "title": c.public_title} for c in page.object_list]
    filters = {k: v for k, v in (("q", q), ("unit", unit)) if v}
    return render(
        request,
        "complaints/public_list.html",
        {
            "page": page,
            "items": items,
            "q": q,
            "unit": unit,
            "units": Unit.objects.filter(is_active=True).order_by("code"),
            "query": urlencode(filters),
        },
    )


@public
@require_GET
def public_detail(request, receipt_no):
    complaint = selectors.public_complaint(receipt_no=receipt_no)
    return render(
        request,
        "complaints/public_detail.html",
        {
            "complaint": complaint,
            "title": complaint.public_title,
            "body": complaint.public_body,
            "answer": complaint.public_answer,
        },
    )
