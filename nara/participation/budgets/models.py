"""Participatory budgeting (주민참여예산): a budget of a participation process, the projects
residents propose for it, the agency's assessment of each (feasible or not, and the official
cost), and the residents' ballots.

Ballot styles:
- knapsack: choose any projects whose official costs add up to at most the budget;
- approval: choose at most `approval_votes` projects.
The style is chosen before voting starts and locked afterwards (`style_locked_at`)."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.core import bilingual
from nara.participation.models import Moderated, ModerationStatus, PhaseKind, Process


class BallotStyle(models.TextChoices):
    KNAPSACK = "knapsack", _("Knapsack: projects up to the budget")
    APPROVAL = "approval", _("Approval: a fixed number of votes")


class Feasibility(models.TextChoices):
    PENDING = "pending", _("Not assessed yet")
    FEASIBLE = "feasible", _("Feasible")
    NOT_FEASIBLE = "not_feasible", _("Not feasible")


class Budget(models.Model):
    """주민참여예산: the money a process puts to the residents' vote (KRW, whole won)."""

    process = models.ForeignKey(
        Process, verbose_name=_("process"), on_delete=models.CASCADE, related_name="budgets"
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("summary in English"), blank=True)
    total_amount = models.PositiveBigIntegerField(_("total amount (KRW)"))
    ballot_style = models.CharField(
        _("ballot style"), max_length=12, choices=BallotStyle, default=BallotStyle.KNAPSACK
    )
    approval_votes = models.PositiveSmallIntegerField(
        _("votes per ballot (approval)"),
        default=3,
        help_text=_("How many projects a voter may choose on an approval ballot."),
    )
    style_locked_at = models.DateTimeField(
        _("ballot rules locked"),
        null=True,
        blank=True,
        help_text=_("Set when voting starts or at the first ballot; the rules cannot change then."),
    )
    # bumped whenever what the ballot lists changes (moderation, assessment): the ballot's
    # rendered project list is cached under it
    ballot_version = models.PositiveIntegerField(default=0, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("participatory budget")
        verbose_name_plural = _("participatory budgets")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_amount__gt=0), name="budget_total_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(approval_votes__gte=1), name="budget_approval_votes_positive"
            ),
        ]

    def __str__(self) -> str:
        return bilingual.text(self, "title", mark=False)

    def get_absolute_url(self) -> str:
        return reverse("budgets:detail", args=[self.pk])

    @property
    def is_knapsack(self) -> bool:
        return self.ballot_style == BallotStyle.KNAPSACK

    def voting_started(self, *, now=None) -> bool:
        """Whether a voting phase of the process has started (uses prefetched phases)."""
        now = now or timezone.now()
        return any(
            p.kind == PhaseKind.VOTING and p.starts_at <= now for p in self.process.phases.all()
        )

    def style_locked(self, *, now=None) -> bool:
        return self.style_locked_at is not None or self.voting_started(now=now)


class ProjectQuerySet(models.QuerySet):
    def on_ballot(self):
        """Projects voters may choose: published, assessed feasible, with an official cost."""
        return self.filter(
            moderation_status=ModerationStatus.PUBLISHED,
            feasibility=Feasibility.FEASIBLE,
            official_cost__isnull=False,
        )


class Project(Moderated):
    """A project a resident proposes for the budget; the agency assesses it."""

    budget = models.ForeignKey(
        Budget, verbose_name=_("budget"), on_delete=models.CASCADE, related_name="projects"
    )
    title = models.CharField(_("title"), max_length=150)
    title_en = models.CharField(_("title in English"), max_length=150, blank=True)
    description = models.TextField(_("description"))
    description_en = models.TextField(_("description in English"), blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    estimated_cost = models.PositiveBigIntegerField(_("estimated cost (KRW)"))
    feasibility = models.CharField(
        _("feasibility"),
        max_length=14,
        choices=Feasibility,
        default=Feasibility.PENDING,
        db_index=True,
    )
    feasibility_reason = models.TextField(_("assessment"), blank=True)
    official_cost = models.PositiveBigIntegerField(_("official cost (KRW)"), null=True, blank=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    assessed_at = models.DateTimeField(_("assessed"), null=True, blank=True)
    form_token = models.CharField(max_length=64, blank=True, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("budget project")
        verbose_name_plural = _("budget projects")
        indexes = [models.Index(fields=["budget", "moderation_status", "feasibility"])]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "form_token"],
                condition=~models.Q(form_token=""),
                name="budget_project_one_per_form_token",
            ),
        ]

    def __str__(self) -> str:
        return bilingual.text(self, "title", mark=False)

    def get_absolute_url(self) -> str:
        return reverse("budgets:project", args=[self.pk])

    def moderation_text(self) -> str:
        return f"{self.location}\n{self.description}".strip()

    @property
    def on_ballot(self) -> bool:
        return (
            self.moderation_status == ModerationStatus.PUBLISHED
            and self.feasibility == Feasibility.FEASIBLE
            and self.official_cost is not None
        )


class Ballot(models.Model):
    """One voter's ballot on one budget. Re-voting during the voting phase replaces its
    choices. Choices are never shown with the voter: results count choices only."""

    budget = models.ForeignKey(Budget, on_delete=models.CASCADE, related_name="ballots")
    voter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    cast_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        constraints = [
            models.UniqueConstraint(fields=["budget", "voter"], name="budget_one_ballot_per_voter")
        ]


class BallotChoice(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="choices")
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ballot_choices")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["ballot", "project"], name="budget_choice_once")
        ]
