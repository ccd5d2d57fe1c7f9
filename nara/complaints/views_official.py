"""The officials' back office (민원 처리): the inbox and the handling page of one complaint.

Thin views: a form parses the input, a service decides and writes, errors become responses."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.agencies.models import Membership
from nara.agencies.selectors import official_unit_ids, user_has_role
from nara.core import clock
from nara.core.access import official_required
from nara.core.confirm import confirm_page
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors
from nara.core.templatetags.memo import fingerprint

from . import answers, policies, publication, saved_filters, selectors, services
from . import forms_official as f
from .models import AnswerDraft, Complaint, SavedFilter, Status
from .transitions import Action, can_transition

Role = Membership.Role
PAGE_SIZE = 25


# --- the inbox -------------------------------------------------------------------------------


def inbox_row_key(c: Complaint) -> tuple:
    """The memo key of a row of office/inbox.html: everything the row shows."""
    return (
        *(c.pk, c.receipt_no, c.title, c.status, c.kind, c.due_at, c.is_overdue, c.flagged),
        c.is_due_today,
        *(c.transfer_count, c.unit_id, c.unit.name if c.unit else ""),
        *(c.handler_id, c.handler.display_name if c.handler else ""),
    )


@official_required
@require_GET
def inbox(request):
    """The officials' work list: a table, the soonest due first, overdue and due-today rows
    marked; an approver's opens on the answers waiting for approval."""
    return _inbox_page(request, request.GET)


def _inbox_page(request, params, *, filter_name: str = "", name_error: str = "", status=200):
    """The inbox filtered by `params` (its query string; a refused "save these filters" shows
    the filters it was given, with the reason beside the name)."""
    defaults = _inbox_defaults(request.user)
    partial = request.headers.get("HX-Request") and not request.headers.get(
        "HX-History-Restore-Request"
    )
    if params:
        form = f.InboxFilterForm(params, defaults=defaults)
        filters = form.filters()
    else:  # the inbox as it opens: its empty filter form is rendered once per process ({% memo %})
        # built only when that has not happened yet
        form = SimpleLazyObject(lambda: f.InboxFilterForm(initial=defaults))
        filters = dict(defaults)
    complaints = selectors.inbox_list(user=request.user, **filters)
    page = Paginator(complaints, PAGE_SIZE).get_page(params.get("page"))
    for c in page.object_list:
        c.row_key = inbox_row_key(c)
    query = params.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "filters_given": bool(params),
        "page": page,
        "query": query.urlencode(),
        "filtered": filters != defaults,
        "default_status": defaults["status"],
        "sort": filters["sort"],
        # the list alone for htmx, which shows neither the saved filters nor the save form
        "saved_filters": [] if partial else saved_filters.saved_filters_of(request.user),
        "filter_name": filter_name,
        "name_error": name_error,
        "name_max": saved_filters.NAME_MAX,
    }
    template = "office/inbox.html#results" if partial else "office/inbox.html"
    return render(request, template, context, status=status)


def _inbox_defaults(user) -> dict:
    approver = bool(official_unit_ids(user, (Membership.Role.APPROVER,)))
    return f.InboxFilterForm.APPROVER_DEFAULTS if approver else f.InboxFilterForm.DEFAULTS


@official_required
@require_POST
def filter_save(request):
    """Save the filters of the list shown under a name (the form under the filters). Filters
    the list would not take are refused, not saved as something else."""
    form = f.InboxFilterForm(request.POST, defaults=_inbox_defaults(request.user))
    name = request.POST.get("filter_name", "")
    shown = request.POST.copy()  # the list the form was under, to show again when refused
    for key in ("csrfmiddlewaretoken", "filter_name"):
        shown.pop(key, None)
    if not form.is_valid():
        error = _("These filters cannot be saved: correct them and show the list first.")
        return _inbox_page(request, shown, filter_name=name, name_error=error, status=400)
    try:
        saved = saved_filters.saved_filter_save(by=request.user, name=name, filters=form.filters())
    except ValidationError as error:
        reason = " ".join(error.message_dict.get("name", error.messages))
        return _inbox_page(request, shown, filter_name=name, name_error=reason, status=400)
    except NotAllowed:
        raise Http404 from None
    messages.success(request, _("The filter “%(name)s” is saved.") % {"name": saved.name})
    back = reverse("office:inbox")
    return redirect(f"{back}?{saved.query}" if saved.query else back)


