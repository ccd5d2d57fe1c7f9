"""Proposal pages: the list of a process, a proposal (support, comments, the answer), submitting
one, the agency's answer form and its list of answers due. Thin: forms → services → redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from nara.approvals import engine
from nara.core.access import citizen_required, official_required, public
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, new_form_token, page_number, query_param
from nara.participation import policies
from nara.participation.models import Action
from nara.participation.selectors import published_process

from . import answers, selectors, services
from .forms import AnswerForm, CommentForm, DecisionForm, ProposalForm
from .models import ProposalStatus

PAGE_SIZE = 20
SORT_LABELS = (("support", gettext_lazy("Most supported")), ("newest", gettext_lazy("Newest")))


@public
def proposal_list(request, slug):
    process = published_process(slug)
    sort = query_param(request, "sort", 20)
    sort = sort if sort in selectors.SORTS else "support"
    status = query_param(request, "status", 20)
    status = status if status in selectors.STATUS_FILTERS else ""
    qs = selectors.proposal_list(process=process, user=request.user, sort=sort, status=status)
    page = Paginator(qs, PAGE_SIZE).get_page(page_number(request))
    query = "&".join(p for p in (f"sort={sort}", f"status={status}" if status else "") if p)
    return render(
        request,
        "participation/proposals/list.html",
        {
            "process": process,
            "page": page,
            "sort": sort,
            "status": status,
            "sorts": SORT_LABELS,
            "statuses": ProposalStatus.choices,
            "query": query,
            "propose_refusal": policies.refusal(request.user, process, Action.PROPOSE),
            "config": services.proposal_settings_for(process),
        },
    )


def _detail(request, process, proposal, *, comment_form=None, status=200):
    user = request.user
    can_answer = services.answer_refusal(user, proposal) is None
    return render(
        request,
        "participation/proposals/detail.html",
        {
            "process": process,
            "proposal": proposal,
            "config": services.proposal_settings_for(process),
            "comments": selectors.proposal_comments(proposal=proposal, user=user),
            "supported": selectors.supports(user, proposal),
            "support_refusal": services.support_refusal(user, proposal),
            "comment_refusal": policies.refusal(user, process, Action.COMMENT),
            "comment_form": comment_form or CommentForm(),
            "can_answer": can_answer,
            "is_author": user.is_authenticated and proposal.author_id == user.pk,
            "statuses": ProposalStatus,
        },
        status=status,
    )


@public
def proposal_detail(request, slug, pk):
    process = published_process(slug)
    proposal = selectors.proposal_for(process, pk, request.user)
    return _detail(request, process, proposal)


@citizen_required
@require_POST
def proposal_support(request, slug, pk):
    process = published_process(slug)
    proposal = selectors.proposal_for(process, pk, request.user)
    try:
        services.proposal_support(proposal=proposal, by=request.user)
    except services.AlreadySupported:
        messages.info(request, _("You already support this proposal."))
    except NotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Thank you: your support is counted."))
    return redirect(proposal.get_absolute_url())


@citizen_required
@require_POST
def proposal_comment(request, slug, pk):
    process = published_process(slug)
    proposal = selectors.proposal_for(process, pk, request.user)
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _detail(request, process, proposal, comment_form=form, status=400)
    try:
        services.proposal_comment(
            proposal=proposal, author=request.user, body=form.cleaned_data["body"]
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return _detail(request, process, proposal, comment_form=form, status=400)
    except NotAllowed as error:
        form.add_error(None, error.message)
        return _detail(request, process, proposal, comment_form=form, status=403)
    messages.success(
        request, _("Thank you: your comment will appear once a moderator has checked it.")
    )
    return redirect(f"{proposal.get_absolute_url()}#comments")


@citizen_required
@require_http_methods(["GET", "HEAD", "POST"])
def proposal_submit(request, slug):
    process = published_process(slug)
    refusal = policies.refusal(request.user, process, Action.PROPOSE)
    context = {"process": process, "refusal": refusal}
    if request.method != "POST":
        form = ProposalForm(initial={"token": new_form_token()})
        return render(request, "participation/proposals/submit.html", {**context, "form": form})
    form = ProposalForm(request.POST)
    if refusal is not None:
        return render(
            request, "participation/proposals/submit.html", {**context, "form": form}, status=403
        )
    if not form.is_valid():
        return render(
            request, "participation/proposals/submit.html", {**context, "form": form}, status=400
        )
    data = form.cleaned_data
    try:
        proposal = services.proposal_submit(
            process=process,
            author=request.user,
            title=data["title"],
            body=data["body"],
            category=data["category"],
            idempotency_key=f"web:{data['token']}" if data["token"] else "",
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return render(
            request, "participation/proposals/submit.html", {**context, "form": form}, status=400
        )
    except NotAllowed as error:
        context["refusal"] = error.message
        return render(
            request, "participation/proposals/submit.html", {**context, "form": form}, status=403
        )
    messages.success(
        request,
        _("Thank you: your proposal was received. It will appear once a moderator has checked it."),
    )
    return redirect(proposal.get_absolute_url())


@official_required
@require_http_methods(["GET", "HEAD", "POST"])
def proposal_answer(request, slug, pk):
    """The competent agency's answer: written and submitted by its officials, approved or
    returned by the competent unit's approvers (nara.approvals). Anyone else: 404."""
    process = published_process(slug)
    proposal = selectors.proposal_for(process, pk, request.user)
    if services.answer_refusal(request.user, proposal) is not None:
        raise Http404
    line = engine.line_in_progress(proposal)
    context = {
        "process": process,
        "proposal": proposal,
        "line": line,
        "may_decide": line is not None and engine.may_act(line, request.user),
    }
    page = "participation/proposals/answer.html"
    decision = request.POST.get("decision") if request.method == "POST" else None
    if decision in ("approve", "return"):
        return _decide(request, proposal, decision, context)
    if request.method != "POST":
        draft = bool(proposal.pending_answer_text)
        initial = {
            "kind": proposal.pending_answer_kind if draft else proposal.answer_kind,
            "text": proposal.pending_answer_text if draft else proposal.answer_text,
        }
        return render(request, page, {**context, "form": AnswerForm(initial=initial)})
    form = AnswerForm(request.POST)
    if not form.is_valid():
        return render(request, page, {**context, "form": form}, status=400)
    try:
        answers.proposal_answer_submit(
            proposal=proposal,
            by=request.user,
            kind=form.cleaned_data["kind"],
            text=form.cleaned_data["text"],
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return render(request, page, {**context, "form": form}, status=400)
    except (NotAllowed, InvalidTransition) as error:
        form.add_error(None, error.message)
        return render(request, page, {**context, "form": form}, status=409)
    messages.success(request, _("The answer was submitted for approval."))
    return redirect(proposal.get_absolute_url() + "answer/")


def _decide(request, proposal, decision, context):
    """An approver's decision on the answer awaiting approval, on the line the page showed."""
    page = "participation/proposals/answer.html"
    form = DecisionForm(request.POST)
    if not form.is_valid():
        return render(request, page, {**context, "decision_form": form}, status=400)
    try:
        if decision == "approve":
            answers.proposal_answer_approve(
                proposal=proposal, by=request.user, line_id=request.POST.get("line")
            )
            messages.success(request, _("The answer is published."))
            return redirect(proposal.get_absolute_url())
        answers.proposal_answer_return(
            proposal=proposal,
            by=request.user,
            comment=form.cleaned_data["comment"],
            line_id=request.POST.get("line"),
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        status = 400
    except (NotAllowed, InvalidTransition) as error:
        form.add_error(None, error.message)
        status = 409
    else:
        messages.success(request, _("The answer was returned to its drafter."))
        return redirect(proposal.get_absolute_url() + "answer/")
    return render(request, page, {**context, "decision_form": form}, status=status)


@official_required
def answers_due(request):
    """Proposals awaiting an answer from the official's units, the overdue first."""
    page = Paginator(selectors.awaiting_answer(user=request.user), PAGE_SIZE).get_page(
        page_number(request)
    )
    return render(request, "participation/proposals/answers_due.html", {"page": page})
