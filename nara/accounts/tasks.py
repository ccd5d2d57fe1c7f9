from django.tasks import task

from .sessions import SessionStore


@task()
def clear_expired_sessions() -> int:
    """Delete the sessions past their expiry date (Django keeps them until `clearsessions`):
    the session table, read on every signed-in request, holds open sessions only."""
    return SessionStore.clear_expired()
