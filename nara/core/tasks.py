from django.tasks import task

from . import ratelimit


@task()
def forget_ended_rate_windows() -> int:
    """Delete the rate-limit counters whose window has ended (every scheduler round)."""
    return ratelimit.forget_ended_windows()
