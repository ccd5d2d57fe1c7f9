"""Deadlines at work: overdue complaints escalated to the unit's approvers (once), the 30-day
progress notice (once), and the inbox's "overdue" filter."""

from datetime import date, timedelta

import pytest
from time_machine import travel

from nara.audit.models import AuditEvent, EventType
from nara.complaints import deadlines, selectors, services
from nara.complaints.models import Status
from nara.notifications.models import Notification, OutboxMessage
from tests.states import complaint_in, kst

pytestmark = pytest.mark.django_db

FILED = kst(2026, 3, 9, 10, 0)  # Monday; a grievance is due Tue 03-17 18:00
DUE = kst(2026, 3, 17, 18, 0)
AFTER_DUE = kst(2026, 3, 18, 10, 0)


@pytest.fixture
def every_state(world):
    """One grievance of the roads unit in each status, filed at FILED."""
    with travel(FILED, tick=False):
        made = {status: complaint_in(world, status, title=status.value) for status in Status}
    for complaint in made.values():
        if complaint.status != Status.TRIAGE:
            assert complaint.due_at == DUE
    return made


def _escalations(complaint):
    return AuditEvent.objects.filter(
        event_type=EventType.COMPLAINT_ESCALATED, target_id=str(complaint.pk)
    )


def _overdue_notices(user, complaint):
    """Notifications about `complaint` created at the escalation run (AFTER_DUE)."""
    return Notification.objects.filter(
        user=user,
        title__contains=complaint.receipt_no,
        url=f"/office/complaints/{complaint.receipt_no}/",
        created_at=AFTER_DUE,
    )


def test_nothing_is_escalated_before_the_deadline(world, every_state):
    with travel(DUE - timedelta(minutes=1), tick=False):
        assert deadlines.complaints_escalate_overdue() == 0
    assert not AuditEvent.objects.filter(event_type=EventType.COMPLAINT_ESCALATED).exists()


def test_overdue_open_complaints_are_escalated_once_to_the_approvers(world, every_state):
    escalated = [Status.RECEIVED, Status.IN_PROGRESS, Status.PENDING_APPROVAL]
    approver_notes = Notification.objects.filter(user=world.approver).count()
    with travel(AFTER_DUE, tick=False):
        assert deadlines.complaints_escalate_overdue() == len(escalated)

    for status, complaint in every_state.items():
        complaint.refresh_from_db()
        if status in escalated:
            assert complaint.escalated_at == AFTER_DUE, status
            event = _escalations(complaint).get()
            assert (event.from_state, event.to_state) == (status, status)
            assert _overdue_notices(world.approver, complaint).count() == 1, status
        else:  # waiting for the citizen, answered, closed, withdrawn, unrouted
            assert complaint.escalated_at is None, status
            assert not _escalations(complaint).exists(), status
    assert Notification.objects.filter(user=world.approver).count() == approver_notes + 3
    # the approver is told by mail too; nobody of another unit is told
    assert OutboxMessage.objects.filter(to_email=world.approver.email).count() >= 3
    assert not Notification.objects.filter(
        user__in=[world.other_approver, world.other_handler], title__contains="NR-"
    ).exists()

    with travel(AFTER_DUE + timedelta(days=1), tick=False):
        assert deadlines.complaints_escalate_overdue() == 0
    assert AuditEvent.objects.filter(event_type=EventType.COMPLAINT_ESCALATED).count() == 3
    assert Notification.objects.filter(user=world.approver).count() == approver_notes + 3


def test_an_extension_gives_a_new_deadline_that_is_escalated_again(world):
    with travel(FILED, tick=False):
        complaint = complaint_in(world, Status.RECEIVED)
    with travel(AFTER_DUE, tick=False):
        assert deadlines.complaints_escalate_overdue() == 1
        services.complaint_extend(
            complaint=complaint, by=world.handler, new_due=date(2026, 3, 20), reason="Late."
        )
    complaint.refresh_from_db()
    assert complaint.escalated_at is None
    with travel(kst(2026, 3, 20, 17, 0), tick=False):
        assert deadlines.complaints_escalate_overdue() == 0
    with travel(kst(2026, 3, 23, 9, 0), tick=False):
        assert deadlines.complaints_escalate_overdue() == 1
    assert _escalations(complaint).count() == 2