@official_required
@require_http_methods(["GET", "POST"])
def filter_delete(request, filter_id: int):
    saved = get_object_or_404(SavedFilter, pk=filter_id, user=request.user)
    if request.method != "POST":
        return confirm_page(
            request,
            question=_("Delete this saved filter?"),
            consequence=_("Only its name and link go; no complaint changes."),
            facts=[(_("Name"), saved.name)],
            button=_("Yes, delete it"),
            cancel=_("No, keep it"),
            back_url=reverse("office:inbox"),
        )
    saved_filters.saved_filter_delete(by=request.user, filter_id=filter_id)
    messages.success(request, _("The saved filter was deleted."))
    return redirect("office:inbox")


# --- one complaint: what may be done, by whom -------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """One action of the handling page: who may see its form, in which states, and the service
    call it makes with the form's cleaned data."""

    form: type[f.OfficeForm]
    transition: Action
    allowed: Callable[[Any, Complaint], bool]
    run: Callable[[Complaint, Any, dict], Any]
    done: str
    form_kwargs: Callable[[Complaint], dict] = lambda complaint: {}
    extra: Callable[[Complaint], bool] = lambda complaint: True  # a further condition to show it
    # a less frequent action: a link to a page of its own (one thing per page)
    own_page: bool = False
    prefix: str = ""  # the form's field prefix when it is another action's form


ACTIONS: dict[str, ActionSpec] = {
    "claim": ActionSpec(
        form=f.ClaimForm,
        transition=Action.CLAIM,
        allowed=policies.can_claim,
        run=lambda c, by, d: services.complaint_claim(complaint=c, by=by),
        done=_("You are now handling this complaint."),
    ),
    "assign": ActionSpec(
        form=f.AssignForm,
        transition=Action.ASSIGN,
        allowed=policies.can_assign,
        run=lambda c, by, d: services.complaint_assign(complaint=c, by=by, handler=d["handler"]),
        done=_("The complaint was assigned."),
        form_kwargs=lambda c: {"unit": c.unit},
        own_page=True,
    ),
    "route": ActionSpec(
        form=f.TransferForm,
        transition=Action.ROUTE,
        allowed=policies.can_route,
        run=lambda c, by, d: services.complaint_transfer(
            complaint=c, by=by, to_unit=d["to_unit"], reason=d["reason"]
        ),
        done=_("The complaint was sent to the unit."),
        form_kwargs=lambda c: {"current_unit_id": c.unit_id},
    ),
    "transfer": ActionSpec(
        form=f.TransferForm,
        transition=Action.TRANSFER,
        allowed=policies.can_transfer,
        run=lambda c, by, d: services.complaint_transfer(
            complaint=c, by=by, to_unit=d["to_unit"], reason=d["reason"]
        ),
        done=_("The complaint was transferred."),
        form_kwargs=lambda c: {"current_unit_id": c.unit_id},
        own_page=True,
    ),
    "extend": ActionSpec(
        form=f.ExtendForm,
        transition=Action.EXTEND,
        allowed=policies.can_handle,
        run=lambda c, by, d: services.complaint_extend(
            complaint=c, by=by, new_due=d["new_due"], reason=d["reason"]
        ),
        done=_("The handling period was extended and the citizen told."),
        extra=lambda c: c.extended_at is None,
        own_page=True,
    ),
    "request_info": ActionSpec(
        form=f.RequestInfoForm,
        transition=Action.REQUEST_INFO,
        allowed=policies.can_handle,
        run=lambda c, by, d: services.complaint_request_info(
            complaint=c, by=by, question=d["question"]
        ),
        done=_("The citizen was asked for more information; the clock is stopped."),
        own_page=True,
    ),
    "note": ActionSpec(
        form=f.NoteForm,
        transition=Action.ADD_NOTE,
        allowed=policies.can_view_as_official,
        run=lambda c, by, d: services.complaint_add_note(complaint=c, by=by, body=d["body"]),
        done=_("Note added."),
    ),
    "answer": ActionSpec(
        form=f.AnswerForm,
        transition=Action.SUBMIT_ANSWER,
        allowed=policies.can_handle,
        run=lambda c, by, d: answers.complaint_submit_answer(complaint=c, by=by, body=d["body"]),
        done=_("The answer was submitted for approval."),
    ),
    "draft": ActionSpec(
        form=f.AnswerForm,
        transition=Action.SAVE_DRAFT,
        allowed=policies.can_handle,
        run=lambda c, by, d: answers.complaint_save_answer_draft(
            complaint=c, by=by, body=d["body"]
        ),
        done=_("The draft of the answer was saved. It has not been submitted."),
        prefix="answer",  # posted by the answer form's second button: no form of its own
    ),
    "approve": ActionSpec(
        form=f.ApproveForm,
        transition=Action.APPROVE,
        allowed=policies.can_approve,
        run=lambda c, by, d: answers.complaint_approve(complaint=c, by=by),
        done=_("The answer was approved and sent to the citizen."),
    ),
    "return": ActionSpec(
        form=f.ReturnForm,
        transition=Action.RETURN,
        allowed=policies.can_approve,
        run=lambda c, by, d: answers.complaint_return(complaint=c, by=by, comment=d["comment"]),
        done=_("The answer was returned to the handler."),
    ),
}


