"""The statutory clock of civil complaints (민원 처리에 관한 법률 §19).

- A period of 5 days or less is counted in working hours from the moment of receipt (or from the
  next opening when received outside office hours); one day = 8 working hours.
- A period of 6 days or more is counted in working days, the day of receipt being day 1 (or the
  next working day if received on a day off), and ends at the close of office hours of day N.

Days off are the weekend (``NARA_WEEKEND``), the public holidays the ``holidays`` package knows for
``NARA_HOLIDAY_COUNTRY`` (substitute and election days included) and the days operators add as
``nara.core.models.Holiday`` rows (temporary holidays). Office hours are ``NARA_OFFICE_HOURS``.
Settings are read at call time. All datetimes must be aware; results are in the current time zone.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import holidays
from django.conf import settings
from django.utils import timezone

HOURS_PER_DAY = 8  # §19: one day counts as 8 working hours, whatever the office hours are.
ONE_DAY = timedelta(days=1)


@functools.lru_cache(maxsize=128)
def _package_holidays(country: str, year: int) -> frozenset[date]:
    """The public holidays of one country and year, as the ``holidays`` package knows them."""
    return frozenset(holidays.country_holidays(country, years=year))


def _office_hours() -> list[tuple[time, time]]:
    """``NARA_OFFICE_HOURS`` as sorted (opening, closing) pairs of local times."""
    pairs = getattr(settings, "NARA_OFFICE_HOURS", [("09:00", "12:00"), ("13:00", "18:00")])
    parsed = [
        tuple(t if isinstance(t, time) else time.fromisoformat(t) for t in pair) for pair in pairs
    ]
    return sorted(parsed)


def _weekend() -> frozenset[int]:
    return frozenset(getattr(settings, "NARA_WEEKEND", (5, 6)))


def _country() -> str:
    return getattr(settings, "NARA_HOLIDAY_COUNTRY", "KR")


def _at(day: date, moment: time) -> datetime:
    """``day`` at local time ``moment``, aware in the current time zone."""
    return datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _closing(day: date) -> datetime:
    """The close of office hours (end of the last office-hours interval) on ``day``."""
    return _at(day, _office_hours()[-1][1])


def office_close() -> time:
    """The close of office hours, when a period counted in days ends (18:00 by default)."""
    return _office_hours()[-1][1]


def _operator_holidays(start: date, end: date) -> set[date]:
    from nara.core.models import Holiday  # here, so that models may import the clock

    return set(Holiday.objects.filter(date__range=(start, end)).values_list("date", flat=True))


def is_working_day(day: date, *, extra: set[date] | None = None) -> bool:
    """Whether ``day`` is a working day: not a weekend day, package holiday or operator holiday.

    ``extra`` is the set of operator-added days off (e.g. already loaded for a range); when it is
    None, the ``Holiday`` table is asked for this one day (one query).
    """
    if day.weekday() in _weekend() or day in _package_holidays(_country(), day.year):
        return False
    if extra is None:
        extra = _operator_holidays(day, day)
    return day not in extra


def non_working_days(start: date, end: date) -> set[date]:
    """All days off from ``start`` to ``end`` inclusive: weekends, package and DB holidays.

    Makes one database query whatever the length of the range.
    """
    if end < start:
        return set()
    weekend, country = _weekend(), _country()
    off = _operator_holidays(start, end)
    for year in range(start.year, end.year + 1):
        off |= {d for d in _package_holidays(country, year) if start <= d <= end}
    day = start
    while day <= end:
        if day.weekday() in weekend:
            off.add(day)
        day += ONE_DAY
    return off


class _Calendar:
    """Days off from ``start`` onwards, loaded lazily in chunks (usually one query in all)."""

    def __init__(self, start: date, expected_days: int = 0) -> None:
        self.end = start - ONE_DAY
        self.chunk = max(31, 2 * expected_days + 31)
        self.off: set[date] = set()

    def is_working(self, day: date) -> bool:
        while day > self.end:
            new_end = self.end + self.chunk * ONE_DAY
            self.off |= non_working_days(self.end + ONE_DAY, new_end)
            self.end = new_end
        return day not in self.off

    def nth_working_day_after(self, day: date, n: int) -> date:
        """The n-th working day strictly after ``day`` (``day`` itself when n == 0)."""
        while n > 0:
            day += ONE_DAY
            if self.is_working(day):
                n -= 1
        return day


@dataclass(frozen=True)
class Period:
    """A handling period: ``days`` or ``hours`` (exactly one of them)."""

    days: int | None = None
    hours: int | None = None

    def __post_init__(self) -> None:
        if (self.days is None) == (self.hours is None):
            raise ValueError("A period has either days or hours, not both nor neither.")
        if (self.days or self.hours or 0) <= 0:
            raise ValueError("A period must be positive.")

    @classmethod
    def from_setting(cls, value: Mapping[str, int]) -> Period:
        """Build from a ``NARA_COMPLAINT_PERIODS`` entry such as ``{"days": 7}``."""
        return cls(days=value.get("days"), hours=value.get("hours"))

    @property
    def counted_in_hours(self) -> bool:
        """True when given in hours or of 5 days or less (§19: counted in working hours)."""
        return self.hours is not None or self.days <= 5

    @property
    def working_hours(self) -> int:
        """The length in working hours (days × 8); meaningful when ``counted_in_hours``."""
        return self.hours if self.hours is not None else self.days * HOURS_PER_DAY


def period_for_kind(kind: str) -> Period:
    """The configured period of a complaint kind; KeyError if the kind has none."""
    return Period.from_setting(settings.NARA_COMPLAINT_PERIODS[kind])


def add_working_minutes(moment: datetime, minutes: int) -> datetime:
    """The moment ``minutes`` office-hours minutes after ``moment`` run out.

    Counting starts at ``moment`` or at the next opening; the result is the exact moment the
    minutes run out (so it may be the end of an office-hours interval, e.g. 12:00 or 18:00).
    ``minutes == 0`` returns ``moment`` itself.
    """
    if minutes < 0:
        raise ValueError("minutes must not be negative")
    local = timezone.localtime(moment)
    if minutes == 0:
        return local
    remaining = timedelta(minutes=minutes)
    calendar = _Calendar(local.date(), minutes // (HOURS_PER_DAY * 60))
    day, hours = local.date(), _office_hours()
    while True:
        if calendar.is_working(day):
            for opening, closing in hours:
                start, end = max(_at(day, opening), local), _at(day, closing)
                if start >= end:
                    continue
                if remaining <= end - start:
                    return start + remaining
                remaining -= end - start
        day += ONE_DAY


def working_minutes_between(a: datetime, b: datetime) -> int:
    """Whole office-hours minutes from ``a`` to ``b`` on working days (0 if ``b`` <= ``a``)."""
    a, b = timezone.localtime(a), timezone.localtime(b)
    if b <= a:
        return 0
    off, hours = non_working_days(a.date(), b.date()), _office_hours()
    total, day = timedelta(0), a.date()
    while day <= b.date():
        if day not in off:
            for opening, closing in hours:
                start, end = max(_at(day, opening), a), min(_at(day, closing), b)
                if start < end:
                    total += end - start
        day += ONE_DAY
    return int(total.total_seconds() // 60)


def add_working_days(moment: datetime, days: int) -> datetime:
    """The same local time of day, ``days`` working days after ``moment``'s date."""
    if days < 0:
        raise ValueError("days must not be negative")
    local = timezone.localtime(moment)
    day = _Calendar(local.date(), days).nth_working_day_after(local.date(), days)
    return _at(day, local.time())


