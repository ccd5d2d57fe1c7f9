from django.contrib.auth.backends import ModelBackend, UserModel

from nara.core.prepared import PreparedQuery

from .sessions import reading_user_of

# Every signed-in request reads its user: compiled once (nara.core.prepared).
_user_by_pk = PreparedQuery(
    lambda pk: (
        UserModel._default_manager.select_related("region__parent", "posting_block")
        .filter(pk=pk)
        .order_by()[:1]
    )
)


class UserBackend(ModelBackend):
    """Django's e-mail and password backend; the user of each request is read with what nearly
    every page asks next (the region and its parent for residence checks, a posting block) in
    the same query, itself the session's query when the session names the user
    (nara/accounts/sessions.py)."""

    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        session = reading_user_of.get()  # read with the request's session row, if it was
        user = session.user_read_with_session(pk) if session is not None else None
        if user is None:
            user = _user_by_pk.first(pk=pk)
        return user if user is not None and self.user_can_authenticate(user) else None
