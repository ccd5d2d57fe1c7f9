"""Database sessions (nara.accounts.models.Session) read with their user, the user's
memberships and unread count in one query, compiled once (nara.core.prepared): every signed-in
request loads its session, then its user, asks whether the user is an official, and shows the
unread count in the header.

The session row carries the signed-in user's id (`user_id`, written from the session's data on
every save). The store keeps the user read with the row; while `auth.get_user` runs for the
request (`nara.accounts.middleware.AuthenticationMiddleware`), `UserBackend.get_user` takes that
user instead of reading it again, when it is the user the session's data names. Django's checks
(the backend's, the session hash) are unchanged.

`NARA_OFF=sessions` (settings.NARA_OFF) reads sessions and users as Django does (the session
row alone, then the user, the memberships and the unread count each in a query of its own);
rows keep their user's id, so that ending a user's sessions works either way."""

from contextvars import ContextVar

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.utils import timezone

from nara.core.djangointernals import DatabaseSessionStore
from nara.core.prepared import PreparedQuery


def _with_user(session_key: str):
    from nara.agencies.selectors import packed_memberships  # agencies depends on accounts
    from nara.notifications.context_processors import unread_subquery

    return (
        SessionStore.get_model_class()
        .objects.filter(session_key=session_key)
        .select_related("user__region__parent", "user__posting_block")
        .annotate(
            user_memberships=packed_memberships("user_id"),
            user_unread=unread_subquery("user_id"),
        )
        .order_by()[:1]
    )


# The session, its user, the user's memberships (official or not: every page asks) and unread
# notifications (the header of every page shows them).
_session_by_key = PreparedQuery(_with_user)

# The session store of the request whose user is being read (set around auth.get_user only).
reading_user_of: ContextVar["SessionStore | None"] = ContextVar("reading_user_of", default=None)


def _user_id(data: dict) -> int | None:
    try:
        return int(data[SESSION_KEY])
    except (KeyError, TypeError, ValueError):
        return None


class SessionStore(DatabaseSessionStore):
    _read_user = None  # the user read with the session row (None: none, or not read)
    _row_user_id = None  # the user id the row carried

    @classmethod
    def get_model_class(cls):
        from .models import Session

        return Session

    def read_row(self):
        if "sessions" in settings.NARA_OFF:
            session = super().read_row()  # Django's: the row alone
            self._row_user_id = session.user_id if session is not None else None
            return session
        key = self.session_key
        session = _session_by_key.first(session_key=key) if isinstance(key, str) else None
        if session is None or session.expire_date <= timezone.now():
            self.forget_key()
            return None
        if session.user is not None:
            from nara.agencies.selectors import remember_memberships

            remember_memberships(session.user, session.user_memberships)
            session.user.unread_read_with_session = session.user_unread or 0
        self._read_user = session.user
        self._row_user_id = session.user_id
        return session

    def load(self):
        data = super().load()
        if self.session_key is not None and _user_id(data) != self._row_user_id:
            self.modified = True  # a row out of step (written elsewhere): saved right at the end
        return data

    def create_model_instance(self, data):
        session = super().create_model_instance(data)
        session.user_id = _user_id(data)
        return session

    async def acreate_model_instance(self, data):
        session = await super().acreate_model_instance(data)
        session.user_id = _user_id(data)
        return session

    def flush(self):
        self._read_user = None
        super().flush()

    def cycle_key(self):
        self._read_user = None
        super().cycle_key()

    @classmethod
    def clear_expired(cls) -> int:
        """Delete the expired sessions; how many there were."""
        expired = cls.get_model_class().objects.filter(expire_date__lte=timezone.now())
        deleted, _ = expired.delete()
        return deleted

    def user_read_with_session(self, pk: int):
        """The user read with this session's row, if it is user `pk`."""
        user = self._read_user
        return user if user is not None and user.pk == pk else None
