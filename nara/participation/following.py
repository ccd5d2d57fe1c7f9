"""Following processes and items, and the activity that reaches followers in a daily or weekly
digest (never a mail per event)."""

from django.db import models

from .models import Process


def record_activity(
    *, process: Process, target: models.Model | None = None, message, url: str
) -> None:
    """Tell the followers of `process` (and of `target`, when given) that something happened:
    a published comment, a new answer, a report, results… `message` is a translatable
    `nara.notifications.services.Message` (rendered in each follower's language); `url` is
    the site path to see it. Call inside the transaction of the change."""
    return None