def working_days_between(a: datetime, b: datetime) -> int:
    """The number of working days d with ``a.date() < d <= b.date()`` (local dates)."""
    first = timezone.localtime(a).date() + ONE_DAY
    last = timezone.localtime(b).date()
    if last < first:
        return 0
    off = non_working_days(first, last)
    return (last - first).days + 1 - len(off)


def due_at(start: datetime, period: Period) -> datetime:
    """The deadline of a period starting at the moment of receipt ``start`` (§19).

    In hours: the moment the working hours run out. In days: the close of office hours of the
    N-th working day, the day of receipt being day 1 if it is a working day (at any hour).
    """
    if period.counted_in_hours:
        return add_working_minutes(start, period.working_hours * 60)
    received = timezone.localtime(start).date()
    calendar = _Calendar(received, period.days)
    return _closing(calendar.nth_working_day_after(received - ONE_DAY, period.days))


def extension_limit(due: datetime, period: Period) -> datetime:
    """The latest deadline one extension may set: the period counted again after ``due``.

    In days: N more working days after ``due``'s date, at the close of office hours. In hours:
    the working hours added from ``due``.
    """
    if period.counted_in_hours:
        return add_working_minutes(due, period.working_hours * 60)
    last = timezone.localtime(due).date()
    return _closing(_Calendar(last, period.days).nth_working_day_after(last, period.days))


def local_text(moment: datetime) -> str:
    """A moment as people read it in messages: local time, to the minute."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
