"""Reads for participatory budgets, scoped to what the user may see. Every function costs a fixed
number of queries, whatever the number of projects or ballots.

Results rule (documented on the results page): projects are ranked by votes (most first; ties:
the cheaper first, then the earlier proposed). Going down that list, a project wins when its
official cost still fits in what is left of the budget; a project that does not fit is skipped
and the next one is considered. The same rule applies to knapsack and approval ballots."""

from dataclasses import dataclass

from django.db.models import Case, Count, Q, When
from django.http import Http404
from django.utils import timezone

from nara.core.prepared import PreparedQuery
from nara.participation import policies
from nara.participation.models import ModerationStatus, PhaseKind

from .models import Ballot, BallotChoice, Budget, Feasibility, Project

# Compiled once (nara.core.prepared): every budget page reads its budget so.
_published_budget = PreparedQuery(
    lambda pk: (
        Budget.objects.select_related("process__unit", "process__region")
        .filter(pk=pk, process__published=True)
        .order_by()[:1]
    )
)


def budget_get(*, pk) -> Budget:
    """A budget of a published process (404 otherwise), with its process, unit, region and
    phases loaded."""
    try:
        budget = _published_budget.first(pk=int(pk))
    except (ValueError, TypeError, OverflowError):
        budget = None
    if budget is None:
        raise Http404
    policies.load_phases(budget.process)
    return budget


def project_visible(user, project: Project) -> bool:
    """Published projects are public; authors see their own in every moderation state;
    officials of the agency see all (they assess them); moderators too."""
    if project.moderation_status == ModerationStatus.PUBLISHED:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        project.author_id == user.pk
        or policies.can_moderate(user)
        or policies.is_agency_official(user, project.budget.process)
    )


def project_get(*, pk, user) -> Project:
    try:
        project = (
            Project.objects.select_related(
                "budget__process__unit", "budget__process__region", "author"
            )
            .prefetch_related("budget__process__phases")
            .get(pk=pk, budget__process__published=True)
        )
    except (Project.DoesNotExist, ValueError, TypeError, OverflowError):
        raise Http404 from None
    if not project_visible(user, project):
        raise Http404
    return project


def project_list_public(*, budget: Budget):
    """Published projects with their feasibility, for the budget page (paginate it)."""
    return Project.objects.filter(
        budget=budget, moderation_status=ModerationStatus.PUBLISHED
    ).order_by("feasibility", "id")


def projects_mine(*, budget: Budget, user) -> list[Project]:
    """The user's own projects that are not published (pending, rejected, hidden)."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Project.objects.filter(budget=budget, author=user)
        .exclude(moderation_status=ModerationStatus.PUBLISHED)
        .order_by("-submitted_at")
    )


def ballot_projects(*, budget: Budget, only_ids=None) -> list[Project]:
    """The projects on the ballot, in the order they were proposed (no ranking hint);
    `only_ids`: just those."""
    projects = Project.objects.on_ballot().filter(budget=budget)
    if only_ids is not None:
        projects = projects.filter(pk__in=only_ids)
    return list(
        projects.only(
            "id",
            "title",
            "title_en",
            "description",
            "description_en",
            "location",
            "official_cost",
            "budget_id",
        ).order_by("id")
    )


_chosen = PreparedQuery(
    lambda budget_id, voter_id: (
        BallotChoice.objects.filter(ballot__budget_id=budget_id, ballot__voter_id=voter_id)
        .values_list("project_id", flat=True)
        .order_by()
    )
)


def ballot_choice_ids(*, budget: Budget, user) -> set[int]:
    """The projects `user` chose on their ballot (shown only to themselves)."""
    if not getattr(user, "is_authenticated", False):
        return set()
    return set(_chosen.all(budget_id=budget.pk, voter_id=user.pk))


def ballot_exists(*, budget: Budget, user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Ballot.objects.filter(budget=budget, voter=user).exists()


def results_open(budget: Budget, *, now=None) -> bool:
    """Results are shown once a results phase has started, or every voting phase has ended."""
    now = now or timezone.now()
    phases = list(budget.process.phases.all())
    if any(p.kind == PhaseKind.RESULTS and p.starts_at <= now for p in phases):
        return True
    voting = [p for p in phases if p.kind == PhaseKind.VOTING]
    return bool(voting) and all(p.ends_at <= now for p in voting)


@dataclass
class ResultRow:
    project: Project
    votes: int
    share: int  # percent of ballots, for the bars
    won: bool


@dataclass
class Results:
    rows: list[ResultRow]
    ballots: int
    allocated: int
    total: int

    @property
    def winners(self) -> list[ResultRow]:
        return [r for r in self.rows if r.won]


def winners_greedy(items: list[tuple[int, int, int]], total: int) -> set[int]:
    """items: (id, votes, cost). Rank by votes desc, cost asc, id asc; take each that fits."""
    left = total
    won = set()
    for pk, votes, cost in sorted(items, key=lambda i: (-i[1], i[2], i[0])):
        if votes > 0 and cost <= left:
            won.add(pk)
            left -= cost
    return won


def budget_results(*, budget: Budget) -> Results:
    """Votes per ballot project, the winners (see the module docstring), and turnout. Two
    queries."""
    projects = list(
        Project.objects.on_ballot()
        .filter(budget=budget)
        .only("id", "title", "title_en", "location", "official_cost", "budget_id")
        .annotate(votes=Count("ballot_choices"))
        .order_by("id")
    )
    ballots = Ballot.objects.filter(budget=budget).count()
    won = winners_greedy([(p.pk, p.votes, p.official_cost) for p in projects], budget.total_amount)
    projects.sort(key=lambda p: (-p.votes, p.official_cost, p.pk))
    rows = [
        ResultRow(
            project=p,
            votes=p.votes,
            share=round(100 * p.votes / ballots) if ballots else 0,
            won=p.pk in won,
        )
        for p in projects
    ]
    allocated = sum(r.project.official_cost for r in rows if r.won)
    return Results(rows=rows, ballots=ballots, allocated=allocated, total=budget.total_amount)


def assessment_queue(*, budget: Budget):
    """Every project of the budget but the rejected and hidden ones, not yet assessed first."""
    return (
        Project.objects.filter(budget=budget)
        .exclude(moderation_status__in=[ModerationStatus.REJECTED, ModerationStatus.HIDDEN])
        .order_by(Case(When(feasibility=Feasibility.PENDING, then=0), default=1), "id")
    )


def budget_counts(*, budget: Budget) -> dict:
    """Counts for the budget page: published projects, feasible ones, ballots. One query each."""
    counts = Project.objects.filter(
        budget=budget, moderation_status=ModerationStatus.PUBLISHED
    ).aggregate(
        published=Count("id"),
        feasible=Count("id", filter=Q(feasibility=Feasibility.FEASIBLE)),
    )
    counts["ballots"] = Ballot.objects.filter(budget=budget).count()
    return counts
