"""Operators' changes to the holiday calendar (임시공휴일): the deadlines of open complaints
move at once. The calendar itself (nara.core.models.Holiday) is read by the clock."""

from datetime import date

from django.db import transaction

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.models import Holiday

from .deadlines import complaints_recompute_due


def holiday_add(*, by, day: date, name: str) -> Holiday:
    """Add a day off (임시공휴일). Deadlines of open complaints move at once."""
    with transaction.atomic():
        holiday = Holiday.objects.create(date=day, name=name)
        audit_record(
            actor=by,
            event_type=EventType.HOLIDAY_ADDED,
            target=holiday,
            data={"date": day.isoformat(), "name": name},
        )
        holiday.moved = complaints_recompute_due(around=day, by=by)
    return holiday


def holiday_remove(*, by, holiday: Holiday) -> int:
    with transaction.atomic():
        day = holiday.date
        audit_record(
            actor=by,
            event_type=EventType.HOLIDAY_REMOVED,
            target=holiday,
            data={"date": day.isoformat(), "name": holiday.name},
        )
        holiday.delete()
        return complaints_recompute_due(around=day, by=by)
