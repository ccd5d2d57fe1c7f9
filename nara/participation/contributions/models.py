"""“Have Your Say” contributions (의견·작품 제출): people answer a call for contributions (a
process whose phase allows `Action.CONTRIBUTE`) with a title, a text, up to four pictures with
captions and the credit they choose. A contribution is written as a draft kept on the server
(`ContributionDraft`, with its pictures already checked and re-encoded), previewed, then
submitted once; it is published after moderation."""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.participation.models import Moderated, ModerationStatus, Process

TITLE_MAX = 150
TEXT_MIN = 10
TEXT_MAX = 5000
NAME_MAX = 100
LOCATION_MAX = 100
CAPTION_MAX = 200
IMAGES_MAX = 4


class ContributionDraft(models.Model):
    """A contribution being written: owned by one user, one per user and process, kept between
    the form, the preview and the edits, and thrown away after `expires_at`. `token` names it in
    URLs and is the idempotency key of the final submit."""

    token = models.UUIDField(unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="contribution_drafts"
    )
    process = models.ForeignKey(Process, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(_("title"), max_length=TITLE_MAX, blank=True)
    text = models.TextField(_("text"), blank=True)
    credit_name = models.CharField(_("name"), max_length=NAME_MAX, blank=True)
    credit_location = models.CharField(_("location"), max_length=LOCATION_MAX, blank=True)
    consent = models.BooleanField(_("agreed to the guidelines"), default=False)
    ready = models.BooleanField(default=False)  # last saved without errors: may be previewed
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = _("contribution draft")
        verbose_name_plural = _("contribution drafts")
        constraints = [
            models.UniqueConstraint(fields=["user", "process"], name="one_draft_per_user_process")
        ]

    def __str__(self) -> str:
        return self.title or str(self.token)


class DraftImage(models.Model):
    """A picture of a draft: already checked, re-encoded, stripped and resized. `slot` is its
    place in the form (1–4). On submit its files pass to the contribution as they are."""

    draft = models.ForeignKey(ContributionDraft, on_delete=models.CASCADE, related_name="images")
    key = models.CharField(max_length=32, unique=True)
    slot = models.PositiveSmallIntegerField()
    image = models.CharField(max_length=255)  # storage names; files deleted explicitly
    thumbnail = models.CharField(max_length=255)
    content_type = models.CharField(max_length=40)
    name = models.CharField(max_length=120)  # the file name as the author knows it
    caption = models.CharField(_("caption"), max_length=CAPTION_MAX, blank=True)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumb_width = models.PositiveIntegerField()
    thumb_height = models.PositiveIntegerField()

    class Meta:
        ordering = ["slot", "id"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "slot"], name="one_draft_image_per_slot")
        ]


class Contribution(Moderated):
    """A submitted contribution. Public only once published; the credit is what the author
    chose (`credit_name`, `credit_location`; anonymous without a name) — never the account."""

    process = models.ForeignKey(
        Process, on_delete=models.PROTECT, related_name="contributions", verbose_name=_("process")
    )
    receipt_number = models.CharField(_("receipt number"), max_length=20, unique=True)
    title = models.CharField(_("title"), max_length=TITLE_MAX)
    text = models.TextField(_("text"))
    credit_name = models.CharField(_("name for the credit"), max_length=NAME_MAX, blank=True)
    credit_location = models.CharField(
        _("location for the credit"), max_length=LOCATION_MAX, blank=True
    )
    submit_key = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("contribution")
        verbose_name_plural = _("contributions")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "submit_key"], name="one_contribution_per_submit"
            )
        ]
        indexes = [models.Index(fields=["process", "moderation_status", "-submitted_at"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("contributions:detail", args=[self.pk])

    def moderation_text(self) -> str:
        return self.text

    @property
    def credit(self) -> str:
        """The credit line the author chose (anonymous without a name)."""
        from .credit import credit_line

        return credit_line(self.credit_name, self.credit_location)

    @property
    def credit_is_anonymous(self) -> bool:
        return not self.credit_name

    @property
    def is_public(self) -> bool:
        return self.moderation_status == ModerationStatus.PUBLISHED


class ContributionImage(models.Model):
    """A picture of a contribution, stored re-encoded without metadata, at most 1600 px on its
    longer side, with a thumbnail. `alt` is the caption or a generic text."""

    contribution = models.ForeignKey(Contribution, on_delete=models.CASCADE, related_name="images")
    order = models.PositiveSmallIntegerField()
    image = models.FileField(max_length=255)
    thumbnail = models.FileField(max_length=255)
    content_type = models.CharField(max_length=40)
    caption = models.CharField(_("caption"), max_length=CAPTION_MAX, blank=True)
    alt = models.CharField(_("description of the image"), max_length=CAPTION_MAX)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    thumb_width = models.PositiveIntegerField()
    thumb_height = models.PositiveIntegerField()

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("contribution image")
        verbose_name_plural = _("contribution images")
