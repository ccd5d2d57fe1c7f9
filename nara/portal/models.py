from django.db import models
from django.utils.translation import gettext_lazy as _


class SchedulerRound(models.Model):
    """A round of periodic tasks claimed by one scheduler (`manage.py scheduler`): the primary
    key makes the claim atomic on any database, however many schedulers run. Kept in the
    database, not in a cache that may drop it to make room."""

    key = models.CharField(max_length=60, primary_key=True)  # "<interval>:<round number>"
    owner = models.CharField(max_length=200)  # host:pid of the scheduler that claimed it
    claimed_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("scheduler round")
        verbose_name_plural = _("scheduler rounds")
