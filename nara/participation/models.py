"""Participation processes and their phases, and what every posted item shares: moderation
state, flags, posting blocks, follows."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nara.core import bilingual


class Action(models.TextChoices):
    """What someone may do in a process. The current phase decides which are open."""

    # citizens
    COMMENT = "comment", _("Comment")
    PROPOSE = "propose", _("Propose")
    SUPPORT = "support", pgettext_lazy("participation action", "Support")
    RESPOND = "respond", _("Answer a poll")
    VOTE = "vote", pgettext_lazy("participation action", "Vote")
    CONTRIBUTE = "contribute", _("Contribute")
    # officials of the running agency
    ASSESS = "assess", _("Assess feasibility and cost")
    ANSWER = "answer", _("Answer proposals")
    REPORT = "report", _("Publish the report")


CITIZEN_ACTIONS = frozenset(
    {
        Action.COMMENT,
        Action.PROPOSE,
        Action.SUPPORT,
        Action.RESPOND,
        Action.VOTE,
        Action.CONTRIBUTE,
    }
)
OFFICIAL_ACTIONS = frozenset({Action.ASSESS, Action.ANSWER, Action.REPORT})
# When a process is limited to a region, only its residents may do these. Anyone signed in may
# comment or contribute (anyone may comment on a local ordinance, 행정절차법 §44).
REGION_GATED_ACTIONS = frozenset({Action.PROPOSE, Action.SUPPORT, Action.RESPOND, Action.VOTE})


class PhaseKind(models.TextChoices):
    INFORMATION = "information", _("Information")
    INPUT = "input", _("Input")
    DELIBERATION = "deliberation", _("Deliberation")
    VOTING = "voting", pgettext_lazy("phase", "Voting")
    RESULTS = "results", _("Results")


DEFAULT_PHASE_ACTIONS: dict[str, list[str]] = {
    PhaseKind.INFORMATION: [],
    PhaseKind.INPUT: [
        Action.COMMENT,
        Action.PROPOSE,
        Action.SUPPORT,
        Action.RESPOND,
        Action.CONTRIBUTE,
        Action.ASSESS,
        Action.ANSWER,
    ],
    PhaseKind.DELIBERATION: [
        Action.COMMENT,
        Action.SUPPORT,
        Action.ASSESS,
        Action.ANSWER,
        Action.REPORT,
    ],
    PhaseKind.VOTING: [Action.VOTE, Action.RESPOND, Action.ANSWER],
    PhaseKind.RESULTS: [Action.ANSWER, Action.REPORT],
}


class Process(models.Model):
    """참여 과정: a participation process run by an agency unit. Its phases follow each other;
    `region` (optional) limits the region-gated actions to residents of that region."""

    slug = models.SlugField(_("short name"), max_length=80, unique=True)
    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("agency"),
        on_delete=models.PROTECT,
        related_name="participation_processes",
    )
    title = models.CharField(_("title"), max_length=200)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    summary_en = models.TextField(_("summary in English"), blank=True)
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        help_text=_("Leave empty for a national process."),
    )
    published = models.BooleanField(_("published"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("participation process")
        verbose_name_plural = _("participation processes")

    def __str__(self) -> str:
        return bilingual.text(self, "title", mark=False)

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("participation:process", kwargs={"slug": self.slug})


class Phase(models.Model):
    """One step of a process, open from `starts_at` (inclusive) to `ends_at` (exclusive).
    `actions` lists what may be done in it (defaults by kind; configurable)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="phases")
    kind = models.CharField(_("kind"), max_length=20, choices=PhaseKind)
    title = models.CharField(_("title"), max_length=200, blank=True)
    title_en = models.CharField(_("title in English"), max_length=200, blank=True)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    actions = models.JSONField(_("actions allowed"), default=list, blank=True)

    class Meta:
        ordering = ["process", "starts_at", "id"]
        verbose_name = _("phase")
        verbose_name_plural = _("phases")
        indexes = [models.Index(fields=["process", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="phase_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return bilingual.text(self, "title", mark=False) or str(self.get_kind_display())


class ModerationStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting moderation")
    PUBLISHED = "published", _("Published")
    REJECTED = "rejected", _("Rejected")
    HIDDEN = "hidden", _("Hidden")


class Moderated(models.Model):
    """What every posted item carries: its author, its moderation state and the moderator's
    decision. New items wait in the moderation queue (`pending`) until approved; a moderator's
    reason for rejecting or hiding is shown to the author. The spam score is advice for the
    moderator and never decides alone. Items change state only through
    `nara.participation.moderation` services."""

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("author"),
    )
    moderation_status = models.CharField(
        _("moderation"),
        max_length=12,
        choices=ModerationStatus,
        default=ModerationStatus.PENDING,
        db_index=True,
    )
    submitted_at = models.DateTimeField(_("submitted"), default=timezone.now)
    moderation_due_at = models.DateTimeField(_("moderation target"), null=True, blank=True)
    spam_score = models.FloatField(_("spam score"), default=0.0)
    flag_count = models.PositiveIntegerField(_("flags"), default=0)
    moderated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    moderated_at = models.DateTimeField(_("moderated"), null=True, blank=True)
    moderation_reason = models.TextField(_("moderator's reason"), blank=True)

    class Meta:
        abstract = True

    # Subclasses say how they appear in the moderation queue.
    def moderation_title(self) -> str:
        return getattr(self, "title", "") or str(self)

    def moderation_text(self) -> str:
        return getattr(self, "body", "") or getattr(self, "text", "")

    @property
    def is_published(self) -> bool:
        return self.moderation_status == ModerationStatus.PUBLISHED


class Flag(models.Model):
    """A user's report that a published item breaks the guidelines (one per user and item)."""

    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        ABUSE = "abuse", _("Abusive or hateful")
        PERSONAL_DATA = "personal_data", _("Personal information")
        OFF_TOPIC = "off_topic", _("Off topic")
        OTHER = "other", _("Other")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    item = GenericForeignKey("content_type", "object_id")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=20, choices=Reason)
    note = models.CharField(_("note"), max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "user"], name="one_flag_per_user_item"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]


