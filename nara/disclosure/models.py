"""Information-disclosure requests (정보공개청구) under the Official Information Disclosure Act:
the request, its transfers (이송), the third parties concerned (제3자), the decision (공개 결정)
with its released files, and the objection (이의신청). The clock is nara.disclosure.periods."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nara.documents.grounds import Grade, Ground


class Form(models.TextChoices):
    """How the requester wants the information (공개 방법)."""

    VIEW = "view", _("Viewing")  # 열람
    COPY = "copy", _("Paper copy")  # 사본
    ELECTRONIC = "electronic", _("Electronic file")  # 전자파일


class Delivery(models.TextChoices):
    """How the requester receives it (수령 방법)."""

    ONLINE = "online", _("Download online")
    MAIL = "mail", _("By post")
    IN_PERSON = "in_person", _("In person")


class Status(models.TextChoices):
    RECEIVED = "received", pgettext_lazy("disclosure", "Received")  # 접수: the clock runs
    PENDING_APPROVAL = "pending_approval", _("Decision awaiting approval")
    DECIDED = "decided", pgettext_lazy("disclosure", "Decided")
    OBJECTED = "objected", _("Objection being examined")
    OBJECTION_PENDING = "objection_pending", _("Objection decision awaiting approval")
    CLOSED = "closed", _("Objection decided")
    WITHDRAWN = "withdrawn", pgettext_lazy("disclosure", "Withdrawn")


UNDECIDED = (Status.RECEIVED, Status.PENDING_APPROVAL)
OBJECTION_OPEN = (Status.OBJECTED, Status.OBJECTION_PENDING)


class DisclosureRequest(models.Model):
    """A request for information an agency holds (정보공개청구)."""

    no = models.CharField(_("request number"), max_length=20, unique=True)  # 2026-000123
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="disclosure_requests"
    )
    agency = models.ForeignKey(
        "agencies.Unit", verbose_name=_("agency"), on_delete=models.PROTECT, related_name="+"
    )
    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("handling unit"),
        on_delete=models.PROTECT,
        related_name="disclosure_requests",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("information requested"))
    purpose = models.TextField(_("purpose"), blank=True)
    form = models.CharField(_("form"), max_length=12, choices=Form)
    delivery = models.CharField(_("delivery"), max_length=12, choices=Delivery)
    published_in_register = models.BooleanField(_("published in the public register"), default=True)
    # the title and request as the public register shows them (selectors.anonymised): what its
    # search reads, so that a search cannot find a word the register masks
    public_text = models.TextField(blank=True, default="")
    idempotency_key = models.CharField(max_length=100, blank=True)

    status = models.CharField(_("status"), max_length=20, choices=Status, db_index=True)
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # the clock (periods.py): received at this agency; due = 10 days, extended once by ≤ 10
    received_at = models.DateTimeField(_("received"), db_index=True)
    clock_started_at = models.DateTimeField()  # receipt, or receipt at the agency transferred to
    due_at = models.DateTimeField(_("due"), db_index=True)
    extended_due_at = models.DateTimeField(_("extended to"), null=True, blank=True)
    extension_reason = models.TextField(_("reason for the extension"), blank=True)
    deemed_refusal_at = models.DateTimeField()  # the end of the 20th day without a decision
    deemed_refused_at = models.DateTimeField(null=True, blank=True)  # marked by the task
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    released_at = models.DateTimeField(null=True, blank=True)  # first download by the requester
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("information-disclosure request")
        verbose_name_plural = _("information-disclosure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["requester", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="disclosure_idempotency_key_unique",
            )
        ]
        indexes = [
            models.Index(fields=["unit", "status", "due_at"]),
            models.Index(fields=["requester", "-received_at"]),
            models.Index(fields=["published_in_register", "-received_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.no} {self.title}"

    @property
    def deadline(self):
        """The decision deadline in force: the extended one, if any."""
        return self.extended_due_at or self.due_at

    @property
    def is_undecided(self) -> bool:
        return self.status in UNDECIDED

    @property
    def is_overdue(self) -> bool:
        return self.is_undecided and self.deadline < timezone.now()


class Transfer(models.Model):
    """The request sent to the agency (or unit) that holds the information (이송)."""

    request = models.ForeignKey(
        DisclosureRequest, on_delete=models.CASCADE, related_name="transfers"
    )
    from_unit = models.ForeignKey("agencies.Unit", on_delete=models.PROTECT, related_name="+")
    to_unit = models.ForeignKey("agencies.Unit", on_delete=models.PROTECT, related_name="+")
    to_another_agency = models.BooleanField()  # the clock restarts there
    reason = models.TextField(_("reason"))
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]


class Opinion(models.TextChoices):
    NONE = "", _("No opinion yet")
    AGREES = "agrees", _("Agrees to disclosure")
    OBJECTS = "objects", _("Asks for non-disclosure")


class ThirdParty(models.Model):
    """A person or business the information concerns (제3자), told of the request (§11 ③); they
    may ask for non-disclosure within 3 days (§21 ①)."""

    request = models.ForeignKey(
        DisclosureRequest, on_delete=models.CASCADE, related_name="third_parties"
    )
    name = models.CharField(_("name"), max_length=200)
    contact = models.CharField(_("contact"), max_length=300)
    notified_at = models.DateTimeField()
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    opinion_due_at = models.DateTimeField()
    opinion = models.CharField(_("opinion"), max_length=10, choices=Opinion, blank=True)
    opinion_text = models.TextField(_("their reasons"), blank=True)
    opinion_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["notified_at", "id"]

    @property
    def opinion_late(self) -> bool:
        return self.opinion_at is not None and self.opinion_at > self.opinion_due_at


class DraftState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Awaiting approval")
    RETURNED = "returned", _("Returned")
    APPROVED = "approved", _("Approved")


class Decision(models.Model):
    """The decision on a request (공개 여부 결정), approved on an approval line (결재)."""

    request = models.OneToOneField(
        DisclosureRequest, on_delete=models.CASCADE, related_name="decision"
    )
    grade = models.CharField(_("decision"), max_length=10, choices=Grade)
    grounds = models.JSONField(_("grounds"), default=list, blank=True)  # Ground values
    reasons = models.TextField(_("reasons"))
    pages = models.PositiveIntegerField(_("pages"), default=0)
    fee = models.PositiveIntegerField(_("fee (won)"), default=0)
    release_note = models.TextField(_("date, place and method of release"), blank=True)
    third_party_reasons = models.TextField(
        _("why it is disclosed despite a third party's objection"), blank=True
    )
    state = models.CharField(max_length=10, choices=DraftState, default=DraftState.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_comment = models.TextField(_("comment"), blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    available_from = models.DateTimeField(null=True, blank=True)  # after the third-party wait
    objection_until = models.DateTimeField(null=True, blank=True)  # (partial) refusals

    def ground_labels(self) -> list[str]:
        labels = dict(Ground.choices)
        return [str(labels[g]) for g in self.grounds if g in labels]

    @property
    def is_published(self) -> bool:
        return self.state == DraftState.APPROVED


class Outcome(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted: the information is disclosed")  # 인용
    PARTLY_ACCEPTED = "partly_accepted", _("Partly accepted")  # 부분인용
    DISMISSED = "dismissed", _("Dismissed")  # 기각


class Objection(models.Model):
    """The requester's objection (이의신청) to a (partial) refusal or to no decision in 20 days;
    decided within 7 days, extendable once by 7, on an approval line."""

    request = models.OneToOneField(
        DisclosureRequest, on_delete=models.CASCADE, related_name="objection"
    )
    reasons = models.TextField(_("reasons for the objection"))
    filed_at = models.DateTimeField()
    due_at = models.DateTimeField()
    extended_due_at = models.DateTimeField(null=True, blank=True)
    extension_reason = models.TextField(blank=True)
    outcome = models.CharField(_("outcome"), max_length=20, choices=Outcome, blank=True)
    decision_reasons = models.TextField(_("reasons for the decision"), blank=True)
    state = models.CharField(max_length=10, choices=DraftState, default=DraftState.DRAFT)
    drafted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    return_comment = models.TextField(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    @property
    def deadline(self):
        return self.extended_due_at or self.due_at


class ReleasedFile(models.Model):
    """A file of the information released, uploaded by the handler (nara.core.uploads checks
    it) and downloadable by the requester once its decision is approved and the third-party
    wait is over (`available_from`)."""

    request = models.ForeignKey(DisclosureRequest, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to="disclosure/%Y/%m/")
    name = models.CharField(max_length=120)
    content_type = models.CharField(max_length=50)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)  # its decision approved
    available_from = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def is_available(self, now=None) -> bool:
        now = now or timezone.now()
        return self.available_from is not None and self.available_from <= now
