"""Polls and surveys (설문조사) in a participation process: questions of four kinds, one response
per eligible person, results as charts with the same figures in a table.

When results are public: while the process's current phase is "results", or at any time when
the poll's `results_always_public` flag is set. Officials of the running agency see them at
any time. Free-text answers are only ever shown to those officials (they may contain personal
data); the public sees how many there are."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Poll(models.Model):
    process = models.ForeignKey(
        "participation.Process",
        on_delete=models.CASCADE,
        related_name="polls",
        verbose_name=_("process"),
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    description_en = models.TextField(_("description in English"), blank=True)
    published = models.BooleanField(
        _("published"), default=False, help_text=_("Unpublished polls are seen by nobody.")
    )
    results_always_public = models.BooleanField(
        _("results always public"),
        default=False,
        help_text=_(
            "Show the results while the poll is open. Otherwise they are public once the "
            "process reaches its results phase."
        ),
    )
    response_count = models.PositiveIntegerField(_("responses"), default=0)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("poll")
        verbose_name_plural = _("polls")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("polls:detail", args=[self.process.slug, self.pk])


class QuestionKind(models.TextChoices):
    SINGLE = "single", _("Single choice")
    MULTIPLE = "multiple", _("Multiple choice")
    RANKING = "ranking", _("Ranking")
    TEXT = "text", _("Free text")


class Question(models.Model):
    """One question. `max_choices`: for multiple choice, the most options one may tick (empty:
    any number); for ranking, how many to rank (top N; empty: all options)."""

    poll = models.ForeignKey(
        Poll, on_delete=models.CASCADE, related_name="questions", verbose_name=_("poll")
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(pgettext_lazy("poll", "question"), max_length=300)
    text_en = models.CharField(_("question in English"), max_length=300, blank=True)
    help_text = models.CharField(_("explanation"), max_length=300, blank=True)
    help_text_en = models.CharField(_("explanation in English"), max_length=300, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind)
    required = models.BooleanField(_("answer required"), default=True)
    max_choices = models.PositiveIntegerField(
        _("most choices / ranks"),
        null=True,
        blank=True,
        help_text=_(
            "Multiple choice: the most options one may tick. Ranking: how many to rank (top N). "
            "Empty: no limit / rank all."
        ),
    )

    class Meta:
        ordering = ["poll", "position", "id"]
        verbose_name = pgettext_lazy("poll", "question")
        verbose_name_plural = _("questions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_choices__isnull=True) | models.Q(max_choices__gte=1),
                name="poll_question_max_choices_positive",
            )
        ]

    def __str__(self) -> str:
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind != QuestionKind.TEXT


class Choice(models.Model):
    question = models.ForeignKey(
        Question,
        on_delete=models.CASCADE,
        related_name="choices",
        verbose_name=pgettext_lazy("poll", "question"),
    )
    position = models.PositiveIntegerField(_("position"), default=0)
    text = models.CharField(_("option"), max_length=200)
    text_en = models.CharField(_("option in English"), max_length=200, blank=True)

    class Meta:
        ordering = ["question", "position", "id"]
        verbose_name = _("option")
        verbose_name_plural = _("options")

    def __str__(self) -> str:
        return self.text


class Response(models.Model):
    """One person's response to a poll: at most one per person (the constraint holds under
    concurrent submits). The user is kept only to enforce that; exports never show it."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["poll", "id"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "user"], name="one_response_per_poll")
        ]


class Answer(models.Model):
    """One answer row: a chosen option (single, multiple), a ranked option (`rank` 1 = first),
    or a free text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    rank = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["response", "question", "rank", "id"]
        indexes = [models.Index(fields=["question", "choice", "rank"])]