def _available(user, complaint: Complaint, name: str) -> bool:
    spec = ACTIONS[name]
    return (
        can_transition(complaint.status, spec.transition)
        and spec.allowed(user, complaint)
        and spec.extra(complaint)
    )


def _form(complaint: Complaint, name: str, data=None, initial=None) -> f.OfficeForm:
    spec = ACTIONS[name]
    return spec.form(
        data, prefix=spec.prefix or name, initial=initial, **spec.form_kwargs(complaint)
    )


def _detail_context(request, complaint: Complaint, bound: dict | None = None) -> dict:
    user = request.user
    actions = [name for name in ACTIONS if _available(user, complaint, name)]
    State = AnswerDraft.State
    drafts = selectors.last_answer_drafts(
        complaint,
        *([State.DRAFT] if "answer" in actions else []),  # the handler's saved answer
        *([State.SUBMITTED] if complaint.status == Status.PENDING_APPROVAL else []),
        *([State.RETURNED] if complaint.status == Status.IN_PROGRESS else []),
    )
    answer_draft = drafts.get(State.DRAFT)
    initial = {"answer": {"body": answer_draft.body}} if answer_draft else {}  # carry on writing
    forms = {
        name: _form(complaint, name, initial=initial.get(name))
        for name in actions
        if not (ACTIONS[name].own_page or ACTIONS[name].prefix)
    }
    forms.update(bound or {})
    submitted, returned = drafts.get(State.SUBMITTED), drafts.get(State.RETURNED)
    statuses = dict(Status.choices)
    events = [
        {
            "event": event,
            "from": statuses.get(event.from_state, ""),
            "to": statuses.get(event.to_state, ""),
        }
        for event in selectors.timeline(complaint, for_citizen=False)
    ]
    show_contact = user_has_role(user, complaint.unit_id, *policies.HANDLING_ROLES)
    attachments = selectors.attachments(complaint)
    c = complaint
    return {
        "complaint": complaint,
        "show_contact": show_contact,
        "attachments": attachments,
        # memo keys: everything the facts (with the text and attachments) and the timeline show
        "facts_key": fingerprint(
            c, c.unit, c.handler, c.category, c.region, c.citizen, show_contact, *attachments
        ),
        "timeline_key": fingerprint(*((e["event"], e["event"].actor) for e in events)),
        "notes": selectors.notes(complaint),
        "info_requests": selectors.info_requests(complaint),
        "events": events,
        "forms": forms,
        "actions": actions,
        "action_links": [name for name in actions if ACTIONS[name].own_page],
        "can_save_draft": "draft" in actions,
        "answer_draft": answer_draft,
        "submitted_draft": submitted,
        "returned_draft": returned,
        "own_draft": submitted is not None and submitted.author_id == user.pk,
        # what the public will read once the submitted answer is approved (with consent)
        "public_preview": publication.public_copy(complaint, answer=submitted.body)
        if submitted is not None and publication.will_be_published(complaint)
        else None,
    }


