"""Errors that services raise; views and the API turn them into responses.

Bad input is django.core.exceptions.ValidationError (400). An object the user may not see is
django.http.Http404 (404)."""

from django.utils.translation import gettext_lazy as _


class NotAllowed(Exception):
    """The user may see the object but not do this (403)."""

    def __init__(self, message=None):
        super().__init__(message or _("You are not allowed to do this."))
        self.message = message or _("You are not allowed to do this.")


class InvalidTransition(Exception):
    """The object is not in a state that allows this action (409)."""

    def __init__(self, message=None):
        super().__init__(message or _("This cannot be done in the current state."))
        self.message = message or _("This cannot be done in the current state.")
