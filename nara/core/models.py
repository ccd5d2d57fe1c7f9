from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class BilingualName:
    """`name` in the active language: the English name when English is active and one exists,
    else the Korean one. For models with `name_ko` and `name_en`."""

    @property
    def name(self) -> str:
        if get_language() == "en" and self.name_en:
            return self.name_en
        return self.name_ko

    def __str__(self) -> str:
        return self.name


class Region(BilingualName, models.Model):
    """An administrative region: 시도 (2-digit code) or 시군구 (5-digit code)."""

    code = models.CharField(_("code"), max_length=10, unique=True)
    name_ko = models.CharField(_("Korean name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")


class Holiday(models.Model):
    """A day off added by an operator (임시공휴일): counted like a public holiday by the clock."""

    date = models.DateField(_("date"), unique=True)
    name = models.CharField(_("name"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date"]
        verbose_name = _("extra holiday")
        verbose_name_plural = _("extra holidays")

    def __str__(self) -> str:
        return f"{self.date:%Y-%m-%d} {self.name}"


class RateCount(models.Model):
    """Attempts counted for one rate limit and client in its current window: where
    `nara.core.ratelimit` and the signing statement count, whatever the cache (one statement per
    request, shared by every process and node). Ended windows are deleted by a periodic task."""

    scope_key = models.CharField(max_length=32, primary_key=True)  # digest of scope and client
    window_end = models.BigIntegerField(db_index=True)  # seconds since the epoch
    hits = models.PositiveIntegerField()

    class Meta:
        db_table = "nara_rate_count"  # named in ratelimit.py's SQL
