from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """Kinds of civil complaint (민원). Handling periods: settings.NARA_COMPLAINT_PERIODS."""

    GRIEVANCE = "grievance", _("Grievance")  # 고충민원
    LAW_QUESTION = "law_question", _("Question about a law")  # 질의민원 (법령)
    PROCEDURE_QUESTION = (
        "procedure_question",
        _("Question about a procedure"),
    )  # 질의민원 (제도·절차)
    PROPOSAL = "proposal", _("Proposal")  # 건의민원
    OTHER = "other", _("Other (simple request)")  # 기타민원


class Status(models.TextChoices):
    TRIAGE = "triage", _("Awaiting routing")
    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("Being handled")
    WAITING_CITIZEN = "waiting_citizen", _("Waiting for your information")
    PENDING_APPROVAL = "pending_approval", _("Answer awaiting approval")
    ANSWERED = "answered", _("Answered")
    CLOSED = "closed", _("Closed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


OPEN_STATUSES = (
    Status.TRIAGE,
    Status.RECEIVED,
    Status.IN_PROGRESS,
    Status.WAITING_CITIZEN,
    Status.PENDING_APPROVAL,
)

ANSWERED_STATUSES = (Status.ANSWERED, Status.CLOSED)


class Complaint(models.Model):
    """A civil complaint (민원), from filing to rating."""

    receipt_no = models.CharField(_("receipt number"), max_length=20, unique=True)
    citizen = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="complaints"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    category = models.ForeignKey(
        "agencies.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    region = models.ForeignKey(
        "core.Region", verbose_name=_("region"), null=True, blank=True, on_delete=models.SET_NULL
    )
    publish_consent = models.BooleanField(_("may be published"), default=False)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("follow-up of"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="follow_ups",
    )
    idempotency_key = models.CharField(max_length=100, blank=True)
    fingerprint = models.CharField(max_length=64, db_index=True)  # to spot a repeated complaint

    status = models.CharField(_("status"), max_length=20, choices=Status, db_index=True)
    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("handling unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="complaints",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="handled_complaints",
    )
    transfer_count = models.PositiveSmallIntegerField(default=0)
    flagged = models.BooleanField(_("flagged"), default=False)

    # The statutory clock (nara.core.clock). `due_at` is the deadline in force.
    received_at = models.DateTimeField(_("received"), db_index=True)
    clock_started_at = models.DateTimeField()  # receipt, or receipt at the current unit
    paused_at = models.DateTimeField(null=True, blank=True)
    paused_minutes = models.PositiveIntegerField(default=0)  # for periods counted in hours
    paused_days = models.PositiveIntegerField(default=0)  # for periods counted in days
    due_at = models.DateTimeField(_("due"), db_index=True)
    extended_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    progress_notice_at = models.DateTimeField(null=True, blank=True)

    answer = models.TextField(_("answer"), blank=True)
    # What the public sees (and searches) when the citizen consented: personal data masked,
    # written once when the answer is approved.
    public_title = models.CharField(max_length=200, blank=True)
    public_body = models.TextField(blank=True)
    public_answer = models.TextField(blank=True)
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    rating = models.PositiveSmallIntegerField(
        _("rating"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(5)]
    )
    rating_comment = models.TextField(_("comment"), blank=True)
    rated_at = models.DateTimeField(null=True, blank=True)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("civil complaint")
        verbose_name_plural = _("civil complaints")
        constraints = [
            models.UniqueConstraint(
                fields=["citizen", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="complaint_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(rating=None) | Q(rating__gte=1, rating__lte=5),
                name="complaint_rating_1_to_5",
            ),
        ]
        indexes = [
            models.Index(fields=["unit", "status", "due_at"]),
            models.Index(fields=["citizen", "-received_at"]),
            models.Index(fields=["publish_consent", "status", "-answered_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.receipt_no} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_answered(self) -> bool:
        return self.status in ANSWERED_STATUSES

    @property
    def on_the_clock(self) -> bool:
        """Open, and its handling period running (not while waiting for the citizen)."""
        return self.is_open and self.status != Status.WAITING_CITIZEN

    @property
    def is_overdue(self) -> bool:
        """Open past its deadline while the clock runs (not while waiting for the citizen)."""
        return self.on_the_clock and self.due_at < timezone.now()

    @property
    def is_due_today(self) -> bool:
        """On the clock, not overdue yet, and due before today ends (local time)."""
        return (
            self.on_the_clock
            and not self.is_overdue
            and timezone.localtime(self.due_at).date() == timezone.localdate()
        )

    @property
    def is_paused(self) -> bool:
        return self.paused_at is not None


class Attachment(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="complaints/%Y/%m/")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]


class Note(models.Model):
    """An internal note by an official; never shown to the citizen."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    body = models.TextField(_("note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class AnswerDraft(models.Model):
    """The handler's answer, through the approval line (결재): submitted → approved or returned."""

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Awaiting approval")
        RETURNED = "returned", _("Returned")
        APPROVED = "approved", _("Approved")

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="drafts")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    body = models.TextField(_("answer"))
    state = models.CharField(max_length=12, choices=State, default=State.DRAFT)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["created_at", "id"]


class InfoRequest(models.Model):
    """A request to the citizen for more information; the clock stops until they reply."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="info_requests")
    asked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    question = models.TextField(_("question"))
    asked_at = models.DateTimeField()
    reply = models.TextField(_("reply"), blank=True)
    replied_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["asked_at", "id"]


class Transfer(models.Model):
    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="transfers")
    from_unit = models.ForeignKey(
        "agencies.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_unit = models.ForeignKey("agencies.Unit", on_delete=models.PROTECT, related_name="+")
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class SavedFilter(models.Model):
    """An official's named set of inbox filters (the inbox's query string, as the filter form
    reads it): one click to their usual view of the work."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_filters"
    )
    name = models.CharField(_("name"), max_length=60)
    query = models.TextField(_("filters"))  # a search in Korean is 9 characters a letter here
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "name"], name="saved_filter_name_per_user")
        ]
        verbose_name = _("saved inbox filter")
        verbose_name_plural = _("saved inbox filters")

    def __str__(self) -> str:
        return self.name
