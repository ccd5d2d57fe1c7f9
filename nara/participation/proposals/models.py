"""Proposals (국민생각함 ideas): a citizen's idea in a participation process is born (submitted
and moderated), develops (gathers support and comments) and completes (the competent agency
answers it once it has passed the support threshold).

Statuses beyond moderation: open → threshold reached (awaiting the official answer, on a clock)
→ answered (accepted / under review / not accepted); an open proposal is closed when the
process moves past the phases where people may support."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.participation.models import Moderated

DEFAULT_SUPPORT_THRESHOLD = 50
DEFAULT_ANSWER_DAYS = 30


class ProposalStatus(models.TextChoices):
    OPEN = "open", _("Gathering support")
    THRESHOLD_REACHED = "threshold", _("Awaiting the agency's answer")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")


class AnswerKind(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    UNDER_REVIEW = "under_review", _("Under review")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class ProposalSettings(models.Model):
    """How proposals work in one process: the support a proposal needs before the agency must
    answer it, and the time it has to answer (counted from the moment the threshold is reached,
    in calendar days, or in working days with `nara.core.clock.add_working_days` when
    `answer_in_working_days` is set). A process without settings uses the defaults
    (`NARA_PROPOSAL_SUPPORT_THRESHOLD`, `NARA_PROPOSAL_ANSWER_DAYS`: 50 supporters, 30 days)."""

    process = models.OneToOneField(
        "participation.Process",
        on_delete=models.CASCADE,
        related_name="proposal_settings",
        verbose_name=_("process"),
    )
    support_threshold = models.PositiveIntegerField(
        _("support needed for an answer"), default=DEFAULT_SUPPORT_THRESHOLD
    )
    answer_days = models.PositiveIntegerField(_("days to answer"), default=DEFAULT_ANSWER_DAYS)
    answer_in_working_days = models.BooleanField(
        _("count working days"),
        default=False,
        help_text=_("Count the days to answer as working days (weekends and holidays excluded)."),
    )

    class Meta:
        verbose_name = _("proposal settings")
        verbose_name_plural = _("proposal settings")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(support_threshold__gte=1), name="proposal_threshold_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(answer_days__gte=1), name="proposal_answer_days_positive"
            ),
        ]

    def __str__(self) -> str:
        return str(self.process)


class Proposal(Moderated):
    """A citizen's idea in a process. `support_count` counts `ProposalSupport` rows (one per
    person), `comment_count` the published comments."""

    process = models.ForeignKey(
        "participation.Process",
        on_delete=models.CASCADE,
        related_name="proposals",
        verbose_name=_("process"),
    )
    title = models.CharField(_("title"), max_length=150)
    body = models.TextField(_("proposal"))
    category = models.ForeignKey(
        "agencies.Category",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("category"),
    )
    unit = models.ForeignKey(
        "agencies.Unit",
        on_delete=models.PROTECT,
        related_name="participation_proposals",
        verbose_name=_("competent agency"),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ProposalStatus, default=ProposalStatus.OPEN
    )
    support_count = models.PositiveIntegerField(_("supporters"), default=0)
    comment_count = models.PositiveIntegerField(_("comments"), default=0)
    threshold_reached_at = models.DateTimeField(_("threshold reached"), null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    answer_kind = models.CharField(
        _("answer"), max_length=15, choices=AnswerKind, blank=True, default=""
    )
    answer_text = models.TextField(_("answer text"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # The answer awaiting approval on its line (nara/participation/proposals/answers.py): set
    # when submitted, published into answer_kind/answer_text when its line ends approved.
    pending_answer_kind = models.CharField(
        _("answer awaiting approval"), max_length=15, choices=AnswerKind, blank=True, default=""
    )
    pending_answer_text = models.TextField(_("answer text awaiting approval"), blank=True)
    answer_drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    answer_return_comment = models.TextField(_("why the answer was returned"), blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    idempotency_key = models.CharField(max_length=80, blank=True, default="")

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [
            models.Index(fields=["process", "moderation_status", "status"]),
            models.Index(fields=["process", "moderation_status", "support_count"]),
            models.Index(fields=["status", "answer_due_at"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="proposal_one_per_form_token",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("proposals:detail", args=[self.process.slug, self.pk])

    @property
    def is_overdue(self) -> bool:
        return (
            self.status == ProposalStatus.THRESHOLD_REACHED
            and self.answer_due_at is not None
            and self.answer_due_at < timezone.now()
        )


class ProposalSupport(models.Model):
    """One person's support for a proposal (at most one each)."""

    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["proposal", "user"], name="one_support_per_proposal")
        ]


class ProposalComment(Moderated):
    """A comment on a proposal (pre-moderated like everything posted)."""

    proposal = models.ForeignKey(
        Proposal, on_delete=models.CASCADE, related_name="comments", verbose_name=_("proposal")
    )
    body = models.TextField(_("comment"))

    class Meta:
        ordering = ["submitted_at", "id"]
        verbose_name = _("comment on a proposal")
        verbose_name_plural = _("comments on proposals")
        indexes = [models.Index(fields=["proposal", "moderation_status", "submitted_at"])]

    def __str__(self) -> str:
        return self.body[:60]

    def moderation_title(self) -> str:
        return str(_("Comment on “%(title)s”") % {"title": self.proposal.title})

    def get_absolute_url(self) -> str:
        return f"{self.proposal.get_absolute_url()}#comment-{self.pk}"
