"""Documents (전자문서): every decision of an agency is a document that an official drafts,
passes along an approval line (nara.approvals), and that is then registered with a number of its
unit and year, frozen as a PDF whose SHA-256 enters the audit chain, and published in the
original (원문정보공개) as far as its disclosure grade allows.

The rules are in services.py (drafting, submitting, registering), the line in lines.py (from the
delegation table), the PDF in rendering.py and publication in publication.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from nara.core.models import BilingualName

from .grounds import Grade, Ground


class Retention(models.TextChoices):
    """How long records are kept (공공기록물 관리에 관한 법률 시행령 §26)."""

    Y1 = "1", _("1 year")
    Y3 = "3", _("3 years")
    Y5 = "5", _("5 years")
    Y10 = "10", _("10 years")
    Y30 = "30", _("30 years")
    SEMI_PERMANENT = "semi", _("Semi-permanent")
    PERMANENT = "permanent", _("Permanent")


class DocumentType(BilingualName, models.Model):
    """What a document is (a plan, a notice, a reply…): the delegation table decides by it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("Korean name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("document type")
        verbose_name_plural = _("document types")


class Classification(BilingualName, models.Model):
    """A records classification (기록물 분류): a function of a unit and how long its records
    are kept. Without a unit it serves every unit."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("Korean name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    unit = models.ForeignKey(
        "agencies.Unit", verbose_name=_("unit"), null=True, blank=True, on_delete=models.PROTECT
    )
    retention = models.CharField(_("retention period"), max_length=10, choices=Retention)

    class Meta:
        ordering = ["code"]
        verbose_name = _("records classification")
        verbose_name_plural = _("records classifications")


class Level(models.TextChoices):
    """Who decides, counted from the drafting unit."""

    UNIT = "unit", _("The head of the drafting unit (delegated)")  # 과장 전결
    PARENT = "parent", _("The head one level up (delegated)")  # 국장 전결
    AGENCY = "agency", _("The head of the agency")  # 기관장 결재


class Delegation(models.Model):
    """The delegation table (위임전결규정): which position decides a type of document in an
    agency (without an agency: in every agency), and whether an acting approval (대결) must
    be approved afterwards by the absent approver (후결)."""

    document_type = models.ForeignKey(
        DocumentType,
        verbose_name=_("document type"),
        on_delete=models.CASCADE,
        related_name="delegations",
    )
    agency = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("agency"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Leave empty for the rule of every agency."),
    )
    level = models.CharField(_("decided by"), max_length=10, choices=Level)
    post_approval = models.BooleanField(
        _("approved afterwards when acting"),
        default=False,
        help_text=_("An acting approval is shown to the absent approver to approve afterwards."),
    )

    class Meta:
        verbose_name = _("delegation")
        verbose_name_plural = _("delegation table")
        constraints = [
            models.UniqueConstraint(
                fields=["document_type", "agency"], name="delegation_one_per_type_and_agency"
            ),
            models.UniqueConstraint(
                fields=["document_type"],
                condition=Q(agency=None),
                name="delegation_one_default_per_type",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.document_type}: {self.get_level_display()}"


class LineTemplate(models.Model):
    """A saved approval line (결재선 템플릿) a drafter starts from: a reviewer and the units that
    cooperate, for a unit's documents (of one type, or of every type). The approval itself
    always comes from the delegation table."""

    name = models.CharField(_("name"), max_length=100)
    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("drafting unit"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    document_type = models.ForeignKey(
        DocumentType,
        verbose_name=_("document type"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Leave empty for every type."),
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    cooperating_units = models.ManyToManyField(
        "agencies.Unit", verbose_name=_("cooperating units"), blank=True, related_name="+"
    )

    class Meta:
        ordering = ["unit", "name"]
        verbose_name = _("approval line template")
        verbose_name_plural = _("approval line templates")

    def __str__(self) -> str:
        return self.name


class Status(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("document", "Draft")
    IN_APPROVAL = "in_approval", _("In approval")
    RETURNED = "returned", _("Returned")
    REGISTERED = "registered", _("Registered")


class Document(models.Model):
    unit = models.ForeignKey(
        "agencies.Unit",
        verbose_name=_("unit"),
        on_delete=models.PROTECT,
        related_name="documents",
    )
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafter"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    document_type = models.ForeignKey(
        DocumentType, verbose_name=_("document type"), on_delete=models.PROTECT
    )
    classification = models.ForeignKey(
        Classification, verbose_name=_("records classification"), on_delete=models.PROTECT
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))  # sanitised HTML (text.py)
    recipients = models.CharField(_("recipients"), max_length=300, blank=True)
    grade = models.CharField(
        _("disclosure grade"), max_length=10, choices=Grade, default=Grade.OPEN
    )
    grounds = models.JSONField(_("grounds for withholding"), default=list, blank=True)
    # the line as drafted, submitted again after a return
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reviewer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    cooperating_units = models.ManyToManyField(
        "agencies.Unit", verbose_name=_("cooperating units"), blank=True, related_name="+"
    )
    personal_data_confirmed = models.JSONField(default=list, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status, default=Status.DRAFT)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)
    # registration
    reg_no = models.CharField(_("registration number"), max_length=200, blank=True, default="")
    reg_year = models.PositiveSmallIntegerField(null=True, blank=True)
    reg_serial = models.PositiveIntegerField(null=True, blank=True)
    registered_at = models.DateTimeField(_("registered"), null=True, blank=True)
    retention = models.CharField(
        _("retention period"), max_length=10, choices=Retention, blank=True
    )
    post_approval_due = models.BooleanField(default=False)  # 후결 awaited
    # the frozen renderings and publication
    pdf = models.FileField(max_length=255, blank=True)  # the original, with its approval block
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    public_pdf = models.FileField(max_length=255, blank=True)  # withheld passages blacked out
    public_pdf_sha256 = models.CharField(max_length=64, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    # what the public may read, as plain text (withheld passages replaced by their ground, empty
    # for 비공개): set at publication, searched by /open/documents/ and the API
    public_text = models.TextField(blank=True, default="")

    class Meta:
        ordering = ["-registered_at", "-id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["drafter", "status"]),
            models.Index(fields=["-published_at", "-id"], name="document_published"),
            models.Index(fields=["unit", "-published_at"], name="document_unit_published"),
            models.Index(fields=["registered_at"], name="document_registered"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["unit", "reg_year", "reg_serial"], name="document_one_serial"
            ),
            models.UniqueConstraint(
                fields=["reg_no"], condition=~Q(reg_no=""), name="document_one_reg_no"
            ),
        ]

    def __str__(self) -> str:
        return self.reg_no or self.title

    def get_absolute_url(self) -> str:
        return reverse("documents:detail", args=[self.pk])

    def public_url(self) -> str:
        return reverse("open_documents:detail", args=[self.reg_no])

    @property
    def ground_labels(self) -> list[str]:
        return [Ground(code).label for code in self.grounds if code in Ground.values]


class Withheld(models.Model):
    """A passage of a partly open document (부분공개) withheld from the public, with its ground."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="withheld")
    passage = models.TextField(_("passage"))
    ground = models.CharField(_("ground"), max_length=2, choices=Ground)

    class Meta:
        ordering = ["id"]
        verbose_name = _("withheld passage")
        verbose_name_plural = _("withheld passages")


class Attachment(models.Model):
    """A file attached to a document, checked by content (nara.core.uploads); `text` is what
    could be read of it, scanned for personal data."""

    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="documents/%Y/%m/", max_length=255)
    name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["id"]


class RegisterSerial(models.Model):
    """The last registration serial of a unit in a year: locked and incremented in the
    transaction that registers a document, so that serials have no gap and no duplicate."""

    unit = models.ForeignKey("agencies.Unit", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["unit", "year"], name="register_serial_per_year")
        ]
