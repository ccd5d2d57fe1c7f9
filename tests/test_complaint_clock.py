"""The statutory clock as the services run it (민원처리법 §19), with time frozen by time-machine.

Every expected deadline is a literal counted by hand on a calendar. Days off used here, as the
`holidays` package (KR) has them (checked in test_the_holidays_used_here_are_the_packages):
2026: 05-05 Tue 어린이날; 09-24..26 Thu-Sat 추석; 10-03 Sat 개천절 + 10-05 Mon substitute;
10-09 Fri 한글날. 2027: 02-06..08 설날 + 02-09 Tue substitute; 03-01 Mon 삼일절.
March 2026 around the 9th has no public holiday (03-02 is the last).
"""

from datetime import date, datetime

import holidays
import pytest
from django.core.exceptions import ValidationError
from time_machine import travel

from nara.audit.models import AuditEvent, EventType
from nara.complaints import services
from nara.complaints.holidays import holiday_add, holiday_remove
from nara.complaints.models import Complaint, Kind, Status
from nara.notifications.models import Notification, OutboxMessage
from tests.helpers import file_complaint, to_answered, to_in_progress
from tests.states import kst

pytestmark = pytest.mark.django_db


def file_at(world, moment, **fields):
    with travel(moment, tick=False):
        return file_complaint(world, **fields)


def test_the_holidays_used_here_are_the_packages():
    kr = holidays.country_holidays("KR", years=[2026, 2027])
    for day in [
        date(2026, 5, 5),
        date(2026, 9, 24),
        date(2026, 9, 25),
        date(2026, 9, 26),
        date(2026, 10, 3),
        date(2026, 10, 5),
        date(2026, 10, 9),
        date(2027, 2, 8),
        date(2027, 2, 9),
        date(2027, 3, 1),
    ]:
        assert day in kr, day
    assert "대체" in kr[date(2026, 10, 5)]  # the substitute for 개천절 (a Saturday)
    assert "대체" in kr[date(2027, 2, 9)]  # the substitute for 설날 (a Sunday)
    for day in [date(2026, 3, d) for d in range(3, 32)]:
        assert day not in kr, day


# --- the days rule (7 and 14 days) ------------------------------------------------------------


def test_a_grievance_filed_on_friday_is_due_on_the_seventh_working_day_at_18(world):
    # Fri 03-06 = day 1, Mon 9, Tue 10, Wed 11, Thu 12, Fri 13, Mon 16 = day 7, at 18:00
    complaint = file_at(world, kst(2026, 3, 6, 15, 0), kind=Kind.GRIEVANCE)
    assert complaint.due_at == kst(2026, 3, 16, 18, 0)
    assert Complaint.objects.get(pk=complaint.pk).due_at == kst(2026, 3, 16, 18, 0)


