"""Public petitions (국민청원): written by a citizen, backed by early supporters, reviewed by
moderators, open for signatures, referred or answered when thresholds are reached.

Signatures are counted in shards (`SignatureCounter`): each signature adds one to a random shard
of its petition, so the signers of a viral petition do not all wait on one row lock (the cause
of the UK petitions outage of March 2019). The count is the sum of the shards."""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nara.core.models import BilingualName


class PetitionType(BilingualName, models.Model):
    """The rules a petition follows: supporters needed before review, how long each stage
    lasts, and the thresholds that refer it to the agency or oblige an official answer."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("Korean name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    supporters_needed = models.PositiveIntegerField(_("early supporters needed"), default=100)
    support_days = models.PositiveIntegerField(_("days to gather supporters"), default=30)
    review_days = models.PositiveIntegerField(_("moderation target (days)"), default=14)
    open_days = models.PositiveIntegerField(_("days open for signatures"), default=30)
    refer_threshold = models.PositiveIntegerField(
        _("signatures to refer to the agency"), default=50_000
    )
    answer_threshold = models.PositiveIntegerField(
        _("signatures for an official answer"), default=200_000
    )
    answer_days = models.PositiveIntegerField(_("days to answer"), default=30)
    extension_days = models.PositiveIntegerField(_("longest extension (days)"), default=30)

    class Meta:
        ordering = ["code"]
        verbose_name = _("petition type")
        verbose_name_plural = _("petition types")


class Status(models.TextChoices):
    GATHERING = "gathering", _("Gathering supporters")
    REVIEW = "review", _("In review")
    REJECTED = "rejected", _("Rejected")
    EXPIRED = "expired", _("Not enough supporters")
    OPEN = "open", _("Open for signatures")
    REFERRED = "referred", _("Referred to the agency")
    AWAITING_ANSWER = "awaiting_answer", _("Awaiting the official answer")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", pgettext_lazy("petition status", "Closed")
    WITHDRAWN = "withdrawn", pgettext_lazy("petition status", "Withdrawn")


SIGNABLE_STATUSES = (Status.OPEN, Status.REFERRED, Status.AWAITING_ANSWER)
PUBLIC_STATUSES = (
    Status.OPEN,
    Status.REFERRED,
    Status.AWAITING_ANSWER,
    Status.ANSWERED,
    Status.CLOSED,
    Status.REJECTED,
)


class RejectionReason(models.TextChoices):
    """Published with the rejection, with the moderator's explanation (see the guidelines)."""

    DUPLICATE = "duplicate", _("Duplicate of an existing petition")
    PERSONAL_DATA = "personal_data", _("Contains personal information")
    DEFAMATION = "defamation", _("Defamatory or abusive")
    OUT_OF_SCOPE = "out_of_scope", _("Not something the government can act on")
    UNCLEAR = "unclear", _("Unclear: it does not ask for an action")
    OTHER = "other", _("Other breach of the guidelines")


def _share_token() -> str:
    return secrets.token_urlsafe(12)


