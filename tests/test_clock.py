"""The statutory clock (민원처리법 §19), with real Korean holidays from the `holidays` package.

Every expected value below was counted by hand on a calendar. Days off used (holidays 0.108, KR):
2026: 03-01 Sun 삼일절 + 03-02 Mon substitute; 05-01 Fri 노동절; 05-05 Tue 어린이날;
09-24..26 Thu-Sat 추석; 10-03 Sat 개천절 + 10-05 Mon substitute; 10-09 Fri 한글날.
2027: 05-01 Sat 노동절 + 05-03 Mon substitute; 09-14..16 Tue-Thu 추석; 10-03 Sun 개천절 +
10-04 Mon substitute; 10-09 Sat 한글날 + 10-11 Mon substitute.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import override_settings

from nara.core import clock
from nara.core.clock import (
    Period,
    add_working_days,
    add_working_minutes,
    due_at,
    extension_limit,
    is_working_day,
    non_working_days,
    period_for_kind,
    working_days_between,
    working_minutes_between,
)
from nara.core.models import Holiday

pytestmark = pytest.mark.django_db

SEOUL = ZoneInfo("Asia/Seoul")
THREE_HOURS = Period(hours=3)
SEVEN_DAYS = Period(days=7)
FOURTEEN_DAYS = Period(days=14)


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


# --- the holidays the tests rely on ---------------------------------------------------------


def test_package_knows_the_holidays_used_here():
    assert not is_working_day(date(2026, 3, 2))  # 삼일절 substitute (03-01 is a Sunday)
    assert not is_working_day(date(2026, 10, 5))  # 개천절 substitute (10-03 is a Saturday)
    assert not is_working_day(date(2027, 2, 9))  # 설날 substitute
    assert not is_working_day(date(2027, 10, 11))  # 한글날 substitute
    assert not is_working_day(date(2026, 6, 3))  # local election day
    assert not is_working_day(date(2026, 5, 1))  # 노동절: a public holiday from 2026 in 0.108
    assert not is_working_day(date(2026, 7, 17))  # 제헌절: a public holiday again from 2026
    assert is_working_day(date(2026, 3, 3))
    assert is_working_day(date(2026, 9, 23))


def test_non_working_days_over_chuseok_and_october_2026():
    assert non_working_days(date(2026, 9, 21), date(2026, 10, 12)) == {
        date(2026, 9, 24),
        date(2026, 9, 25),
        date(2026, 9, 26),
        date(2026, 9, 27),
        date(2026, 10, 3),
        date(2026, 10, 4),
        date(2026, 10, 5),
        date(2026, 10, 9),
        date(2026, 10, 10),
        date(2026, 10, 11),
    }


def test_non_working_days_across_new_year_and_empty_range():
    assert non_working_days(date(2026, 12, 31), date(2027, 1, 3)) == {
        date(2027, 1, 1),
        date(2027, 1, 2),
        date(2027, 1, 3),
    }
    assert non_working_days(date(2026, 3, 10), date(2026, 3, 9)) == set()


# --- Period ----------------------------------------------------------------------------------


def test_period_from_setting_and_counting_mode():
    assert Period.from_setting({"days": 7}) == Period(days=7)
    assert not Period(days=7).counted_in_hours
    assert not Period(days=6).counted_in_hours
    assert Period(days=5).counted_in_hours
    assert Period(days=5).working_hours == 40
    assert Period.from_setting({"hours": 3}).counted_in_hours
    assert Period(hours=3).working_hours == 3


def test_period_needs_exactly_one_positive_length():
    with pytest.raises(ValueError):
        Period()
    with pytest.raises(ValueError):
        Period(days=1, hours=8)
    with pytest.raises(ValueError):
        Period(days=0)


def test_period_for_kind_reads_settings():
    assert period_for_kind("grievance") == Period(days=7)
    assert period_for_kind("law_question") == Period(days=14)
    assert period_for_kind("other") == Period(hours=3)
    with override_settings(NARA_COMPLAINT_PERIODS={"other": {"hours": 2}}):
        assert period_for_kind("other") == Period(hours=2)
        with pytest.raises(KeyError):
            period_for_kind("grievance")


# --- hours rule ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        (kst(2026, 3, 10, 14, 0), kst(2026, 3, 10, 17, 0)),  # within a day
        (kst(2026, 3, 10, 10, 30), kst(2026, 3, 10, 14, 30)),  # across lunch
        (kst(2026, 3, 10, 9, 30), kst(2026, 3, 10, 13, 30)),  # across lunch
        (kst(2026, 3, 10, 10, 0), kst(2026, 3, 10, 14, 0)),
        (kst(2026, 3, 10, 9, 0), kst(2026, 3, 10, 12, 0)),  # runs out exactly at 12:00
        (kst(2026, 3, 10, 16, 30), kst(2026, 3, 11, 10, 30)),  # across the night
        (kst(2026, 3, 10, 15, 0), kst(2026, 3, 10, 18, 0)),  # runs out exactly at closing
        (kst(2026, 3, 10, 7, 45), kst(2026, 3, 10, 12, 0)),  # before opening; ends at 12:00
        (kst(2026, 3, 10, 19, 20), kst(2026, 3, 11, 12, 0)),  # after closing
        (kst(2026, 3, 10, 12, 20), kst(2026, 3, 10, 16, 0)),  # during lunch
        (kst(2026, 3, 10, 18, 0), kst(2026, 3, 11, 12, 0)),  # exactly at closing
        (kst(2026, 3, 13, 17, 0), kst(2026, 3, 16, 11, 0)),  # Friday -> Monday
        (kst(2026, 3, 14, 10, 0), kst(2026, 3, 16, 12, 0)),  # Saturday
        (kst(2026, 5, 4, 17, 0), kst(2026, 5, 6, 11, 0)),  # over 어린이날 (Tue)
        (kst(2026, 2, 27, 16, 0), kst(2026, 3, 3, 10, 0)),  # over weekend + 삼일절 substitute
        (kst(2027, 10, 8, 17, 30), kst(2027, 10, 12, 11, 30)),  # over 한글날 substitute
        (kst(2027, 4, 30, 17, 0), kst(2027, 5, 4, 11, 0)),  # over 노동절 substitute
    ],
)
def test_due_at_in_hours(received, expected):
    assert due_at(received, THREE_HOURS) == expected


def test_five_day_period_is_counted_in_hours_over_chuseok():
    # Wed 09-23 10:00: 7h that day; 24-27 off; Mon-Thu 28..10-01 4x8h = 32h; Fri 10-02 1h.
    assert due_at(kst(2026, 9, 23, 10, 0), Period(days=5)) == kst(2026, 10, 2, 10, 0)


def test_result_is_in_the_current_time_zone():
    received = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # 10:00 in Seoul
    due = due_at(received, THREE_HOURS)
    assert due == kst(2026, 3, 10, 14, 0)
    assert due.utcoffset() == timedelta(hours=9)


# --- days rule -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("received", "period", "expected"),
    [
        # Tue 03-10 is day 1; Wed 2, Thu 3, Fri 4, Mon 5, Tue 6, Wed 03-18 day 7.
        (kst(2026, 3, 10, 10, 0), SEVEN_DAYS, kst(2026, 3, 18, 18, 0)),
        (kst(2026, 3, 10, 0, 5), SEVEN_DAYS, kst(2026, 3, 18, 18, 0)),
        (kst(2026, 3, 10, 22, 0), SEVEN_DAYS, kst(2026, 3, 18, 18, 0)),  # after closing: day 1
        # Saturday / Sunday: day 1 is Mon 03-16; day 7 is Tue 03-24.
        (kst(2026, 3, 14, 11, 0), SEVEN_DAYS, kst(2026, 3, 24, 18, 0)),
        (kst(2026, 3, 15, 11, 0), SEVEN_DAYS, kst(2026, 3, 24, 18, 0)),
        # On 어린이날 (Tue 05-05): day 1 is Wed 05-06; day 7 is Thu 05-14.
        (kst(2026, 5, 5, 11, 0), SEVEN_DAYS, kst(2026, 5, 14, 18, 0)),
        # Mon 09-21: 21, 22, 23, (Chuseok 24-27), 28, 29, 30, 10-01 = day 7.
        (kst(2026, 9, 21, 9, 0), SEVEN_DAYS, kst(2026, 10, 1, 18, 0)),
        # Tue 09-22: 22, 23, 28, 29, 30, 10-01, 10-02, (3-5), 6, 7, 8, (9-11), 12, 13, 14, 15.
        (kst(2026, 9, 22, 15, 0), FOURTEEN_DAYS, kst(2026, 10, 15, 18, 0)),
        # Mon 2027-09-13: 13, (Chuseok 14-16), 17, 20-24, 27-30, 10-01, (2-4), 5, 6 = day 14.
        (kst(2027, 9, 13, 9, 0), FOURTEEN_DAYS, kst(2027, 10, 6, 18, 0)),
        # Sat 2027-02-06 (설날 eve): 06..09 off; day 1 Wed 02-10 ... day 7 Thu 02-18.
        (kst(2027, 2, 6, 10, 0), SEVEN_DAYS, kst(2027, 2, 18, 18, 0)),
    ],
)
def test_due_at_in_days(received, period, expected):
    assert due_at(received, period) == expected


def test_day_counted_due_uses_one_query(django_assert_num_queries):
    with django_assert_num_queries(1):
        due_at(kst(2026, 9, 22, 15, 0), FOURTEEN_DAYS)
    with django_assert_num_queries(1):
        non_working_days(date(2026, 1, 1), date(2026, 12, 31))


# --- operator-added holidays -----------------------------------------------------------------


def test_operator_holiday_moves_day_counted_due():
    received = kst(2026, 3, 10, 10, 0)
    assert due_at(received, SEVEN_DAYS) == kst(2026, 3, 18, 18, 0)
    Holiday.objects.create(date=date(2026, 3, 12), name="임시공휴일")
    # 10, 11, (12 off), 13, 16, 17, 18, 19 = day 7.
    assert due_at(received, SEVEN_DAYS) == kst(2026, 3, 19, 18, 0)


def test_operator_holiday_moves_hour_counted_due():
    received = kst(2026, 3, 11, 17, 0)
    assert due_at(received, THREE_HOURS) == kst(2026, 3, 12, 11, 0)
    Holiday.objects.create(date=date(2026, 3, 12), name="임시공휴일")
    assert due_at(received, THREE_HOURS) == kst(2026, 3, 13, 11, 0)


def test_operator_holiday_in_is_working_day_and_non_working_days():
    day = date(2026, 3, 12)
    assert is_working_day(day)
    Holiday.objects.create(date=day, name="임시공휴일")
    assert not is_working_day(day)
    assert is_working_day(day, extra=set())  # extra given: the table is not asked
    assert not is_working_day(date(2026, 3, 11), extra={date(2026, 3, 11)})
    assert non_working_days(date(2026, 3, 9), date(2026, 3, 15)) == {
        date(2026, 3, 12),
        date(2026, 3, 14),
        date(2026, 3, 15),
    }


# --- settings overrides ----------------------------------------------------------------------


@override_settings(NARA_OFFICE_HOURS=[("08:00", "12:00"), ("13:00", "17:00")])
def test_office_hours_from_settings():
    # Tue 16:00: 1h to 17:00, then Wed 08:00 + 2h.
    assert due_at(kst(2026, 3, 10, 16, 0), THREE_HOURS) == kst(2026, 3, 11, 10, 0)
    assert due_at(kst(2026, 3, 10, 7, 0), THREE_HOURS) == kst(2026, 3, 10, 11, 0)
    assert due_at(kst(2026, 3, 10, 10, 0), SEVEN_DAYS) == kst(2026, 3, 18, 17, 0)


@override_settings(NARA_WEEKEND=(6,))
def test_weekend_from_settings():
    # Saturday counts: Fri 03-13 17:00 -> 1h, Sat 03-14 09:00 + 2h.
    assert due_at(kst(2026, 3, 13, 17, 0), THREE_HOURS) == kst(2026, 3, 14, 11, 0)


@override_settings(NARA_COMPLAINT_PERIODS={"other": {"hours": 5}})
def test_period_from_settings_drives_due():
    assert due_at(kst(2026, 3, 10, 9, 0), period_for_kind("other")) == kst(2026, 3, 10, 15, 0)


# --- working minutes -------------------------------------------------------------------------


def test_working_minutes_between():
    # Tue 10:30-12:00 (90) + 13:00-18:00 (300) + Wed 09:00-10:30 (90).
    assert working_minutes_between(kst(2026, 3, 10, 10, 30), kst(2026, 3, 11, 10, 30)) == 480
    # Fri 16:00-18:00 (120), weekend, 03-01 and 03-02 off, Tue 09:00-10:00 (60).
    assert working_minutes_between(kst(2026, 2, 27, 16, 0), kst(2026, 3, 3, 10, 0)) == 180
    assert working_minutes_between(kst(2026, 3, 10, 12, 10), kst(2026, 3, 10, 12, 50)) == 0
    assert working_minutes_between(kst(2026, 3, 10, 11, 0), kst(2026, 3, 10, 10, 0)) == 0


def test_add_working_minutes():
    assert add_working_minutes(kst(2026, 3, 10, 11, 59), 2) == kst(2026, 3, 10, 13, 1)
    assert add_working_minutes(kst(2026, 3, 13, 17, 59), 1) == kst(2026, 3, 13, 18, 0)
    assert add_working_minutes(kst(2026, 3, 13, 18, 0), 1) == kst(2026, 3, 16, 9, 1)
    assert add_working_minutes(kst(2026, 3, 14, 3, 0), 0) == kst(2026, 3, 14, 3, 0)
    with pytest.raises(ValueError):
        add_working_minutes(kst(2026, 3, 10, 10, 0), -1)


def test_calendar_loads_further_chunks_when_needed(django_assert_num_queries):
    # Working days from Tue 2026-09-01: Sep 1-4, 7-11, 14-18, 21-23, 28-30 (20);
    # Oct 1-2, 6-8, 12-16, 19-23, 26-30 (20): the 40th is Fri 10-30, past the first 31-day chunk.
    calendar = clock._Calendar(date(2026, 9, 1))
    with django_assert_num_queries(2):
        assert calendar.nth_working_day_after(date(2026, 8, 31), 40) == date(2026, 10, 30)


@pytest.mark.parametrize(
    ("a", "b", "minutes"),
    [
        (kst(2026, 3, 10, 10, 30), kst(2026, 3, 11, 10, 30), 480),
        (kst(2026, 2, 27, 16, 0), kst(2026, 3, 3, 10, 0), 180),
        (kst(2026, 9, 23, 10, 0), kst(2026, 10, 2, 10, 0), 2400),
    ],
)
def test_minutes_round_trip(a, b, minutes):
    assert working_minutes_between(a, b) == minutes
    assert add_working_minutes(a, minutes) == b


# --- working days ----------------------------------------------------------------------------


def test_working_days_between():
    # Sat 02-28, Sun 03-01, Mon 03-02 off; Tue 03-03 counts.
    assert working_days_between(kst(2026, 2, 27, 10, 0), kst(2026, 3, 3, 9, 0)) == 1
    # 22, 23, 28, 29, 30, 10-01, 10-02, 6, 7, 8, 12.
    assert working_days_between(kst(2026, 9, 21, 18, 0), kst(2026, 10, 12, 9, 0)) == 11
    assert working_days_between(kst(2026, 3, 10, 9, 0), kst(2026, 3, 10, 17, 0)) == 0
    assert working_days_between(kst(2026, 3, 11, 9, 0), kst(2026, 3, 10, 9, 0)) == 0
    # Local dates count: 2026-03-10 16:00 UTC is already 03-11 01:00 in Seoul.
    utc = datetime(2026, 3, 10, 16, 0, tzinfo=UTC)
    assert working_days_between(kst(2026, 3, 10, 9, 0), utc) == 1


def test_add_working_days():
    # Wed 09-23 + 3: (24-27 off) 28, 29, 30.
    assert add_working_days(kst(2026, 9, 23, 11, 15), 3) == kst(2026, 9, 30, 11, 15)
    # Fri 10-02 + 1: (3-5 off) Tue 10-06, same time of day.
    assert add_working_days(kst(2026, 10, 2, 18, 0), 1) == kst(2026, 10, 6, 18, 0)
    assert add_working_days(kst(2026, 3, 14, 10, 0), 1) == kst(2026, 3, 16, 10, 0)
    assert add_working_days(kst(2026, 3, 14, 10, 0), 0) == kst(2026, 3, 14, 10, 0)
    with pytest.raises(ValueError):
        add_working_days(kst(2026, 3, 14, 10, 0), -1)


def test_working_days_round_trip():
    start = kst(2026, 9, 18, 18, 0)
    shifted = add_working_days(start, 9)
    # 21, 22, 23, 28, 29, 30, 10-01, 10-02, 10-06.
    assert shifted == kst(2026, 10, 6, 18, 0)
    assert working_days_between(start, shifted) == 9


# --- extension -------------------------------------------------------------------------------


def test_extension_limit_in_days():
    # After Wed 03-18: 19, 20, 23, 24, 25, 26, 27.
    assert extension_limit(kst(2026, 3, 18, 18, 0), SEVEN_DAYS) == kst(2026, 3, 27, 18, 0)
    # After Fri 09-18: 21, 22, 23, 28, 29, 30, 10-01, 02, 06, 07, 08, 12, 13, 14.
    assert extension_limit(kst(2026, 9, 18, 18, 0), FOURTEEN_DAYS) == kst(2026, 10, 14, 18, 0)


def test_extension_limit_in_hours():
    assert extension_limit(kst(2026, 3, 10, 12, 0), THREE_HOURS) == kst(2026, 3, 10, 16, 0)
    assert extension_limit(kst(2026, 3, 10, 18, 0), THREE_HOURS) == kst(2026, 3, 11, 12, 0)
    # 5 days = 40h after Fri 2026-02-27 18:00: Tue 03-03 .. Fri 03-06 32h, Mon 03-09 8h.
    assert extension_limit(kst(2026, 2, 27, 18, 0), Period(days=5)) == kst(2026, 3, 9, 18, 0)


def test_package_holidays_are_cached():
    clock._package_holidays.cache_clear()
    is_working_day(date(2026, 3, 2), extra=set())
    is_working_day(date(2026, 3, 3), extra=set())
    info = clock._package_holidays.cache_info()
    assert (info.hits, info.misses) == (1, 1)