@pytest.mark.parametrize(
    ("filed", "kind", "due"),
    [
        # Friday afternoon: Fri 6 = day 1, Mon 9 … Mon 16 = day 7
        pytest.param(kst(2026, 3, 6, 15, 0), Kind.GRIEVANCE, kst(2026, 3, 16, 18), id="friday"),
        # late on Friday still counts the Friday as day 1
        pytest.param(
            kst(2026, 3, 6, 23, 50), Kind.GRIEVANCE, kst(2026, 3, 16, 18), id="friday-night"
        ),
        # Saturday and Sunday: day 1 is Monday 9, day 7 Tuesday 17
        pytest.param(kst(2026, 3, 7, 10, 0), Kind.GRIEVANCE, kst(2026, 3, 17, 18), id="saturday"),
        pytest.param(kst(2026, 3, 8, 10, 0), Kind.GRIEVANCE, kst(2026, 3, 17, 18), id="sunday"),
        # 어린이날 (Tue 05-05): day 1 Wed 6, 7, 8, 11, 12, 13, day 7 Thu 14
        pytest.param(kst(2026, 5, 5, 10, 0), Kind.GRIEVANCE, kst(2026, 5, 14, 18), id="holiday"),
        # 개천절 substitute (Mon 10-05): day 1 Tue 6, 7, 8, (9 한글날), 12, 13, 14, day 7 Thu 15
        pytest.param(
            kst(2026, 10, 5, 9, 30), Kind.GRIEVANCE, kst(2026, 10, 15, 18), id="substitute-holiday"
        ),
        # 추석: day 1 Wed 09-23, (24-27 off), 28, 29, 30, 10-01, 10-02, (3-5 off), day 7 Tue 10-06
        pytest.param(kst(2026, 9, 23, 14, 0), Kind.GRIEVANCE, kst(2026, 10, 6, 18), id="chuseok"),
        # a procedure question has the same 7 days
        pytest.param(
            kst(2026, 3, 6, 15, 0), Kind.PROCEDURE_QUESTION, kst(2026, 3, 16, 18), id="procedure"
        ),
        # 14 days, filed on 설날 다음날 (Mon 2027-02-08): day 1 Wed 10 (Tue 9 substitute),
        # 11, 12, 15, 16, 17, 18, 19, 22, 23, 24, 25, 26, (Mon 03-01 삼일절), day 14 Tue 03-02
        pytest.param(
            kst(2027, 2, 8, 11, 0), Kind.PROPOSAL, kst(2027, 3, 2, 18), id="proposal-seollal"
        ),
        pytest.param(
            kst(2027, 2, 8, 11, 0), Kind.LAW_QUESTION, kst(2027, 3, 2, 18), id="law-question"
        ),
    ],
)
def test_days_rule_through_filing(world, filed, kind, due):
    complaint = file_at(world, filed, kind=kind)
    assert complaint.received_at == filed
    assert complaint.due_at == due
    assert Complaint.objects.get(pk=complaint.pk).due_at == due


# --- the hours rule ("other": 3 working hours) --------------------------------------------------


@pytest.mark.parametrize(
    ("filed", "due"),
    [
        # 10:30-12:00 (1.5 h), lunch, 13:00-14:30 (1.5 h)
        pytest.param(kst(2026, 3, 10, 10, 30), kst(2026, 3, 10, 14, 30), id="across-lunch"),
        # filed during lunch: counting starts at 13:00
        pytest.param(kst(2026, 3, 10, 12, 20), kst(2026, 3, 10, 16, 0), id="in-lunch"),
        # 16:00-18:00 (2 h), the night, 09:00-10:00 (1 h) next day
        pytest.param(kst(2026, 3, 10, 16, 0), kst(2026, 3, 11, 10, 0), id="across-a-night"),
        # filed at 20:00: from the next opening, 09:00-12:00
        pytest.param(kst(2026, 3, 10, 20, 0), kst(2026, 3, 11, 12, 0), id="filed-at-night"),
        # Friday 17:00-18:00 (1 h), the weekend, Monday 09:00-11:00
        pytest.param(kst(2026, 3, 13, 17, 0), kst(2026, 3, 16, 11, 0), id="across-a-weekend"),
        # Saturday: from Monday's opening
        pytest.param(kst(2026, 3, 7, 10, 0), kst(2026, 3, 9, 12, 0), id="saturday"),
        # Wednesday before 추석 16:30-18:00 (1.5 h), then Monday 09-28 09:00-10:30
        pytest.param(kst(2026, 9, 23, 16, 30), kst(2026, 9, 28, 10, 30), id="before-chuseok"),
        # on the 개천절 substitute (Mon 10-05): from Tuesday's opening
        pytest.param(kst(2026, 10, 5, 10, 0), kst(2026, 10, 6, 12, 0), id="substitute-holiday"),
    ],
)
def test_hours_rule_through_filing(world, filed, due):
    complaint = file_at(world, filed, kind=Kind.OTHER)
    assert complaint.due_at == due


