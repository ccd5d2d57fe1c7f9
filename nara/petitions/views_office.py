"""The agency's petition pages (청원 답변): the petitions referred to the user's units, and the
official answer of one: drafted by a handler, approved (or returned) by an approver, published.

Thin views: a form parses the input, a service decides and writes, errors become responses.
A petition outside the user's units is 404."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from nara.agencies.models import Membership
from nara.agencies.selectors import user_has_role
from nara.audit.models import AuditEvent, EventType
from nara.core.access import official_required
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors

from . import answers, selectors, services, signing
from .forms_office import AnswerForm, ApproveForm, ExtendForm, ReturnForm
from .models import AnswerStatus, Petition, PetitionAnswer
from .transitions import Action, can_transition

Role = Membership.Role
PAGE_SIZE = 25
ANSWER_EVENTS = (
    EventType.PETITION_OPENED,
    EventType.PETITION_REFERRED,
    EventType.PETITION_ANSWER_REQUIRED,
    EventType.PETITION_CLOSED,
    EventType.PETITION_SIGNATURES_INVALIDATED,
    EventType.PETITION_ANSWER_DRAFTED,
    EventType.PETITION_ANSWER_SUBMITTED,
    EventType.PETITION_ANSWER_RETURNED,
    EventType.PETITION_ANSWER_EXTENDED,
    EventType.PETITION_ANSWERED,
)


@official_required
@require_GET
def inbox(request):
    """Petitions referred to, or awaiting an answer from, the user's units."""
    petitions = selectors.office_petitions(request.user).annotate(live=Sum("counters__count"))
    page = Paginator(petitions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "petitions/office/inbox.html", {"page": page, "now": timezone.now()})


def _petition(user, pk) -> Petition:
    petition = (
        selectors.office_petitions(user)
        .select_related("type", "category", "author")
        .filter(pk=pk)
        .first()
    )
    if petition is None:
        raise Http404
    return petition


def _answer(petition: Petition) -> PetitionAnswer | None:
    return PetitionAnswer.objects.filter(petition=petition).select_related("drafted_by").first()


def _may(user, petition: Petition, answer: PetitionAnswer | None) -> dict:
    """Which forms the user sees; the services check again."""
    handler = user_has_role(user, petition.unit_id, Role.HANDLER)
    approver = user_has_role(user, petition.unit_id, Role.APPROVER)
    answering = can_transition(petition.status, Action.ANSWER)
    state = answer.status if answer else None
    return {
        "answer": handler
        and answering
        and state not in (AnswerStatus.PENDING, AnswerStatus.PUBLISHED),
        "approve": approver
        and can_transition(petition.status, Action.PUBLISH)
        and state == AnswerStatus.PENDING,
        "return": approver and answering and state == AnswerStatus.PENDING,
        "extend": approver
        and can_transition(petition.status, Action.EXTEND)
        and not petition.answer_extended,
    }


def _detail_context(request, petition: Petition, bound: dict | None = None) -> dict:
    answer = _answer(petition)
    may = _may(request.user, petition, answer)
    forms = {}
    if may["answer"]:
        forms["answer"] = AnswerForm(
            prefix="answer", initial={"text": answer.text if answer else ""}
        )
    if may["approve"]:
        forms["approve"] = ApproveForm(prefix="approve")
    if may["return"]:
        forms["return"] = ReturnForm(prefix="return")
    if may["extend"]:
        forms["extend"] = ExtendForm(prefix="extend", max_days=petition.type.extension_days)
    forms.update(bound or {})
    history = list(
        AuditEvent.objects.filter(
            target_type="petitions.petition",
            target_id=str(petition.pk),
            event_type__in=ANSWER_EVENTS,
        )
        .select_related("actor")
        .order_by("created_at", "id")
    )
    return {
        "petition": petition,
        "answer": answer,
        "count": signing.signature_count(petition.pk),
        "now": timezone.now(),
        "forms": forms,
        "is_handler": user_has_role(request.user, petition.unit_id, Role.HANDLER),
        "history": history,
        "public_url": services.petition_url(petition),
    }


@official_required
@require_GET
def detail(request, pk):
    petition = _petition(request.user, pk)
    return render(request, "petitions/office/detail.html", _detail_context(request, petition))


def _act(request, pk, name: str, form, run, done):
    """Run one action from its form, then back to the petition's page."""
    petition = _petition(request.user, pk)
    if form.is_valid():
        try:
            run(petition, request.user, form)
        except ValidationError as error:
            apply_service_errors(form, error)
        except NotAllowed as error:
            return _problem(request, petition, error.message, status=403)
        except InvalidTransition as error:
            return _problem(request, petition, error.message, status=409)
        else:
            messages.success(request, done(form) if callable(done) else done)
            return redirect("office_petitions:detail", pk=petition.pk)
    context = _detail_context(request, petition, bound={name: form})
    context["failed_form"] = form
    return render(request, "petitions/office/detail.html", context, status=400)


def _problem(request, petition, message, *, status):
    return render(
        request,
        "petitions/office/problem.html",
        {"petition": petition, "message": message, "status": status},
        status=status,
    )


@official_required
@require_POST
def answer(request, pk):
    """Save the draft of the answer, or submit it for approval (the button says which)."""
    return _act(
        request,
        pk,
        "answer",
        AnswerForm(request.POST, prefix="answer"),
        lambda p, by, form: answers.petition_answer_save(
            petition=p, by=by, text=form.cleaned_data["text"], submit=form.submit()
        ),
        lambda form: (
            _("The answer was submitted to the unit's approvers.")
            if form.submit()
            else _("The draft was saved. It has not been submitted.")
        ),
    )


@official_required
@require_POST
def approve(request, pk):
    return _act(
        request,
        pk,
        "approve",
        ApproveForm(request.POST, prefix="approve"),
        lambda p, by, form: answers.petition_answer_approve(petition=p, by=by),
        _("The answer is published on the petition and its signers are being told."),
    )


@official_required
@require_POST
def return_answer(request, pk):
    return _act(
        request,
        pk,
        "return",
        ReturnForm(request.POST, prefix="return"),
        lambda p, by, form: answers.petition_answer_return(
            petition=p, by=by, comment=form.cleaned_data["comment"]
        ),
        _("The answer was returned to the drafter with your comment."),
    )


@official_required
@require_POST
def extend(request, pk):
    petition = _petition(request.user, pk)
    return _act(
        request,
        pk,
        "extend",
        ExtendForm(request.POST, prefix="extend", max_days=petition.type.extension_days),
        lambda p, by, form: answers.petition_extend_answer(
            petition=p, by=by, days=form.cleaned_data["days"], reason=form.cleaned_data["reason"]
        ),
        _("The answer period was extended; the reason and the new date are published."),
    )
