"""The clock of information-disclosure requests (정보공개법 §11, §18, §21), on nara.core.clock:
the same calendar (weekends, public and substitute holidays, operators' holidays) as every
other statutory clock. The lengths are NARA_DISCLOSURE_PERIODS (days).

- Decision: within 10 days of receipt, counted like the day-based complaint periods (the day
  of receipt is day 1, days off not counted, ending at the close of office hours).
- One extension of up to 10 days, counted from the day after the first period ends.
- A transfer (이송) restarts the clock at the receiving agency: its day 1 is the day it
  receives the request (the day of the transfer).
- No decision by the end of the 20th day (counted the same way) is a deemed refusal.
- Third parties may ask for non-disclosure within 3 days of the notice; an objection may be
  filed within 30 days of a refusal or of the deemed refusal: calendar days, the day of the
  notice not counted, a last day that is a day off moving to the next working day (민법 §157,
  §161), ending at midnight.
- A disclosure a third party objected to waits at least 30 days after the decision.
- An objection is decided within 7 days of its filing (day 1), extendable once by 7."""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.utils import timezone

from nara.core import clock

DEFAULTS = {
    "decision": 10,
    "extension": 10,
    "deemed_refusal": 20,
    "third_party_opinion": 3,
    "third_party_wait": 30,
    "objection_filing": 30,
    "objection_decision": 7,
    "objection_extension": 7,
}


def days(name: str) -> int:
    return {**DEFAULTS, **getattr(settings, "NARA_DISCLOSURE_PERIODS", {})}[name]


def _working_period(start: datetime, length: int) -> datetime:
    """The close of office hours of the `length`-th working day, the day of `start` being day 1
    (or the next working day when it is a day off)."""
    received = timezone.localtime(start).date()
    day = received - timedelta(days=1)
    while length > 0:
        day += timedelta(days=1)
        if clock.is_working_day(day):
            length -= 1
    return datetime.combine(day, clock.office_close(), tzinfo=timezone.get_current_timezone())


def decision_due(start: datetime) -> datetime:
    return _working_period(start, days("decision"))


def deemed_refusal_at(start: datetime) -> datetime:
    return _working_period(start, days("deemed_refusal"))


def extended_due(due: datetime, length: int) -> datetime:
    """`length` working days after the first period ends (same closing time)."""
    return clock.add_working_days(due, length)


def objection_due(filed: datetime) -> datetime:
    return _working_period(filed, days("objection_decision"))


def _end_of(day: date) -> datetime:
    return datetime.combine(
        day + timedelta(days=1), time(0), tzinfo=timezone.get_current_timezone()
    )


def calendar_deadline(moment: datetime, length: int) -> datetime:
    """The end (midnight) of the `length`-th calendar day after `moment`'s date, moved to the
    next working day when that day is a day off."""
    day = timezone.localtime(moment).date() + timedelta(days=length)
    while not clock.is_working_day(day):
        day += timedelta(days=1)
    return _end_of(day)


def third_party_opinion_due(notified: datetime) -> datetime:
    return calendar_deadline(notified, days("third_party_opinion"))


def objection_filing_until(refused: datetime) -> datetime:
    return calendar_deadline(refused, days("objection_filing"))


def release_after_objection(decided: datetime) -> datetime:
    """The first moment a disclosure a third party objected to may happen: the start of the
    30th day after the decision (at least 30 days between the two, §21 ③)."""
    day = timezone.localtime(decided).date() + timedelta(days=days("third_party_wait"))
    return datetime.combine(day, time(0), tzinfo=timezone.get_current_timezone())
