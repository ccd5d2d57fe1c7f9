from django.contrib.auth.backends import ModelBackend, UserModel


class UserBackend(ModelBackend):
    """Django's e-mail and password backend; the user of each request is read with what nearly
    every page asks next (the region and its parent for residence checks, a posting block) in
    the same query."""

    def get_user(self, user_id):
        user = (
            UserModel._default_manager.select_related("region__parent", "posting_block")
            .filter(pk=user_id)
            .first()
        )
        return user if user is not None and self.user_can_authenticate(user) else None
