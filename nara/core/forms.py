"""Helpers for forms and query parameters."""

from django import forms
from django.core.exceptions import ValidationError


def apply_service_errors(form: forms.Form, error: ValidationError, *, field: str | None = None):
    """Put a service's ValidationError on the form: on the fields it names that the form has,
    else on `field` (or at the top of the form)."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            form.add_error(name if name in form.fields else field, errors)
    else:
        form.add_error(field, error)


def query_param(request, name: str, max_length: int = 200) -> str:
    """A query parameter made harmless: no control characters (NUL!), bounded length."""
    value = request.GET.get(name, "") or ""
    value = "".join(ch for ch in value if ch >= " " and ch != "\x7f")
    return value.strip()[:max_length]