class Petition(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="petitions"
    )
    type = models.ForeignKey(PetitionType, on_delete=models.PROTECT, verbose_name=_("type"))
    title = models.CharField(_("title"), max_length=100)
    body = models.TextField(_("text"), max_length=5000)
    category = models.ForeignKey(
        "agencies.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    links = models.JSONField(_("links"), default=list, blank=True)
    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("competent agency"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="petitions",
    )
    status = models.CharField(_("status"), max_length=20, choices=Status, db_index=True)
    share_token = models.CharField(max_length=32, unique=True, default=_share_token)
    idempotency_key = models.CharField(max_length=64, blank=True)

    created_at = models.DateTimeField(_("created"), default=timezone.now)
    support_deadline = models.DateTimeField(null=True, blank=True)
    supporter_count = models.PositiveIntegerField(default=0)
    review_started_at = models.DateTimeField(null=True, blank=True)
    review_due_at = models.DateTimeField(null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True, db_index=True)
    closes_at = models.DateTimeField(_("closes"), null=True, blank=True)
    # the count as of the last sync: for sorting lists; pages show the live sum of the shards
    signature_count = models.PositiveIntegerField(_("signatures"), default=0, db_index=True)
    referred_at = models.DateTimeField(null=True, blank=True)
    answer_required_at = models.DateTimeField(null=True, blank=True)
    answer_due_at = models.DateTimeField(_("answer due"), null=True, blank=True)
    answer_extended = models.BooleanField(default=False)
    extension_reason = models.TextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    rejection_reason = models.CharField(max_length=20, choices=RejectionReason, blank=True)
    rejection_text = models.TextField(blank=True)
    duplicate_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="duplicates"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("petition")
        verbose_name_plural = _("petitions")
        constraints = [
            models.UniqueConstraint(
                fields=["author", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="petition_idempotency_key",
            )
        ]
        indexes = [models.Index(fields=["status", "-signature_count"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def is_signable(self, now=None) -> bool:
        now = now or timezone.now()
        return (
            self.status in SIGNABLE_STATUSES
            and self.closes_at is not None
            and self.opened_at <= now < self.closes_at
        )


class PetitionImage(models.Model):
    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="images")
    file = models.FileField(upload_to="petitions/%Y/%m/")
    alt = models.CharField(_("description of the image"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]


class Supporter(models.Model):
    """An early supporter (사전동의): a signed-in citizen who followed the share link."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="supporters")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["petition", "user"], name="supporter_once")]


class Signature(models.Model):
    """One person's signature. One per canonical e-mail address per petition: a signed-in
    citizen and the same person signing by e-mail count once."""

    # No database-level foreign key to the petition or the region: each insert would lock the
    # referenced row (FOR KEY SHARE) until commit, and a viral petition's row would become the
    # one row every signer waits on. Signing checks the petition in the same statement; the
    # unique index's petition prefix serves lookups. Deleting still cascades (in Django).
    petition = models.ForeignKey(
        Petition,
        on_delete=models.CASCADE,
        related_name="signatures",
        db_constraint=False,
        db_index=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    email_canonical = models.CharField(max_length=254)
    email_domain = models.CharField(max_length=254)
    name = models.CharField(_("name"), max_length=100)
    # Few indexes: every one is paid on each signature of a surge. Bulk invalidation (rare, by
    # moderators) scans one petition's signatures through the unique index's petition prefix.
    region = models.ForeignKey(
        "core.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        db_index=False,
        db_constraint=False,
    )
    sido_code = models.CharField(max_length=2, blank=True)  # the region's 시도, for the table
    ip_hash = models.CharField(max_length=32, blank=True)  # keyed hash: matched, never shown
    created_at = models.DateTimeField(default=timezone.now)
    notify = models.BooleanField(default=True)  # tell them the answer (e-mail signers' choice)
    language = models.CharField(max_length=10, blank=True)  # e-mail signers' (for notices)
    valid = models.BooleanField(default=True)
    invalidation = models.ForeignKey(
        "SignatureInvalidation", null=True, blank=True, on_delete=models.SET_NULL, db_index=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["petition", "email_canonical"], name="one_signature_per_person"
            )
        ]


class SignatureCounter(models.Model):
    """One shard of a petition's signature count."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="counters")
    shard = models.PositiveSmallIntegerField()
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["petition", "shard"], name="counter_shard")]


class PendingSignature(models.Model):
    """A signature given by e-mail, waiting for its owner to press Confirm. Only a hash of the
    link's token is stored; opening the link spends nothing."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="pending")
    token_hash = models.CharField(max_length=64, unique=True)
    name = models.CharField(max_length=100)
    email = models.EmailField(max_length=254)
    email_canonical = models.CharField(max_length=254, db_index=True)
    region = models.ForeignKey("core.Region", null=True, on_delete=models.SET_NULL)
    notify = models.BooleanField(default=True)
    language = models.CharField(max_length=10, blank=True)
    ip_hash = models.CharField(max_length=32, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    confirmed_at = models.DateTimeField(null=True, blank=True)


class SignatureInvalidation(models.Model):
    """A moderator's bulk invalidation: which signatures, why, by whom."""

    petition = models.ForeignKey(Petition, on_delete=models.CASCADE, related_name="invalidations")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(default=timezone.now)
    ip_hash = models.CharField(max_length=32, blank=True)
    email_domain = models.CharField(max_length=254, blank=True)
    since = models.DateTimeField(null=True, blank=True)
    until = models.DateTimeField(null=True, blank=True)
    reason = models.TextField()
    count = models.PositiveIntegerField(default=0)


class AnswerStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    RETURNED = "returned", _("Returned to the drafter")
    PUBLISHED = "published", _("Published")


class PetitionAnswer(models.Model):
    """The official answer: drafted by the agency, approved, then published on the petition."""

    petition = models.OneToOneField(Petition, on_delete=models.CASCADE, related_name="answer")
    text = models.TextField(_("answer"))
    status = models.CharField(max_length=20, choices=AnswerStatus, default=AnswerStatus.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_comment = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
