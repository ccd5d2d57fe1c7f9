from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nara.core.models import BilingualName


class Unit(BilingualName, models.Model):
    """A node of the organisation tree: an agency (ministry, province, city) at the root,
    departments and teams below. Complaints are handled by units."""

    class Kind(models.TextChoices):
        MINISTRY = "ministry", _("Ministry")
        PROVINCE = "province", _("Province or city")
        DEPARTMENT = "department", _("Department")
        TEAM = "team", _("Team")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("Korean name"), max_length=150)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")

    @property
    def agency(self) -> "Unit":
        unit = self
        while unit.parent_id is not None:
            unit = unit.parent
        return unit


class Membership(models.Model):
    """An official's role in a unit."""

    class Role(models.TextChoices):
        HANDLER = "handler", _("Handler")
        APPROVER = "approver", _("Approver")
        AGENCY_ADMIN = "agency_admin", _("Agency administrator")

    user = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(Unit, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=20, choices=Role)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"


class Category(BilingualName, models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name_ko = models.CharField(_("Korean name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")


class RoutingRule(models.Model):
    """Sends a complaint to the competent unit. Rules are tried by priority (lowest first); a rule
    matches when every condition it sets holds. No matching rule → the triage queue."""

    priority = models.PositiveIntegerField(_("priority"), default=100)
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.CASCADE
    )
    keywords = models.CharField(
        _("keywords"),
        max_length=500,
        blank=True,
        help_text=_("Comma-separated; the rule matches if the title or text contains any of them."),
    )
    region = models.ForeignKey(
        "core.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Matches complaints located in this region or one of its subregions."),
    )
    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.CASCADE)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["priority", "id"]
        verbose_name = _("routing rule")
        verbose_name_plural = _("routing rules")
        constraints = [
            models.CheckConstraint(
                condition=~Q(category=None, keywords="", region=None),
                name="routing_rule_has_a_condition",
            )
        ]

    def __str__(self) -> str:
        return f"#{self.priority} → {self.unit}"

    def keyword_list(self) -> list[str]:
        return [k.strip().lower() for k in self.keywords.split(",") if k.strip()]