# --- an operator adds a temporary holiday --------------------------------------------------------


def test_an_added_holiday_moves_open_deadlines_and_removing_it_moves_them_back(world):
    monday = kst(2026, 3, 9, 10, 0)
    due = kst(2026, 3, 17, 18, 0)  # day 1 Mon 9 … day 7 Tue 17
    with travel(monday, tick=False):
        received = file_complaint(world, title="A")
        handled = to_in_progress(world, file_complaint(world, title="B"))
        waiting = services.complaint_request_info(
            complaint=file_complaint(world, title="C"), by=world.handler, question="Where?"
        )
        answered = to_answered(world, file_complaint(world, title="D"))
        withdrawn = services.complaint_withdraw(
            complaint=file_complaint(world, title="E"), by=world.citizen
        )
        extended = services.complaint_extend(
            complaint=file_complaint(world, title="F"),
            by=world.handler,
            new_due=date(2026, 3, 20),
            reason="Site visit.",
        )
        quick = file_complaint(world, title="G", kind=Kind.OTHER)  # due today: not affected
    for c in (received, handled, waiting, answered, withdrawn):
        c.refresh_from_db()
        assert c.due_at == due
    assert quick.due_at == kst(2026, 3, 9, 14, 0)

    with travel(kst(2026, 3, 10, 9, 0), tick=False):
        holiday = holiday_add(by=world.operator, day=date(2026, 3, 12), name="임시공휴일")

    moved = kst(2026, 3, 18, 18, 0)
    expected = {
        received: moved,
        handled: moved,
        waiting: moved,
        answered: due,
        withdrawn: due,
        extended: kst(2026, 3, 20, 18, 0),
        quick: kst(2026, 3, 9, 14, 0),
    }
    for complaint, deadline in expected.items():
        complaint.refresh_from_db()
        assert complaint.due_at == deadline, complaint.title
    assert holiday.moved == 3
    events = AuditEvent.objects.filter(event_type=EventType.COMPLAINT_DUE_MOVED)
    assert sorted(int(e.target_id) for e in events) == sorted(
        c.pk for c in (received, handled, waiting)
    )
    event = events.get(target_id=str(received.pk))
    assert event.actor == world.operator
    assert datetime.fromisoformat(event.data["from"]) == due
    assert datetime.fromisoformat(event.data["to"]) == moved
    assert event.data["day"] == "2026-03-12"
    assert AuditEvent.objects.filter(event_type=EventType.HOLIDAY_ADDED).count() == 1

    with travel(kst(2026, 3, 10, 9, 30), tick=False):
        assert holiday_remove(by=world.operator, holiday=holiday) == 3
    for complaint, deadline in expected.items():
        complaint.refresh_from_db()
        back = due if deadline == moved else deadline
        assert complaint.due_at == back, complaint.title
    assert AuditEvent.objects.filter(event_type=EventType.COMPLAINT_DUE_MOVED).count() == 6


def test_an_added_holiday_moves_an_hours_deadline(world):
    # Wednesday 17:00-18:00 (1 h) + Thursday 09:00-11:00 → Thursday 11:00; Thursday off → Friday
    quick = file_at(world, kst(2026, 3, 11, 17, 0), kind=Kind.OTHER)
    assert quick.due_at == kst(2026, 3, 12, 11, 0)
    with travel(kst(2026, 3, 11, 17, 30), tick=False):
        holiday_add(by=world.operator, day=date(2026, 3, 12), name="임시공휴일")
    quick.refresh_from_db()
    assert quick.due_at == kst(2026, 3, 13, 11, 0)


# --- extension (once, at most the original period) ------------------------------------------------


@pytest.fixture
def filed_monday(world):
    """A grievance filed Mon 2026-03-09 10:00: due Tue 03-17 18:00; an extension may reach
    7 more working days: Wed 18, 19, 20, 23, 24, 25, Thu 26 → 03-26 18:00."""
    with travel(kst(2026, 3, 9, 10, 0), tick=False):
        complaint = file_complaint(world)
    assert complaint.due_at == kst(2026, 3, 17, 18, 0)
    return complaint


