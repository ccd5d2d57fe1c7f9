from django.tasks import task

from . import services


@task()
def watch_deadlines() -> dict:
    """Escalate overdue complaints and send 30-day progress notices."""
    return {
        "escalated": services.complaints_escalate_overdue(),
        "progress_notices": services.complaints_send_progress_notices(),
    }