@official_required
@require_GET
def detail(request, receipt_no):
    complaint = selectors.complaint_get_for_official(user=request.user, receipt_no=receipt_no)
    return render(request, "office/detail.html", _detail_context(request, complaint))


def _extension_limit(complaint: Complaint):
    return clock.extension_limit(complaint.due_at, clock.period_for_kind(complaint.kind))


def _action_page(request, complaint: Complaint, action: str, form, status=200):
    """The page of one less frequent action (transfer, extend, …)."""
    return render(
        request,
        "office/action.html",
        {
            "complaint": complaint,
            "action": action,
            "form": form,
            "forms": {action: form},
            "failed_form": form if form.is_bound else None,
            "extension_limit": _extension_limit(complaint) if action == "extend" else None,
        },
        status=status,
    )


@official_required
@require_http_methods(["GET", "POST"])
def act(request, receipt_no, action):
    """Run one action (claim, assign, transfer, …) on a complaint, then back to its page.
    GET shows the page of an action that has one (transfer, extend, …)."""
    complaint = selectors.complaint_get_for_official(user=request.user, receipt_no=receipt_no)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    if request.method == "GET":
        if not spec.own_page:
            return HttpResponseNotAllowed(["POST"])
        if not spec.allowed(request.user, complaint):
            return _forbidden(request, complaint, NotAllowed())
        if not _available(request.user, complaint, action):
            return _invalid_transition(request, complaint, InvalidTransition())
        return _action_page(request, complaint, action, _form(complaint, action))
    if not spec.allowed(request.user, complaint):
        return _forbidden(request, complaint, NotAllowed())
    if not can_transition(complaint.status, spec.transition):
        return _invalid_transition(request, complaint, InvalidTransition())
    form = _form(complaint, action, request.POST)
    if form.is_valid():
        try:
            spec.run(complaint, request.user, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        except NotAllowed as error:
            return _forbidden(request, complaint, error)
        except InvalidTransition as error:
            return _invalid_transition(request, complaint, error)
        else:
            messages.success(request, spec.done)
            complaint = Complaint.objects.get(pk=complaint.pk)
            if policies.can_view_as_official(request.user, complaint):
                return redirect("office:detail", receipt_no=complaint.receipt_no)
            return redirect("office:inbox")  # transferred away: no longer ours to see
    complaint.refresh_from_db()
    if spec.own_page:
        return _action_page(request, complaint, action, form, status=400)
    context = _detail_context(request, complaint, bound={spec.prefix or action: form})
    context["failed_form"] = form
    return render(request, "office/detail.html", context, status=400)


def _forbidden(request, complaint, error):
    return render(
        request,
        "office/forbidden.html",
        {"complaint": complaint, "message": error.message},
        status=403,
    )


def _invalid_transition(request, complaint, error):
    messages.error(request, error.message)
    return redirect("office:detail", receipt_no=complaint.receipt_no)