def extend(world, complaint, new_due, reason="We need a site visit by the contractor."):
    with travel(kst(2026, 3, 12, 11, 0), tick=False):
        return services.complaint_extend(
            complaint=complaint, by=world.handler, new_due=new_due, reason=reason
        )


def test_an_extension_up_to_the_limit_is_accepted_and_the_citizen_told(world, filed_monday):
    notifications = Notification.objects.filter(user=world.citizen).count()
    extend(world, filed_monday, date(2026, 3, 26))
    filed_monday.refresh_from_db()
    assert filed_monday.due_at == kst(2026, 3, 26, 18, 0)
    assert filed_monday.extended_at == kst(2026, 3, 12, 11, 0)
    assert filed_monday.extension_reason == "We need a site visit by the contractor."
    assert filed_monday.status == Status.RECEIVED
    assert Notification.objects.filter(user=world.citizen).count() == notifications + 1
    notice = Notification.objects.filter(user=world.citizen).order_by("-id").first()
    assert "We need a site visit by the contractor." in notice.body
    assert "2026-03-26 18:00" in notice.body
    mail = OutboxMessage.objects.filter(to_email=world.citizen.email).order_by("-id").first()
    assert "We need a site visit by the contractor." in mail.body
    assert "2026-03-26 18:00" in mail.body
    event = AuditEvent.objects.get(event_type=EventType.COMPLAINT_EXTENDED)
    assert datetime.fromisoformat(event.data["to"]) == kst(2026, 3, 26, 18, 0)
    assert event.data["reason"] == "We need a site visit by the contractor."


def test_an_extension_beyond_the_original_period_is_refused(world, filed_monday):
    with pytest.raises(ValidationError) as error:
        extend(world, filed_monday, date(2026, 3, 27))
    assert "new_due" in error.value.message_dict
    filed_monday.refresh_from_db()
    assert filed_monday.due_at == kst(2026, 3, 17, 18, 0) and filed_monday.extended_at is None


@pytest.mark.parametrize(
    "day",
    [
        pytest.param(date(2026, 3, 21), id="saturday"),
        pytest.param(date(2026, 3, 22), id="sunday"),
    ],
)
def test_an_extension_to_a_day_off_is_refused(world, filed_monday, day):
    with pytest.raises(ValidationError) as error:
        extend(world, filed_monday, day)
    assert "new_due" in error.value.message_dict
    filed_monday.refresh_from_db()
    assert filed_monday.extended_at is None


def test_an_extension_to_an_operator_holiday_is_refused(world, filed_monday):
    with travel(kst(2026, 3, 10, 9, 0), tick=False):
        holiday_add(by=world.operator, day=date(2026, 3, 24), name="임시공휴일")
    with pytest.raises(ValidationError):
        extend(world, filed_monday, date(2026, 3, 24))


def test_an_extension_not_after_the_current_deadline_is_refused(world, filed_monday):
    with pytest.raises(ValidationError):
        extend(world, filed_monday, date(2026, 3, 17))


def test_an_extension_without_a_reason_is_refused(world, filed_monday):
    with pytest.raises(ValidationError) as error:
        extend(world, filed_monday, date(2026, 3, 20), reason="  ")
    assert "reason" in error.value.message_dict


def test_a_second_extension_is_refused(world, filed_monday):
    extend(world, filed_monday, date(2026, 3, 20))
    mails = OutboxMessage.objects.count()
    with pytest.raises(ValidationError) as error:
        extend(world, filed_monday, date(2026, 3, 24))
    assert "new_due" in error.value.message_dict
    filed_monday.refresh_from_db()
    assert filed_monday.due_at == kst(2026, 3, 20, 18, 0)
    assert OutboxMessage.objects.count() == mails
    assert AuditEvent.objects.filter(event_type=EventType.COMPLAINT_EXTENDED).count() == 1


