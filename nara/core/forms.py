"""Helpers for forms and query parameters."""

import uuid

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


def page_number(request, name: str = "page") -> int:
    """The page asked for in the query string: a positive number of at most 6 digits, else 1
    (pages past the end are the paginator's business)."""
    raw = query_param(request, name, 6)
    return int(raw) if raw.isdigit() and int(raw) > 0 else 1


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files under one name; the form checks their content (nara.core.uploads)."""

    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, list | tuple) else [data]
        return [f for f in files if f]


def new_form_token() -> str:
    """A one-time token issued with an empty form: a double submission carries it twice."""
    return str(uuid.uuid4())


def clean_form_token(value) -> str:
    """The token as sent back; "" if it is not one (that only costs the protection)."""
    try:
        return str(uuid.UUID(str(value or "").strip()[:64], version=4))
    except ValueError:
        return ""


class FormTokenField(forms.Field):
    """The one-time form token (see new_form_token). A missing or mangled token is never an
    error: it only costs the protection against double submission."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)

    def clean(self, value) -> str:
        return clean_form_token(value)
