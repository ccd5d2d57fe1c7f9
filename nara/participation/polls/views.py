"""Poll pages: the polls of a process, answering one, its results (chart + table), exports.
Thin: forms → services → redirect; reads from selectors."""

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from nara.core.access import official_required, public
from nara.core.csvexport import csv_response
from nara.core.errors import NotAllowed
from nara.core.forms import apply_service_errors
from nara.participation import policies
from nara.participation.selectors import published_process

from . import selectors, services
from .forms import PollResponseForm
from .models import QuestionKind


@public
def poll_list(request, slug):
    process = published_process(slug)
    polls = list(selectors.process_polls(process).only(*selectors.LISTED_FIELDS))
    phase = policies.current_phase(process)
    results_phase = selectors.results_phase_started(process)
    for poll in polls:
        poll.process = process
        poll.results_visible = results_phase or poll.results_always_public
    return render(
        request,
        "participation/polls/list.html",
        {
            "process": process,
            "polls": polls,
            "phase": phase,
            "respond_refusal": policies.refusal(request.user, process, "respond"),
        },
    )


def _detail_context(request, process, poll):
    return {
        "process": process,
        "poll": poll,
        "phase": policies.current_phase(process),
        "results_visible": selectors.can_see_results(request.user, poll),
        "kinds": QuestionKind,
    }


@public
@require_http_methods(["GET", "HEAD", "POST"])
def poll_detail(request, slug, pk):
    """The poll and its form; a POST answers it (citizens; the policy decides who may)."""
    process = published_process(slug)
    poll = selectors.poll_for(process, pk)
    context = _detail_context(request, process, poll)
    refusal = services.respond_refusal(request.user, poll)
    responded = selectors.has_responded(request.user, poll)
    context.update(refusal=refusal, responded=responded)
    if request.method != "POST":
        form = PollResponseForm(poll=poll)
        return render(request, "participation/polls/detail.html", {**context, "form": form})

    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    form = PollResponseForm(request.POST, poll=poll)
    if refusal is not None or responded:
        status = 409 if responded else 403
        return render(
            request, "participation/polls/detail.html", {**context, "form": form}, status=status
        )
    if not form.is_valid():
        return render(
            request, "participation/polls/detail.html", {**context, "form": form}, status=400
        )
    try:
        services.poll_respond(poll=poll, by=request.user, answers=form.raw_answers())
    except services.AlreadyResponded:
        context["responded"] = True
        return render(
            request, "participation/polls/detail.html", {**context, "form": form}, status=409
        )
    except NotAllowed as error:
        context["refusal"] = error.message
        return render(
            request, "participation/polls/detail.html", {**context, "form": form}, status=403
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return render(
            request, "participation/polls/detail.html", {**context, "form": form}, status=400
        )
    messages.success(request, _("Thank you: your answers were recorded."))
    return redirect(poll.get_absolute_url())


def _results_poll(request, slug, pk):
    process = published_process(slug)
    poll = selectors.poll_for(process, pk)
    if not selectors.can_see_results(request.user, poll):
        raise Http404
    return process, poll


@public
def poll_results(request, slug, pk):
    """Each choice question as a bar chart with the same figures in a table; ranking by Borda
    points and first choices; free texts counted (listed to the agency's officials only)."""
    process, poll = _results_poll(request, slug, pk)
    officials = selectors.can_see_free_text(request.user, poll)
    results = selectors.poll_results(poll, with_texts=officials)
    for result in results:
        result.chart_height = 34 * len(result.rows) + 4
        for i, row in enumerate(result.rows):
            row.y = 34 * i + 4
    return render(
        request,
        "participation/polls/results.html",
        {
            "process": process,
            "poll": poll,
            "results": results,
            "show_texts": officials,
            "public": selectors.results_public(poll),
            "kinds": QuestionKind,
        },
    )


@public
def results_csv(request, slug, pk):
    """The aggregated results (the figures of the results page), public when they are."""
    process, poll = _results_poll(request, slug, pk)
    results = selectors.poll_results(poll)

    def rows():
        for number, result in enumerate(results, start=1):
            q = result.question
            if q.kind == QuestionKind.TEXT:
                yield [number, q.text, q.kind, "", result.respondents, "", "", ""]
                continue
            for row in result.rows:
                yield [
                    number,
                    q.text,
                    q.kind,
                    row.choice.text,
                    row.count,
                    row.percent,
                    row.points if q.kind == QuestionKind.RANKING else "",
                    row.first if q.kind == QuestionKind.RANKING else "",
                ]

    header = [
        "question_no",
        "question",
        "kind",
        "option",
        "count",
        "percent_of_respondents",
        "borda_points",
        "first_choices",
    ]
    return csv_response(f"poll-{poll.pk}-results.csv", header, rows())


@official_required
def responses_csv(request, slug, pk):
    """Every response, anonymised (no account, e-mail or time): officials of the running agency
    only; 404 for others."""
    process = published_process(slug)
    poll = selectors.poll_for(process, pk)
    if not policies.is_agency_official(request.user, process):
        raise Http404
    questions = list(poll.questions.all())
    header = ["response_no"] + [f"Q{i}. {q.text}" for i, q in enumerate(questions, start=1)]
    rows = ([number, *values] for number, values in selectors.anonymised_responses(poll))
    return csv_response(f"poll-{poll.pk}-responses.csv", header, rows)
