"""Django's database sessions, read with a query compiled once (nara.core.prepared): every
signed-in request loads its session first."""

from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.contrib.sessions.models import Session
from django.utils import timezone

from nara.core.prepared import PreparedQuery

_session_by_key = PreparedQuery(
    lambda session_key: Session.objects.filter(session_key=session_key).order_by()[:1]
)


class SessionStore(DatabaseSessionStore):
    def _get_session_from_db(self):
        key = self.session_key
        session = _session_by_key.first(session_key=key) if isinstance(key, str) else None
        if session is None or session.expire_date <= timezone.now():
            self._session_key = None
            return None
        return session
