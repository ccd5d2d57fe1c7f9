"""The officials' pages of disclosure requests: the inbox of their units and a request's page
with its actions. Each action is one POST to `act`, whose form goes to one service."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from nara.core.access import official_required
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, query_param

from . import decisions, policies, selectors, services
from .forms import (
    DecisionForm,
    EmptyForm,
    ExtendForm,
    ObjectionDecisionForm,
    OpinionForm,
    ReasonForm,
    ReturnForm,
    ThirdPartyForm,
    TransferForm,
)
from .models import Decision, Objection, Opinion, Status
from .transitions import TABLE, Action

PAGE_SIZE = 25


def _transfer(r, by, d):
    return services.request_transfer(request=r, by=by, to_unit=d["to_unit"], reason=d["reason"])


def _decision(r, by, d):
    return decisions.decision_submit(
        request=r,
        by=by,
        grade=d["grade"],
        grounds=d["grounds"],
        reasons=d["reasons"],
        pages=d["pages"],
        release_note=d["release_note"],
        third_party_reasons=d["third_party_reasons"],
        files=d["files"],
    )


# name -> (form, the service it calls, the action of the table, who may, message)
ACTIONS = {
    "transfer": (TransferForm, _transfer, Action.TRANSFER, policies.can_handle),
    "extend": (
        ExtendForm,
        lambda r, by, d: services.request_extend(
            request=r, by=by, days=d["days"], reason=d["reason"]
        ),
        Action.EXTEND,
        policies.can_handle,
    ),
    "third_party": (
        ThirdPartyForm,
        lambda r, by, d: services.third_party_notify(
            request=r, by=by, name=d["name"], contact=d["contact"]
        ),
        Action.NOTIFY_THIRD_PARTY,
        policies.can_handle,
    ),
    "opinion": (
        OpinionForm,
        lambda r, by, d: services.third_party_opinion(
            request=r, by=by, party_id=d["party"], opinion=d["opinion"], text=d["text"]
        ),
        Action.RECORD_OPINION,
        policies.can_handle,
    ),
    "decision": (DecisionForm, _decision, Action.SUBMIT_DECISION, policies.can_handle),
    "approve": (
        EmptyForm,
        lambda r, by, d: decisions.decision_decide(request=r, by=by, approve=True),
        Action.APPROVE_DECISION,
        policies.can_approve,
    ),
    "return": (
        ReturnForm,
        lambda r, by, d: decisions.decision_decide(
            request=r, by=by, approve=False, comment=d["comment"]
        ),
        Action.RETURN_DECISION,
        policies.can_approve,
    ),
    "objection_extend": (
        ReasonForm,
        lambda r, by, d: services.objection_extend(request=r, by=by, reason=d["reason"]),
        Action.EXTEND_OBJECTION,
        policies.can_handle,
    ),
    "objection_decision": (
        ObjectionDecisionForm,
        lambda r, by, d: decisions.objection_submit(
            request=r, by=by, outcome=d["outcome"], reasons=d["reasons"], files=d["files"]
        ),
        Action.SUBMIT_OBJECTION_DECISION,
        policies.can_handle,
    ),
    "objection_approve": (
        EmptyForm,
        lambda r, by, d: decisions.objection_decide(request=r, by=by, approve=True),
        Action.APPROVE_OBJECTION_DECISION,
        policies.can_approve,
    ),
    "objection_return": (
        ReturnForm,
        lambda r, by, d: decisions.objection_decide(
            request=r, by=by, approve=False, comment=d["comment"]
        ),
        Action.RETURN_OBJECTION_DECISION,
        policies.can_approve,
    ),
}
SUCCESS = {
    "transfer": _("The request was transferred."),
    "extend": _("The decision period was extended; the requester is told."),
    "third_party": _("The third party was notified."),
    "opinion": _("Their opinion was recorded."),
    "decision": _("The decision was submitted for approval."),
    "approve": _("The decision was approved and sent to the requester."),
    "return": _("The decision was returned to its drafter."),
    "objection_extend": _("The objection period was extended; the requester is told."),
    "objection_decision": _("The decision on the objection was submitted for approval."),
    "objection_approve": _("The decision on the objection was approved and sent."),
    "objection_return": _("The decision on the objection was returned to its drafter."),
}


# name -> (heading, button, danger)
LABELS = {
    "transfer": (_("Transfer to the agency that holds it"), _("Transfer"), False),
    "extend": (_("Extend the decision period (once)"), _("Extend"), False),
    "third_party": (_("Notify a third party"), _("Notify"), False),
    "decision": (_("Decision"), _("Submit for approval"), False),
    "approve": (_("Approve the decision"), _("Approve and send to the requester"), False),
    "return": (_("Return the decision"), _("Return with comment"), True),
    "objection_extend": (_("Extend the objection period (once, 7 days)"), _("Extend"), False),
    "objection_decision": (_("Decision on the objection"), _("Submit for approval"), False),
    "objection_approve": (_("Approve the decision on the objection"), _("Approve and send"), False),
    "objection_return": (_("Return the decision on the objection"), _("Return with comment"), True),
}


def office_detail_url(r) -> str:
    return reverse("disclosure_office:detail", args=[r.no])


@official_required
@require_GET
def inbox(request):
    status = query_param(request, "status", 30)
    rows = selectors.inbox(user=request.user, status=status)
    page = Paginator(rows, PAGE_SIZE).get_page(query_param(request, "page", 10))
    return render(
        request,
        "disclosure/office_inbox.html",
        {
            "page": page,
            "status": status if status in Status.values else "",
            "statuses": Status.choices,
            "query": f"status={status}" if status in Status.values else "",
        },
    )


def _available_forms(r, user) -> dict:
    """The action forms this user may use on the request in its state now."""
    forms = {}
    for name, (form_class, _call, action, allowed) in ACTIONS.items():
        if TABLE.allows(r.status, action) and allowed(user, r):
            forms[name] = form_class(prefix=name)
    if r.extended_due_at is not None:
        forms.pop("extend", None)
    objection = Objection.objects.filter(request=r).first()
    if objection is None or objection.extended_due_at is not None:
        forms.pop("objection_extend", None)
    decision = Decision.objects.filter(request=r).first()
    for name, subject in (("approve", decision), ("objection_approve", objection)):
        if name in forms and subject is not None and subject.drafted_by_id == user.pk:
            forms.pop(name)  # another approver of the unit approves it
    return forms


@official_required
@require_GET
def detail(request, no):
    r = selectors.request_get_visible(user=request.user, no=no)
    if not policies.can_view_as_official(request.user, r):
        return redirect("disclosure:detail", no=r.no)
    return _render(request, r, _available_forms(r, request.user))


def _render(request, r, forms, *, failed=None, status=200):
    decision = Decision.objects.filter(request=r).first()
    objection = Objection.objects.filter(request=r).first()
    parties = list(r.third_parties.all())
    opinion_forms = []
    if "opinion" in forms:
        for party in parties:
            if not party.opinion:
                form = (
                    forms["opinion"] if failed == "opinion" and forms["opinion"].is_bound else None
                )
                if form is None or str(form.data.get("opinion-party")) != str(party.pk):
                    form = OpinionForm(prefix="opinion", initial={"party": party.pk})
                opinion_forms.append((party, form))
    actions = [
        {
            "name": name,
            "form": form,
            "url": reverse(f"disclosure_office:{name}", args=[r.no]),
            "heading": LABELS[name][0],
            "button": LABELS[name][1],
            "danger": LABELS[name][2],
            "files": name in ("decision", "objection_decision"),
        }
        for name, form in forms.items()
        if name != "opinion"
    ]
    context = {
        "r": r,
        "actions": actions,
        "opinion_url": reverse("disclosure_office:opinion", args=[r.no]),
        "failed": failed,
        "failed_form": forms.get(failed) if failed else None,
        "decision": decision,
        "objection": objection,
        "parties": parties,
        "opinion_forms": opinion_forms,
        "objected": any(p.opinion == Opinion.OBJECTS for p in parties),
        "files": selectors.released_files(r, user=request.user),
        "transfers": r.transfers.select_related("from_unit", "to_unit", "by"),
        "timeline": selectors.timeline(r, for_requester=False),
        "objection_until": services.objection_until(r),
    }
    return render(request, "disclosure/office_detail.html", context, status=status)


@official_required
@require_POST
def act(request, no, action):
    r = selectors.request_get_visible(user=request.user, no=no)
    form_class, call, _table_action, _allowed = ACTIONS[action]
    form = form_class(request.POST, request.FILES, prefix=action)
    if form.is_valid():
        try:
            result = call(r, request.user, form.cleaned_data)
        except InvalidTransition as error:
            messages.error(request, str(error.message))
            return redirect(office_detail_url(r))
        except NotAllowed:
            raise PermissionDenied from None
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, SUCCESS[action])
            if action == "transfer" and not policies.can_view_as_official(request.user, result):
                return redirect("disclosure_office:inbox")  # it is another unit's now
            return redirect(office_detail_url(r))
    forms = _available_forms(r, request.user)
    if action not in forms:
        raise PermissionDenied
    forms[action] = form
    return _render(request, r, forms, failed=action, status=400)
