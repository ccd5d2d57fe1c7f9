"""Disclosure grades and the legal grounds for withholding (정보공개법 §9 ①), shared by documents
(the grade a drafter sets) and information-disclosure requests (the decision on a request)."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class Grade(models.TextChoices):
    OPEN = "open", pgettext_lazy("disclosure", "Open")  # 공개
    PARTIAL = "partial", pgettext_lazy("disclosure", "Partly open")  # 부분공개
    CLOSED = "closed", pgettext_lazy("disclosure", "Not open")  # 비공개


class Ground(models.TextChoices):
    """§9 ① items 1–8: why information is withheld."""

    LAW = "1", _("§9(1) Secret under another law")
    SECURITY = "2", _("§9(2) National security, defence, unification or diplomacy")
    SAFETY = "3", _("§9(3) Life, safety or property of people")
    TRIALS = "4", _("§9(4) Trials, crime prevention or investigations")
    IN_PROGRESS = "5", _("§9(5) Audits, contracts, research, personnel or decisions in progress")
    PERSONAL = "6", _("§9(6) Personal information")
    BUSINESS = "7", _("§9(7) A business's trade secrets")
    SPECULATION = "8", _("§9(8) Information enabling speculation")
