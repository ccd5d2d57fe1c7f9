"""Participatory budgeting pages: the budget, its projects, proposing, the agency's assessment,
the ballot and the results. Thin: policies decide, services write, selectors read."""

from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import NoReverseMatch, reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nara.core import bilingual
from nara.core.access import citizen_required, official_required, public
from nara.core.errors import NotAllowed
from nara.core.forms import apply_service_errors, new_form_token, page_number
from nara.participation import policies
from nara.participation.models import Action, PhaseKind

from . import selectors, services
from .forms import AssessmentForm, ProjectEnglishForm, ProjectForm
from .models import BallotStyle, Budget

PAGE_SIZE = 50
SUMMARY_CHARS = 140


def _process_url(process) -> str:
    for name, kwargs in (
        ("participation:process", {"slug": process.slug}),
        ("participation:process", {"pk": process.pk}),
    ):
        try:
            return reverse(name, kwargs=kwargs)
        except NoReverseMatch:
            continue
    return reverse("participation:home")


def _budget_context(request, budget: Budget) -> dict:
    process = budget.process
    phase = policies.current_phase(process)
    return {
        "budget": budget,
        "process": process,
        "process_url": _process_url(process),
        "phase": phase,
        "total_display": services.won(budget.total_amount),
        "is_knapsack": budget.is_knapsack,
    }


