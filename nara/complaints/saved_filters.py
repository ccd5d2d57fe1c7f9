"""An official's saved inbox filters: a name for a set of filters they use often ("overdue in my
unit", "waiting for my approval"), shown above the inbox as links. Saved as the query string the
inbox's filter form reads back, so a filter that no longer exists (a status renamed) falls back
to the defaults, as any odd query string does. Each change is an audit event."""

from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import NotAllowed

from . import policies
from .forms_official import InboxFilterForm
from .models import SavedFilter

MAX_PER_USER = 20
NAME_MAX = 60


def saved_filters_of(user) -> list[SavedFilter]:
    return list(SavedFilter.objects.filter(user=user)) if user.is_authenticated else []


def query_of(filters: dict) -> str:
    """The inbox's query string for `filters` (InboxFilterForm.filters()), defaults left out."""
    defaults = InboxFilterForm.DEFAULTS
    pairs = [
        (key, "on" if value is True else value)
        for key, value in filters.items()
        if value not in ("", False, None) and not (key == "sort" and value == defaults["sort"])
    ]
    return urlencode(sorted(pairs))


def saved_filter_save(*, by, name: str, filters: dict) -> SavedFilter:
    """Save `filters` under `name` for `by` (the same name again replaces them)."""
    if not (policies.is_official(by) or policies.is_operator(by)):
        raise NotAllowed()
    name = " ".join((name or "").split())
    if not name:
        raise ValidationError({"name": _("Give the filter a name.")})
    if len(name) > NAME_MAX:
        raise ValidationError(
            {"name": _("A name can be at most %(n)d characters.") % {"n": NAME_MAX}}
        )
    query = query_of(filters)
    with transaction.atomic():
        saved, created = SavedFilter.objects.update_or_create(
            user=by, name=name, defaults={"query": query}
        )
        if created and SavedFilter.objects.filter(user=by).count() > MAX_PER_USER:
            raise ValidationError(
                {
                    "name": _("You can keep at most %(n)d filters: delete one first.")
                    % {"n": MAX_PER_USER}
                }
            )
        audit_record(
            actor=by,
            event_type=EventType.USER_FILTER_SAVED,
            target=by,
            data={"name": name, "query": query},
        )
    return saved


def saved_filter_delete(*, by, filter_id: int) -> None:
    """Delete one of `by`'s saved filters; Http404 for one that is not theirs (or is gone)."""
    with transaction.atomic():
        saved = SavedFilter.objects.filter(pk=filter_id, user=by).first()
        if saved is None:
            raise Http404
        saved.delete()
        audit_record(
            actor=by,
            event_type=EventType.USER_FILTER_DELETED,
            target=by,
            data={"name": saved.name},
        )
