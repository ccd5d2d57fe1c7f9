"""Approval lines as data (결재선): what is approved (any object: a complaint's answer, a
document…), by whom, in which order. One line per submission; a returned or withdrawn line is
kept, and a new submission starts a new line. The rules are in nara/approvals/engine.py."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class LineStatus(models.TextChoices):
    IN_PROGRESS = "in_progress", _("In progress")
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    WITHDRAWN = "withdrawn", pgettext_lazy("approval", "Withdrawn")  # 회수, by the drafter
    CANCELLED = "cancelled", _("Cancelled")  # what it approved went away (a complaint withdrawn)


class StepKind(models.TextChoices):
    REVIEW = "review", _("Review")  # 검토
    COOPERATE = "cooperate", _("Cooperation")  # 협조: several may act side by side
    APPROVE = "approve", _("Approval")  # 결재: the last step, one


class StepState(models.TextChoices):
    WAITING = "waiting", pgettext_lazy("approval", "Waiting")  # an earlier step has not acted
    PENDING = "pending", pgettext_lazy("approval", "Pending")  # its turn
    HELD = "held", _("Held")  # its turn; its holder put it on hold (보류)
    APPROVED = "approved", _("Approved")
    RETURNED = "returned", _("Returned")
    SKIPPED = "skipped", _("Not reached")  # the line ended (returned, withdrawn) before it


class Mark(models.TextChoices):
    NONE = "", _("None")
    DELEGATED = "delegated", _("Delegated authority")  # 전결
    ACTING = "acting", _("Acting for the approver")  # 대결
    DELEGATED_ACTING = "delegated_acting", _("Delegated authority, acting")  # 전결 and 대결


class ApprovalLine(models.Model):
    """One submission of something for approval, and where it stands."""

    kind = models.CharField(_("kind"), max_length=40)  # what is approved, as registered
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    drafter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("drafter"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=LineStatus, default=LineStatus.IN_PROGRESS
    )
    submitted_at = models.DateTimeField(
        pgettext_lazy("approval", "submitted"), default=timezone.now
    )
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("approval line")
        verbose_name_plural = _("approval lines")
        indexes = [models.Index(fields=["content_type", "object_id"])]
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id"],
                condition=Q(status="in_progress"),
                name="approval_one_line_in_progress",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} #{self.object_id} ({self.get_status_display()})"


class ApprovalStep(models.Model):
    """One step of a line. Steps act in `position` order; steps sharing a position (cooperation
    by several units) act side by side, and the line moves on when all of them have approved.
    The step is held by `person` when named, else by any member of `unit` with `role`."""

    line = models.ForeignKey(ApprovalLine, on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"))
    kind = models.CharField(_("kind"), max_length=10, choices=StepKind)
    unit = models.ForeignKey("agencies.Unit", verbose_name=_("unit"), on_delete=models.PROTECT)
    role = models.CharField(_("role"), max_length=20, blank=True)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=pgettext_lazy("approval", "named holder"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    delegated = models.BooleanField(_("delegated authority"), default=False)  # 전결 by table
    state = models.CharField(
        _("state"), max_length=10, choices=StepState, default=StepState.WAITING
    )
    acted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    acted_at = models.DateTimeField(null=True, blank=True)
    mark = models.CharField(_("mark"), max_length=16, choices=Mark, blank=True, default="")
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["line", "position", "id"]
        verbose_name = _("approval step")
        verbose_name_plural = _("approval steps")
        indexes = [models.Index(fields=["unit", "state"]), models.Index(fields=["person", "state"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(person=None) | ~Q(role=""), name="approval_step_has_a_holder"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.position}"


class Absence(models.Model):
    """An official away (leave, a trip), and who acts for them meanwhile (대결)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="absences"
    )
    starts_at = models.DateTimeField(pgettext_lazy("absence", "from"))
    ends_at = models.DateTimeField(pgettext_lazy("absence", "until"))
    deputy = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("deputy"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="absence_ends_after_start"
            ),
            models.CheckConstraint(condition=~Q(deputy=F("user")), name="absence_deputy_other"),
        ]