def _summary(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_CHARS else text[: SUMMARY_CHARS - 1].rstrip() + "…"


# --- public pages ----------------------------------------------------------------------------


@public
def budget_list(request):
    budgets = (
        Budget.objects.filter(process__published=True)
        .select_related("process__unit", "process__region")
        .order_by("-created_at", "-id")
    )
    page = Paginator(budgets, PAGE_SIZE).get_page(page_number(request))
    return render(request, "participation/budgets/list.html", {"page": page})


@public
def budget_detail(request, pk):
    budget = selectors.budget_get(pk=pk)
    process = budget.process
    user = request.user
    page = Paginator(selectors.project_list_public(budget=budget), PAGE_SIZE).get_page(
        page_number(request)
    )
    context = _budget_context(request, budget)
    context.update(
        page=page,
        counts=selectors.budget_counts(budget=budget),
        mine=selectors.projects_mine(budget=budget, user=user),
        can_propose=policies.can_act(user, process, Action.PROPOSE),
        can_vote=policies.can_act(user, process, Action.VOTE),
        is_official=policies.is_agency_official(user, process),
        results_open=selectors.results_open(budget),
        has_voted=selectors.ballot_exists(budget=budget, user=user),
        style_locked=budget.style_locked(),
    )
    return render(request, "participation/budgets/detail.html", context)


@public
def project_detail(request, pk):
    project = selectors.project_get(pk=pk, user=request.user)
    budget = project.budget
    context = _budget_context(request, budget)
    context.update(
        project=project,
        is_author=request.user.is_authenticated and project.author_id == request.user.pk,
        estimated_display=services.won(project.estimated_cost),
        official_display=services.won(project.official_cost)
        if project.official_cost is not None
        else "",
        can_assess=policies.is_agency_official(request.user, budget.process),
    )
    return render(request, "participation/budgets/project.html", context)


@public
def results(request, pk):
    budget = selectors.budget_get(pk=pk)
    context = _budget_context(request, budget)
    is_open = selectors.results_open(budget)
    context["results_open"] = is_open
    if is_open:
        result = selectors.budget_results(budget=budget)
        context.update(
            results=result,
            allocated_display=services.won(result.allocated),
            left_display=services.won(result.total - result.allocated),
        )
    return render(request, "participation/budgets/results.html", context)


# --- proposing -------------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def propose(request, pk):
    budget = selectors.budget_get(pk=pk)
    context = _budget_context(request, budget)
    refusal = policies.refusal(request.user, budget.process, Action.PROPOSE)
    status = 200
    if request.method == "POST" and refusal is None:
        form = ProjectForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                project = services.project_propose(
                    budget=budget,
                    author=request.user,
                    title=data["title"],
                    description=data["description"],
                    location=data["location"],
                    estimated_cost=data["estimated_cost"],
                    form_token=data["form_token"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except NotAllowed as error:
                refusal = error.message
            else:
                messages.success(
                    request,
                    _("Thank you. Your project is submitted and waits for moderation."),
                )
                return redirect(project.get_absolute_url())
        status = 400 if form.errors else 403 if refusal else 200
    else:
        form = ProjectForm(initial={"form_token": new_form_token()})
        if refusal is not None:
            status = 403 if request.method == "POST" else 200
    context.update(form=form, refusal=refusal)
    return render(request, "participation/budgets/propose.html", context, status=status)


# --- assessment (officials of the agency) ----------------------------------------------------


def _official_budget(request, pk) -> Budget:
    budget = selectors.budget_get(pk=pk)
    if not policies.is_agency_official(request.user, budget.process):
        raise Http404
    return budget


@official_required
def assessment_list(request, pk):
    budget = _official_budget(request, pk)
    page = Paginator(selectors.assessment_queue(budget=budget), PAGE_SIZE).get_page(
        page_number(request)
    )
    context = _budget_context(request, budget)
    context.update(page=page, refusal=policies.refusal(request.user, budget.process, Action.ASSESS))
    return render(request, "participation/budgets/assess_list.html", context)


@official_required
@require_http_methods(["GET", "POST"])
def assess(request, pk):
    project = selectors.project_get(pk=pk, user=request.user)
    budget = project.budget
    if not policies.is_agency_official(request.user, budget.process):
        raise Http404
    refusal = policies.refusal(request.user, budget.process, Action.ASSESS)
    status = 200
    if request.method == "POST" and refusal is None:
        form = AssessmentForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.project_assess(
                    project=project,
                    by=request.user,
                    feasible=data["feasible"],
                    reason=data["reason"],
                    official_cost=data["official_cost"],
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            except NotAllowed as error:
                refusal = error.message
            else:
                messages.success(request, _("The assessment is saved."))
                return redirect("budgets:assessment", pk=budget.pk)
        status = 400 if form.errors else 403 if refusal else 200
    else:
        if request.method == "POST":  # refused before the form is read: say why, with 403
            status = 403
        initial = {}
        if project.feasibility != "pending":
            initial = {
                "feasible": "yes" if project.feasibility == "feasible" else "no",
                "official_cost": project.official_cost,
                "reason": project.feasibility_reason,
            }
        form = AssessmentForm(initial=initial)
    context = _budget_context(request, budget)
    context.update(
        project=project,
        form=form,
        refusal=refusal,
        estimated_display=services.won(project.estimated_cost),
    )
    return render(request, "participation/budgets/assess.html", context, status=status)


@official_required
@require_http_methods(["GET", "POST"])
def english(request, pk):
    """An official of the running agency writes a project's English version, at any time."""
    project = selectors.project_get(pk=pk, user=request.user)
    if not policies.is_agency_official(request.user, project.budget.process):
        raise Http404
    form = ProjectEnglishForm(
        request.POST or None,
        initial={"title_en": project.title_en, "description_en": project.description_en},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.project_english_set(project=project, by=request.user, **form.cleaned_data)
        except NotAllowed:
            raise Http404 from None
        messages.success(request, _("The English version is saved."))
        return redirect(project.get_absolute_url())
    context = _budget_context(request, project.budget)
    context.update(project=project, form=form)
    status = 400 if form.errors else 200
    return render(request, "participation/budgets/english.html", context, status=status)


# --- the ballot ------------------------------------------------------------------------------


BALLOT_CACHE_SECONDS = 3600


def _ballot_list(budget: Budget) -> tuple[str, dict[int, int]]:
    """The ballot's project list as HTML (no box ticked) and each project's official cost.
    It is the same for every voter, so it is rendered once per budget, language and
    `ballot_version` (bumped by moderation and assessment) and kept in the cache."""
    key = f"budgets:ballot:{budget.pk}:{budget.ballot_version}:{get_language()}"
    entry = caches["pages"].get(key)
    if entry is None:
        projects = selectors.ballot_projects(budget=budget)
        rows = [
            {
                "id": p.pk,
                "title": bilingual.html(p, "title"),
                "summary": bilingual.excerpt(p, "description", _summary),
                "location": p.location,
                "cost": p.official_cost,
                "cost_display": f"{p.official_cost:,}",
            }
            for p in projects
        ]
        html = render_to_string(
            "participation/budgets/_ballot_rows.html",
            {"rows": rows, "project_base": reverse("budgets:project", args=[1])[:-2]},
        )
        entry = (html, {p.pk: p.official_cost for p in projects})
        caches["pages"].set(key, entry, BALLOT_CACHE_SECONDS)
    return entry


def _mark(html: str, chosen: set[int], *, disabled: bool) -> str:
    for pk in chosen:
        html = html.replace(f'value="{pk}" id=', f'value="{pk}" checked id=', 1)
    if disabled:
        html = html.replace('name="project" ', 'name="project" disabled ')
    return html


@public
@require_http_methods(["GET", "POST"])
def ballot(request, pk):
    """The ballot: every project on it with a checkbox. Works without JavaScript (the service
    checks the rules); ballot.js adds the live remaining budget and refuses to submit a ballot
    over the budget (or over the number of votes)."""
    budget = selectors.budget_get(pk=pk)
    process = budget.process
    user = request.user
    refusal = policies.refusal(user, process, Action.VOTE)
    error = None
    status = 200
    if request.method == "POST":
        chosen_raw = request.POST.getlist("project")
        chosen = {int(v) for v in chosen_raw if v.isdigit() and len(v) < 19}
        if refusal is None:
            try:
                services.ballot_cast(budget=budget, voter=user, project_ids=chosen_raw)
            except ValidationError as exc:
                error = " ".join(str(m) for m in exc.messages)
                status = 400
            except NotAllowed as exc:
                refusal, status = exc.message, 403
            else:
                return redirect("budgets:ballot_done", pk=budget.pk)
        else:
            status = 403
    else:
        chosen = selectors.ballot_choice_ids(budget=budget, user=user)
    html, costs = _ballot_list(budget)
    chosen = {pk for pk in chosen if pk in costs}
    chosen_cost = sum(costs[pk] for pk in chosen)
    chosen_count = len(chosen)
    context = _budget_context(request, budget)
    context.update(
        rows_html=mark_safe(_mark(html, chosen, disabled=refusal is not None)),  # noqa: S308
        has_rows=bool(costs),
        refusal=refusal,
        error=error,
        has_voted=request.method == "GET" and bool(chosen),
        chosen_display=services.won(chosen_cost),
        remaining=budget.total_amount - chosen_cost,
        remaining_display=services.won(budget.total_amount - chosen_cost),
        votes_left=budget.approval_votes - chosen_count,
        chosen_count=chosen_count,
        approval=budget.ballot_style == BallotStyle.APPROVAL,
        won_template=services.won_pattern("__AMOUNT__"),
        phase_is_voting=context["phase"] is not None and context["phase"].kind == PhaseKind.VOTING,
    )
    return render(request, "participation/budgets/ballot.html", context, status=status)


@citizen_required
def ballot_done(request, pk):
    """The voter's confirmation: what they chose (only they see it)."""
    budget = selectors.budget_get(pk=pk)
    chosen = selectors.ballot_choice_ids(budget=budget, user=request.user)
    if not chosen:
        raise Http404
    projects = selectors.ballot_projects(budget=budget, only_ids=chosen)
    total = sum(p.official_cost for p in projects)
    context = _budget_context(request, budget)
    context.update(
        projects=[(p, services.won(p.official_cost)) for p in projects],
        chosen_display=services.won(total),
        can_change=policies.can_act(request.user, budget.process, Action.VOTE),
    )
    return render(request, "participation/budgets/ballot_done.html", context)