def test_an_hours_period_extends_by_at_most_its_hours(world):
    # filed Mon 10:00 → due 14:00; the limit is 3 more working hours: 17:00 the same day.
    quick = file_at(world, kst(2026, 3, 9, 10, 0), kind=Kind.OTHER)
    assert quick.due_at == kst(2026, 3, 9, 14, 0)
    with travel(kst(2026, 3, 9, 11, 0), tick=False), pytest.raises(ValidationError):
        # a later day is beyond the limit
        services.complaint_extend(
            complaint=quick, by=world.handler, new_due=date(2026, 3, 10), reason="Busy."
        )
    with travel(kst(2026, 3, 9, 11, 0), tick=False):
        # the limit's own day: the new deadline is the limit, not the close of office
        services.complaint_extend(
            complaint=quick, by=world.handler, new_due=date(2026, 3, 9), reason="Busy."
        )
    quick.refresh_from_db()
    assert quick.due_at == kst(2026, 3, 9, 17, 0)


# --- the pause while the citizen is asked for information ----------------------------------------


def test_the_days_clock_stops_while_waiting_for_the_citizen(world, filed_monday):
    with travel(kst(2026, 3, 10, 11, 0), tick=False):
        services.complaint_request_info(
            complaint=filed_monday, by=world.handler, question="Which exit?"
        )
    filed_monday.refresh_from_db()
    assert filed_monday.status == Status.WAITING_CITIZEN
    assert filed_monday.paused_at == kst(2026, 3, 10, 11, 0)
    # the citizen takes Wed 11, Thu 12 and Fri 13: three working days
    with travel(kst(2026, 3, 13, 15, 0), tick=False):
        services.complaint_reply_info(complaint=filed_monday, by=world.citizen, reply="Exit 3.")
    filed_monday.refresh_from_db()
    assert filed_monday.status == Status.IN_PROGRESS
    assert filed_monday.paused_at is None
    # Tue 17 + 3 working days = Fri 20
    assert filed_monday.due_at == kst(2026, 3, 20, 18, 0)


def test_a_weekend_while_waiting_does_not_count(world, filed_monday):
    with travel(kst(2026, 3, 13, 10, 0), tick=False):
        services.complaint_request_info(
            complaint=filed_monday, by=world.handler, question="Which exit?"
        )
    # Sat 14 and Sun 15 are not working days: only Monday 16 is taken
    with travel(kst(2026, 3, 16, 10, 0), tick=False):
        services.complaint_reply_info(complaint=filed_monday, by=world.citizen, reply="Exit 3.")
    filed_monday.refresh_from_db()
    assert filed_monday.due_at == kst(2026, 3, 18, 18, 0)


def test_the_hours_clock_stops_while_waiting_for_the_citizen(world):
    quick = file_at(world, kst(2026, 3, 9, 10, 0), kind=Kind.OTHER)
    assert quick.due_at == kst(2026, 3, 9, 14, 0)  # 10-12, 13-14
    with travel(kst(2026, 3, 9, 11, 0), tick=False):
        services.complaint_request_info(complaint=quick, by=world.handler, question="Which?")
    # waiting: Mon 11-12 (60) + 13-18 (300) + Tue 09-10:30 (90) = 450 working minutes
    with travel(kst(2026, 3, 10, 10, 30), tick=False):
        services.complaint_reply_info(complaint=quick, by=world.citizen, reply="That one.")
    quick.refresh_from_db()
    assert quick.paused_minutes == 450
    # two working hours were left at 11:00: Tue 10:30-12:00, 13:00-13:30
    assert quick.due_at == kst(2026, 3, 10, 13, 30)