def test_a_complaint_overdue_once_the_citizen_replied_is_escalated(world):
    with travel(FILED, tick=False):
        complaint = complaint_in(world, Status.WAITING_CITIZEN)
    with travel(AFTER_DUE, tick=False):
        assert deadlines.complaints_escalate_overdue() == 0  # the clock is stopped
    # replied on Wed 18 (7 working days taken: Tue 10 … Wed 18): due Thu 26
    with travel(AFTER_DUE + timedelta(hours=1), tick=False):
        services.complaint_reply_info(complaint=complaint, by=world.citizen, reply="Here.")
    complaint.refresh_from_db()
    assert complaint.due_at == kst(2026, 3, 26, 18, 0)
    with travel(kst(2026, 3, 26, 17, 0), tick=False):
        assert deadlines.complaints_escalate_overdue() == 0
    with travel(kst(2026, 3, 27, 9, 0), tick=False):
        assert deadlines.complaints_escalate_overdue() == 1


# --- the 30-day progress notice ------------------------------------------------------------------


def test_a_progress_notice_after_30_days_once(world, every_state):
    citizen_notes = Notification.objects.filter(user=world.citizen).count()
    with travel(FILED + timedelta(days=30) - timedelta(minutes=1), tick=False):
        assert deadlines.complaints_send_progress_notices() == 0
    with travel(FILED + timedelta(days=30), tick=False):
        sent = deadlines.complaints_send_progress_notices()
    still_open = [
        Status.TRIAGE,
        Status.RECEIVED,
        Status.IN_PROGRESS,
        Status.WAITING_CITIZEN,
        Status.PENDING_APPROVAL,
    ]
    assert sent == len(still_open)
    for status, complaint in every_state.items():
        complaint.refresh_from_db()
        events = AuditEvent.objects.filter(
            event_type=EventType.COMPLAINT_PROGRESS_NOTICE, target_id=str(complaint.pk)
        )
        notices = Notification.objects.filter(
            user=world.citizen, url=f"/complaints/{complaint.receipt_no}/"
        ).filter(created_at=FILED + timedelta(days=30))
        if status in still_open:
            assert complaint.progress_notice_at == FILED + timedelta(days=30), status
            assert events.count() == 1 and notices.count() == 1, status
            assert complaint.receipt_no in notices.get().title
        else:
            assert complaint.progress_notice_at is None, status
            assert not events.exists() and not notices.exists(), status
    assert Notification.objects.filter(user=world.citizen).count() == citizen_notes + 5
    mails = OutboxMessage.objects.filter(to_email=world.citizen.email).count()

    with travel(FILED + timedelta(days=45), tick=False):
        assert deadlines.complaints_send_progress_notices() == 0
    assert Notification.objects.filter(user=world.citizen).count() == citizen_notes + 5
    assert OutboxMessage.objects.filter(to_email=world.citizen.email).count() == mails


# --- the inbox's overdue filter ------------------------------------------------------------------


def test_the_inbox_overdue_filter(world, every_state):
    with travel(AFTER_DUE, tick=False):
        fresh = complaint_in(world, Status.RECEIVED, title="fresh")  # due next week
        overdue = selectors.inbox(user=world.handler, due="overdue")
        everything = selectors.inbox(user=world.handler)
        other_unit = selectors.inbox(user=world.other_handler, due="overdue")
        answered_overdue = selectors.inbox(user=world.handler, status="answered", due="overdue")
    expected = {
        every_state[s].pk for s in (Status.RECEIVED, Status.IN_PROGRESS, Status.PENDING_APPROVAL)
    }
    assert {c.pk for c in overdue} == expected  # not waiting for the citizen, not answered
    assert fresh.pk in {c.pk for c in everything}
    assert every_state[Status.WAITING_CITIZEN].pk in {c.pk for c in everything}
    assert list(other_unit) == []
    assert list(answered_overdue) == []


def test_before_the_deadline_nothing_is_overdue(world, every_state):
    with travel(DUE - timedelta(minutes=1), tick=False):
        assert list(selectors.inbox(user=world.handler, due="overdue")) == []
