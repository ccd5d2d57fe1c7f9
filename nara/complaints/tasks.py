from django.tasks import task

from . import deadlines


@task()
def watch_deadlines() -> dict:
    """Escalate overdue complaints and send 30-day progress notices."""
    return {
        "escalated": deadlines.complaints_escalate_overdue(),
        "progress_notices": deadlines.complaints_send_progress_notices(),
    }
