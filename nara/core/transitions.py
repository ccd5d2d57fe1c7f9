"""The one way a process changes the state of its objects (complaints, petitions, moderated
participation items): lock the row, check who acts (the app's policy), check the app's
transition table, let the service change the row, save it and write the audit event, all in
one transaction. Side effects (notifications, tasks) are queued by the service with
`transaction.on_commit`, so they leave only if the change is committed.

    with transition(petition, by=user, action=Action.OPEN, table=TRANSITIONS,
                    allowed=policies.can_open, event=EventType.PETITION_OPENED) as change:
        change.obj.unit = unit
        change.data["unit"] = unit.pk
"""

from collections.abc import Callable, Iterable, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.db import models, transaction

from nara.audit.services import audit_record

from .errors import InvalidTransition, NotAllowed


class TransitionTable:
    """action -> (the statuses it may start from, the status it leads to; None: unchanged)."""

    def __init__(self, table: Mapping[str, tuple[Iterable[str], str | None]]):
        self._table = {
            action: (frozenset(sources), target) for action, (sources, target) in table.items()
        }

    def __contains__(self, action) -> bool:
        return action in self._table

    def allowed_from(self, action) -> frozenset[str]:
        return self._table[action][0]

    def allows(self, status: str, action) -> bool:
        return status in self._table[action][0]

    def next_status(self, status: str, action) -> str:
        """The status after `action`, or InvalidTransition if it is not allowed from `status`."""
        sources, target = self._table[action]
        if status not in sources:
            raise InvalidTransition()
        return target or status

    def actions_from(self, status: str) -> list:
        return [action for action in self._table if self.allows(status, action)]


@dataclass
class Change:
    """What the service's body sees and may add to the audit event."""

    obj: models.Model
    old_status: str
    data: dict = field(default_factory=dict)


def lock(obj: models.Model, *related: str) -> models.Model:
    """The object's row, read again under a row lock (FOR UPDATE of this table only)."""
    queryset = type(obj).objects.select_for_update(of=("self",))
    if related:
        queryset = queryset.select_related(*related)
    return queryset.get(pk=obj.pk)


@contextmanager
def transition(
    obj: models.Model,
    *,
    by,
    action,
    table: TransitionTable,
    allowed: Callable[[object, models.Model], bool],
    event,
    data: dict | None = None,
    status_field: str = "status",
    locker: Callable[[models.Model], models.Model] = lock,
    refused: Callable[[models.Model], Exception] | None = None,
):
    """One state change of `obj` by `by`, in one transaction (see the module's docstring).

    `allowed(by, locked)` is the policy (NotAllowed when false); `refused(locked)` builds the
    InvalidTransition raised when the table does not allow `action` from the current status
    (default: the generic one). The body changes `change.obj` (the locked row); it is saved
    and audited when the body ends without an exception."""
    with transaction.atomic():
        locked = locker(obj)
        if not allowed(by, locked):
            raise NotAllowed()
        old = getattr(locked, status_field)
        if not table.allows(old, action):
            raise refused(locked) if refused else InvalidTransition()
        setattr(locked, status_field, table.next_status(old, action))
        change = Change(obj=locked, old_status=old, data=dict(data or {}))
        yield change
        locked.save()
        audit_record(
            actor=by,
            event_type=event,
            target=locked,
            from_state=old,
            to_state=getattr(locked, status_field),
            data=change.data,
        )
