"""Errors that services raise; views and the API turn them into responses.

Bad input is django.core.exceptions.ValidationError (400). An object the user may not see is
django.http.Http404 (404)."""

from django.core.exceptions import ValidationError
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


def required(value: str, field_name: str, message) -> str:
    """`value` stripped; ValidationError({field_name: message}) when nothing is left."""
    value = (value or "").strip()
    if not value:
        raise ValidationError({field_name: message})
    return value