class PostingBlock(models.Model):
    """A spam or abusive account blocked from posting in participation (until lifted)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="posting_block"
    )
    blocked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("posting block")
        verbose_name_plural = _("posting blocks")


class Follow(models.Model):
    """A user following a process or one item in it (a draft, a proposal, a budget…)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_follows"
    )
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "content_type", "object_id"], name="one_follow_per_user_target"
            )
        ]
        indexes = [models.Index(fields=["content_type", "object_id"])]


class DigestFrequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    OFF = "off", _("Never (no digest e-mails)")


class DigestPreference(models.Model):
    """How often a user gets the digest of what they follow, and how far it has gone: every
    activity up to `covered_until` has been sent (or skipped) already, so each period's digest
    goes out once, whatever the number of workers."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="participation_digest"
    )
    frequency = models.CharField(
        _("digest e-mail"),
        max_length=10,
        choices=DigestFrequency,
        default=DigestFrequency.WEEKLY,
        db_index=True,
    )
    covered_until = models.DateTimeField(default=timezone.now, db_index=True)
    last_sent_at = models.DateTimeField(_("last digest sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("digest preference")
        verbose_name_plural = _("digest preferences")

    def __str__(self) -> str:
        return f"{self.user}: {self.frequency}"


class Activity(models.Model):
    """Something followers of a process (or of one item in it) care about. One row per event;
    the digest fans it out to the followers when it is sent. `message` holds the text in every
    site language (rendered when recorded, so each follower reads it in theirs)."""

    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="activities")
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    # the posted item the activity announces (a comment, a proposal…), when there is one: the
    # digest leaves the activity out once that item is no longer published
    source_content_type = models.ForeignKey(
        ContentType, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    source_object_id = models.PositiveBigIntegerField(null=True, blank=True)
    source = GenericForeignKey("source_content_type", "source_object_id")
    message = models.JSONField(default=dict)  # {"ko": "…", "en": "…"}
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        indexes = [
            models.Index(fields=["process", "created_at"]),
            models.Index(fields=["content_type", "object_id", "created_at"]),
        ]

    def __str__(self) -> str:
        return self.text()

    def text(self, language: str | None = None) -> str:
        from django.utils.translation import get_language

        language = (language or get_language() or settings.LANGUAGE_CODE)[:2]
        return (
            self.message.get(language)
            or self.message.get(settings.LANGUAGE_CODE)
            or next(iter(self.message.values()), "")
        )


class SpamExample(models.Model):
    """What the spam classifier learns from: one row per moderator decision that says whether a
    text was spam (rejected or hidden as spam) or not (approved, restored). Append-only: when a
    later decision changes an item's label, a row with weight -1 withdraws the earlier one."""

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    is_spam = models.BooleanField()
    weight = models.SmallIntegerField(default=1)
    text = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["content_type", "object_id"])]
