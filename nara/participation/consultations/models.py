"""입법예고: drafts of rules published for comment, their structured text (articles and
paragraphs, with the current text where a draft amends one), the comments people post on them,
and the agency's "what we heard" report.

The comment period is the consultation process's input phase: at least 40 days for national
rules and 20 for local ordinances (행정절차법 §43)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nara.core import bilingual
from nara.participation.models import Moderated, Process


class Scope(models.TextChoices):
    NATIONAL = "national", _("National rule (statute, decree or regulation)")
    LOCAL = "local", _("Local ordinance or rule")


# 행정절차법 §43: the notice period is at least 40 days (20 for local ordinances).
MIN_COMMENT_DAYS = {Scope.NATIONAL: 40, Scope.LOCAL: 20}


class Stance(models.TextChoices):
    SUPPORT = "support", pgettext_lazy("comment stance", "Support")
    OPPOSE = "oppose", pgettext_lazy("comment stance", "Oppose")
    NEUTRAL = "neutral", _("Neutral or other opinion")


class StanceCounts(models.Model):
    """Published comments by stance (kept by the moderation callback, with F() updates)."""

    support_count = models.PositiveIntegerField(_("support"), default=0)
    oppose_count = models.PositiveIntegerField(_("oppose"), default=0)
    neutral_count = models.PositiveIntegerField(_("neutral"), default=0)

    class Meta:
        abstract = True

    @property
    def comment_count(self) -> int:
        return self.support_count + self.oppose_count + self.neutral_count


class Consultation(StanceCounts):
    """입법예고: one draft rule put to comment, in its own participation process."""

    process = models.OneToOneField(
        Process, on_delete=models.CASCADE, related_name="consultation", verbose_name=_("process")
    )
    title = models.CharField(_("title of the draft"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    scope = models.CharField(_("scope"), max_length=12, choices=Scope, default=Scope.NATIONAL)
    summary = models.TextField(_("summary"), help_text=_("Why the rule is made or changed."))
    summary_en = models.TextField(_("summary in English"), blank=True)
    current_text_ref = models.CharField(
        _("current text"),
        max_length=300,
        blank=True,
        help_text=_("The rule this draft amends (name and date), if any."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    # Bumped whenever what the draft and comment pages show changes (a comment published or
    # unpublished, the text edited): the rendered text and comment lists are cached under it.
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("draft for comment")
        verbose_name_plural = _("drafts for comment")

    def __str__(self) -> str:
        return bilingual.text(self, "title", mark=False)

    def get_absolute_url(self) -> str:
        return reverse("consultations:detail", args=[self.pk])


class Article(StanceCounts):
    """조: one article of the draft ("제3조(정의)"), made of paragraphs (항)."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="articles"
    )
    number = models.CharField(_("number"), max_length=20, help_text=_('For example "제3조".'))
    heading = models.CharField(_("heading"), max_length=200, blank=True)
    heading_en = models.CharField(_("heading in English"), max_length=200, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["consultation", "order", "id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(
                fields=["consultation", "number"], name="consultation_article_number_unique"
            )
        ]

    def __str__(self) -> str:
        heading = bilingual.text(self, "heading", mark=False)
        return f"{self.number}({heading})" if heading else self.number


class Paragraph(models.Model):
    """항: one paragraph of an article (①, ②…). `current_text` holds the text in force when the
    draft amends it (empty for a new paragraph); the draft page shows the difference."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="paragraphs")
    number = models.CharField(_("number"), max_length=10, blank=True)
    order = models.PositiveIntegerField(_("order"), default=0)
    text = models.TextField(_("draft text"))
    current_text = models.TextField(_("current text"), blank=True)

    class Meta:
        ordering = ["article", "order", "id"]
        verbose_name = _("paragraph")
        verbose_name_plural = _("paragraphs")

    def __str__(self) -> str:
        return f"{self.article.number} {self.number}".strip()

    @property
    def amends(self) -> bool:
        return bool(self.current_text) and self.current_text != self.text


class Comment(Moderated):
    """의견: a comment on the whole draft, on one article or on one paragraph, with a stance."""

    consultation = models.ForeignKey(
        Consultation, on_delete=models.CASCADE, related_name="comments"
    )
    article = models.ForeignKey(
        Article, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    paragraph = models.ForeignKey(
        Paragraph, null=True, blank=True, on_delete=models.CASCADE, related_name="comments"
    )
    stance = models.CharField(_("stance"), max_length=10, choices=Stance)
    body = models.TextField(_("comment"))
    form_token = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("comment on a draft")
        verbose_name_plural = _("comments on drafts")
        indexes = [
            models.Index(fields=["consultation", "moderation_status", "id"]),
            models.Index(fields=["consultation", "moderation_status", "stance", "id"]),
            models.Index(fields=["article", "moderation_status", "id"]),
            models.Index(fields=["article", "moderation_status", "stance", "id"]),
            models.Index(fields=["author", "consultation"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["author", "form_token"],
                condition=~Q(form_token=""),
                name="consultation_comment_once_per_token",
            ),
            models.CheckConstraint(
                condition=Q(paragraph__isnull=True) | Q(article__isnull=False),
                name="consultation_comment_paragraph_has_article",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("consultations:comment", args=[self.consultation_id, self.pk])

    def moderation_title(self) -> str:
        return str(_("Comment #%(id)s on a draft") % {"id": self.pk})

    def moderation_text(self) -> str:
        return self.body


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Report(models.Model):
    """ "What we heard": after the comment period, the agency's account of the comments it
    received (counts, a summary) and its reply to each theme."""

    consultation = models.OneToOneField(
        Consultation, on_delete=models.CASCADE, related_name="report"
    )
    summary = models.TextField(_("summary"), blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ReportStatus, default=ReportStatus.DRAFT
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("what we heard report")
        verbose_name_plural = _("what we heard reports")

    def __str__(self) -> str:
        return str(self.consultation)

    @property
    def is_published(self) -> bool:
        return self.status == ReportStatus.PUBLISHED


class Reply(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    PARTLY = "partly", _("Partly accepted")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class Theme(models.Model):
    """One theme of the comments received, the agency's reply to it, and the comments it covers."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="themes")
    title = models.CharField(_("theme"), max_length=200)
    summary = models.TextField(_("what people said"))
    reply = models.CharField(
        pgettext_lazy("consultation report", "reply"), max_length=14, choices=Reply
    )
    reply_text = models.TextField(_("the agency's reply"))
    order = models.PositiveIntegerField(default=0)
    comments = models.ManyToManyField(Comment, blank=True, related_name="themes")

    class Meta:
        ordering = ["report", "order", "id"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self) -> str:
        return self.title