def test_a_pause_after_an_extension_moves_the_extended_deadline(world, filed_monday):
    extend(world, filed_monday, date(2026, 3, 20))
    with travel(kst(2026, 3, 16, 10, 0), tick=False):
        services.complaint_request_info(
            complaint=filed_monday, by=world.handler, question="Which exit?"
        )
    with travel(kst(2026, 3, 18, 10, 0), tick=False):  # Tue 17 and Wed 18 taken
        services.complaint_reply_info(complaint=filed_monday, by=world.citizen, reply="Exit 3.")
    filed_monday.refresh_from_db()
    assert filed_monday.due_at == kst(2026, 3, 24, 18, 0)  # Fri 20 + Mon 23, Tue 24


# --- transfer: the clock restarts at the receiving unit ----------------------------------------


def test_a_transfer_restarts_the_clock_and_the_third_is_flagged(world):
    complaint = file_at(world, kst(2026, 3, 9, 10, 0))
    assert complaint.unit == world.roads
    assert complaint.due_at == kst(2026, 3, 17, 18, 0)

    # Thu 12 = day 1 at the parks office: 13, 16, 17, 18, 19, day 7 Fri 20
    with travel(kst(2026, 3, 12, 15, 0), tick=False):
        services.complaint_transfer(
            complaint=complaint, by=world.handler, to_unit=world.parks, reason="Parks."
        )
    complaint.refresh_from_db()
    assert complaint.unit == world.parks and complaint.status == Status.RECEIVED
    assert complaint.received_at == kst(2026, 3, 9, 10, 0)  # the citizen's receipt stays
    assert complaint.clock_started_at == kst(2026, 3, 12, 15, 0)
    assert complaint.due_at == kst(2026, 3, 20, 18, 0)
    assert (complaint.transfer_count, complaint.flagged) == (1, False)

    with travel(kst(2026, 3, 13, 9, 0), tick=False):
        services.complaint_transfer(
            complaint=complaint, by=world.other_handler, to_unit=world.roads, reason="Roads."
        )
    complaint.refresh_from_db()
    assert complaint.due_at == kst(2026, 3, 23, 18, 0)  # Fri 13 = day 1 … Mon 23 = day 7
    assert (complaint.transfer_count, complaint.flagged) == (2, False)

    with travel(kst(2026, 3, 16, 9, 0), tick=False):
        services.complaint_transfer(
            complaint=complaint, by=world.handler, to_unit=world.parks, reason="Parks again."
        )
    complaint.refresh_from_db()
    assert complaint.due_at == kst(2026, 3, 24, 18, 0)  # Mon 16 = day 1 … Tue 24 = day 7
    assert (complaint.transfer_count, complaint.flagged) == (3, True)
    assert complaint.transfers.count() == 3


def test_a_transfer_drops_an_extension_and_a_pause(world, filed_monday):
    extend(world, filed_monday, date(2026, 3, 20))
    with travel(kst(2026, 3, 16, 10, 0), tick=False):
        services.complaint_transfer(
            complaint=filed_monday, by=world.handler, to_unit=world.parks, reason="Parks."
        )
    filed_monday.refresh_from_db()
    assert filed_monday.extended_at is None
    assert filed_monday.due_at == kst(2026, 3, 24, 18, 0)  # Mon 16 = day 1 … Tue 24 = day 7


def test_routing_out_of_triage_starts_the_clock_at_the_unit(world):
    from tests.states import in_triage

    with travel(kst(2026, 3, 9, 10, 0), tick=False):
        complaint = in_triage(world)
    with travel(kst(2026, 3, 11, 16, 0), tick=False):
        services.complaint_transfer(
            complaint=complaint, by=world.operator, to_unit=world.roads, reason="Roads."
        )
    complaint.refresh_from_db()
    assert complaint.status == Status.RECEIVED
    assert complaint.due_at == kst(2026, 3, 19, 18, 0)  # Wed 11 = day 1 … Thu 19 = day 7
    assert (complaint.transfer_count, complaint.flagged) == (0, False)
