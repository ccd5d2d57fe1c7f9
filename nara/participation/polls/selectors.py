"""Reads for polls: which polls people may see, whether results are public, and the results
themselves (a fixed number of queries whatever the number of responses).

Ranking questions are scored by the Borda count: with C options, a first place earns C points,
a second place C − 1, and so on; options a person did not rank earn nothing. First-choice
counts are shown beside the points."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch
from django.http import Http404
from django.utils import timezone

from nara.participation import policies
from nara.participation.models import PhaseKind, Process

from .models import Answer, Choice, Poll, Question, QuestionKind, Response

K = QuestionKind


def process_polls(process: Process):
    return Poll.objects.filter(process=process, published=True).order_by("-created_at", "-id")


def poll_for(process: Process, pk: int, *, with_questions: bool = True) -> Poll:
    """A published poll of the process (404 otherwise), its questions and options prefetched."""
    qs = Poll.objects.filter(process=process, published=True)
    if with_questions:
        qs = qs.prefetch_related(
            Prefetch(
                "questions",
                queryset=Question.objects.order_by("position", "id").prefetch_related(
                    Prefetch("choices", queryset=Choice.objects.order_by("position", "id"))
                ),
            )
        )
    try:
        poll = qs.get(pk=pk)
    except Poll.DoesNotExist:
        raise Http404 from None
    poll.process = process  # already loaded, with its phases
    return poll


def has_responded(user, poll: Poll) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Response.objects.filter(poll=poll, user=user).exists()


def results_phase_started(process: Process, *, now=None) -> bool:
    """Whether a results phase of the process has started (it stays so after it ends)."""
    now = now or timezone.now()
    return any(p.kind == PhaseKind.RESULTS and p.starts_at <= now for p in process.phases.all())


def results_public(poll: Poll, *, now=None) -> bool:
    """Public once the process's results phase has started (and after every phase has ended),
    or always when the poll says so."""
    return poll.results_always_public or results_phase_started(poll.process, now=now)


def can_see_results(user, poll: Poll) -> bool:
    return results_public(poll) or policies.is_agency_official(user, poll.process)


def can_see_free_text(user, poll: Poll) -> bool:
    """Free-text answers may hold personal data: officials of the running agency only."""
    return policies.is_agency_official(user, poll.process)


@dataclass
class ChoiceResult:
    choice: Choice
    count: int = 0  # ticked (single, multiple) or ranked at all (ranking)
    percent: float = 0.0  # of the people who answered the question
    points: int = 0  # Borda points (ranking)
    first: int = 0  # ranked first (ranking)
    bar: float = 0.0  # the bar's length in the chart, 0–100, relative to the largest figure

    @property
    def figure(self) -> int:
        """The figure the chart shows: points for ranking, counts otherwise."""
        return self.points if self.choice.question.kind == K.RANKING else self.count


@dataclass
class QuestionResult:
    question: Question
    respondents: int = 0  # people who answered this question
    rows: list[ChoiceResult] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)  # filled in for officials only

    @property
    def max_points(self) -> int:
        return len(self.rows)


def poll_results(poll: Poll, *, with_texts: bool = False) -> list[QuestionResult]:
    """Aggregated results of every question (`poll` from `poll_for`, questions prefetched).
    Two aggregate queries, plus one for the texts when asked."""
    counts = (
        Answer.objects.filter(question__poll=poll)
        .values("question_id", "choice_id", "rank")
        .annotate(n=Count("id"))
        .order_by()
    )
    respondents = dict(
        Answer.objects.filter(question__poll=poll)
        .values("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .order_by()
        .values_list("question_id", "n")
    )
    by_choice: dict[int, dict] = {}
    for row in counts:
        if row["choice_id"] is not None:
            by_choice.setdefault(row["choice_id"], {})[row["rank"]] = row["n"]
    results = []
    for question in poll.questions.all():
        result = QuestionResult(question=question, respondents=respondents.get(question.pk, 0))
        choices = list(question.choices.all())
        n_choices = len(choices)
        for choice in choices:
            choice.question = question
            ranks = by_choice.get(choice.pk, {})
            row = ChoiceResult(choice=choice, count=sum(ranks.values()))
            if question.kind == K.RANKING:
                row.points = sum(n * (n_choices - rank + 1) for rank, n in ranks.items() if rank)
                row.first = ranks.get(1, 0)
            if result.respondents:
                row.percent = round(100 * row.count / result.respondents, 1)
            result.rows.append(row)
        if question.kind == K.RANKING:
            result.rows.sort(key=lambda r: (-r.points, -r.first, r.choice.position, r.choice.pk))
        top = max((r.figure for r in result.rows), default=0)
        for row in result.rows:
            row.bar = round(100 * row.figure / top, 1) if top else 0.0
        results.append(result)
    if with_texts:
        texts: dict[int, list[str]] = {}
        for qid, text in (
            Answer.objects.filter(question__poll=poll, question__kind=K.TEXT)
            .order_by("question_id", "response_id")
            .values_list("question_id", "text")
        ):
            texts.setdefault(qid, []).append(text)
        for result in results:
            result.texts = texts.get(result.question.pk, [])
    return results


def anonymised_responses(poll: Poll):
    """Every response as a row of answers, in response order, without who answered or when:
    (number, [answer text per question]). Streams in chunks."""
    questions = list(poll.questions.all())
    choice_text = {c.pk: c.text for q in questions for c in q.choices.all()}
    kinds = {q.pk: q.kind for q in questions}
    answers = (
        Answer.objects.filter(response__poll=poll)
        .order_by("response_id", "question_id", "rank", "id")
        .values_list("response_id", "question_id", "choice_id", "text")
    )
    current, cells, number = None, {}, 0

    def row():
        values = []
        for q in questions:
            items = cells.get(q.pk, [])
            separator = " > " if kinds[q.pk] == K.RANKING else "; "
            values.append(separator.join(items))
        return number, values

    for response_id, qid, choice_id, text in answers.iterator(chunk_size=2000):
        if response_id != current:
            if current is not None:
                yield row()
            current, cells, number = response_id, {}, number + 1
        cells.setdefault(qid, []).append(choice_text.get(choice_id, "") if choice_id else text)
    if current is not None:
        yield row()


# what lists of polls show (the process page, the polls page): read in one query
LISTED_FIELDS = (
    "pk",
    "title",
    "title_en",
    "description",
    "description_en",
    "process_id",
    "response_count",
    "results_always_public",
)


def polls_by_process(process: Process) -> list[Poll]:
    """For the process page: one query."""
    return list(
        process_polls(process).annotate(questions_n=Count("questions")).only(*LISTED_FIELDS)
    )
