"""The clock of information-disclosure requests (nara/disclosure/periods.py) on the real Korean
calendar (the `holidays` package), every expected value counted by hand. Days off used:
2026-09-24..26 Thu-Sat 추석; 10-03 Sat 개천절 + 10-05 Mon substitute; 10-09 Fri 한글날.
Weekends are days off too."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from time_machine import travel

from nara.core.errors import InvalidTransition
from nara.core.models import Holiday
from nara.disclosure import periods, services
from nara.disclosure.models import Status
from tests.disclosure_helpers import agency_admin, file_request

SEOUL = ZoneInfo("Asia/Seoul")
pytestmark = pytest.mark.django_db


def kst(*args) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def test_the_decision_is_due_on_the_10th_working_day_the_day_of_receipt_being_day_1():
    # Mon 9-21 (1), 22 (2), 23 (3), [추석 24-26, Sun], 28 (4) … 10-02 (8), [10-05 substitute],
    # 10-06 (9), 10-07 (10)
    assert periods.decision_due(kst(2026, 9, 21, 10, 0)) == kst(2026, 10, 7, 18, 0)


def test_a_request_received_on_a_holiday_counts_from_the_next_working_day():
    assert periods.decision_due(kst(2026, 9, 24, 10, 0)) == kst(2026, 10, 13, 18, 0)


def test_a_request_received_in_the_evening_still_counts_that_day():
    assert periods.decision_due(kst(2026, 9, 21, 23, 30)) == kst(2026, 10, 7, 18, 0)


def test_the_extension_counts_from_the_day_after_the_first_period():
    # 10-08 (1), [한글날 10-09], 10-12 (2) … 10-16 (6), 10-19 (7) … 10-22 (10)
    assert periods.extended_due(kst(2026, 10, 7, 18, 0), 10) == kst(2026, 10, 22, 18, 0)
    assert periods.extended_due(kst(2026, 10, 7, 18, 0), 2) == kst(2026, 10, 12, 18, 0)


def test_no_decision_by_the_20th_working_day_is_a_deemed_refusal():
    assert periods.deemed_refusal_at(kst(2026, 9, 21, 10, 0)) == kst(2026, 10, 22, 18, 0)


def test_an_operator_holiday_moves_the_deadline():
    Holiday.objects.create(date=kst(2026, 10, 6).date(), name="임시공휴일")
    assert periods.decision_due(kst(2026, 9, 21, 10, 0)) == kst(2026, 10, 8, 18, 0)


def test_third_parties_have_3_calendar_days_moved_past_days_off():
    # notified Thu 10-01: the 3rd day is Sun 10-04, then the substitute holiday 10-05: Tue 10-06
    assert periods.third_party_opinion_due(kst(2026, 10, 1, 11, 0)) == kst(2026, 10, 7, 0, 0)


def test_an_objection_may_be_filed_within_30_days():
    # 30 days after 10-22 is Sat 11-21: the period ends with Mon 11-23
    assert periods.objection_filing_until(kst(2026, 10, 22, 18, 0)) == kst(2026, 11, 24, 0, 0)


def test_an_objection_is_decided_within_7_working_days_extendable_by_7():
    due = periods.objection_due(kst(2026, 10, 26, 9, 0))  # Mon 10-26 (1) … Tue 11-03 (7)
    assert due == kst(2026, 11, 3, 18, 0)
    assert periods.extended_due(due, 7) == kst(2026, 11, 12, 18, 0)


def test_a_disclosure_a_third_party_objected_to_waits_30_days():
    assert periods.release_after_objection(kst(2026, 10, 20, 15, 0)) == kst(2026, 11, 19, 0, 0)


# --- the clock of a request, through the services -------------------------------------------


def test_a_request_is_due_10_working_days_after_receipt(world):
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        r = file_request(world)
    assert r.due_at == kst(2026, 10, 7, 18, 0)
    assert r.deemed_refusal_at == kst(2026, 10, 22, 18, 0)


def test_one_extension_of_at_most_10_days_before_the_period_ends(world):
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        r = file_request(world)
    with travel(kst(2026, 10, 5, 10, 0), tick=False):
        with pytest.raises(ValidationError):
            services.request_extend(request=r, by=world.handler, days=11, reason="Archives")
        r = services.request_extend(request=r, by=world.handler, days=10, reason="Archives")
        assert r.extended_due_at == kst(2026, 10, 22, 18, 0)
        assert r.deadline == r.extended_due_at
        with pytest.raises(InvalidTransition):
            services.request_extend(request=r, by=world.handler, days=1, reason="Again")


def test_no_extension_after_the_first_period_ended(world):
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        r = file_request(world)
    with travel(kst(2026, 10, 7, 18, 1), tick=False):
        with pytest.raises(InvalidTransition):
            services.request_extend(request=r, by=world.handler, days=3, reason="Late")


def test_a_transfer_to_another_agency_restarts_the_clock_there(world):
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        r = file_request(world)
    with travel(kst(2026, 9, 23, 15, 0), tick=False):
        r = services.request_transfer(
            request=r, by=world.handler, to_unit=world.parks, reason="Held by the parks"
        )
    # Wed 9-23 (1), 9-28 (2) … 10-02 (6), 10-06 (7), 10-07 (8), 10-08 (9), 10-12 (10)
    assert r.due_at == kst(2026, 10, 12, 18, 0)
    assert r.agency_id == world.parks.parent_id
    assert r.transfers.get().to_another_agency is True


def test_a_transfer_within_the_agency_keeps_the_clock(world):
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        r = file_request(world, unit=world.ministry)
    with travel(kst(2026, 9, 23, 15, 0), tick=False):
        r = services.request_transfer(
            request=r, by=agency_admin(world), to_unit=world.roads, reason="Roads hold it"
        )
    assert r.due_at == kst(2026, 10, 7, 18, 0)
    assert r.transfers.get().to_another_agency is False


def test_the_20th_day_without_a_decision_is_a_deemed_refusal_then_30_days_to_object(world):
    with travel(kst(2026, 9, 21, 10, 0), tick=False):
        r = file_request(world)
    with travel(kst(2026, 10, 22, 17, 59), tick=False):
        assert services.requests_deem_refused() == 0
        with pytest.raises(InvalidTransition):
            services.objection_file(request=r, by=world.citizen, reasons="No answer")
    with travel(kst(2026, 10, 22, 18, 1), tick=False):
        assert services.requests_deem_refused() == 1
        assert services.requests_deem_refused() == 0  # once
    r.refresh_from_db()
    assert r.deemed_refused_at is not None and r.status == Status.RECEIVED
    assert services.objection_until(r) == kst(2026, 11, 24, 0, 0)
    with travel(kst(2026, 11, 24, 0, 1), tick=False):
        with pytest.raises(InvalidTransition):
            services.objection_file(request=r, by=world.citizen, reasons="Too late")
    with travel(kst(2026, 11, 23, 23, 59), tick=False):
        objection = services.objection_file(request=r, by=world.citizen, reasons="No answer")
    assert objection.due_at == kst(2026, 12, 1, 18, 0)  # Mon 11-23 (1) … Tue 12-01 (7)
