"""The complaint state machine, cell by cell: every action from every status, through the real
services with an actor who may take the action.

Allowed (the status is one of the action's sources in transitions.TRANSITIONS): the service succeeds,
the complaint lands in the table's target status (or stays, for actions that keep it), and exactly
one audit event records actor, from and to.

Forbidden: the service raises InvalidTransition and nothing changes: not the status, not the audit
log, no notification, no mail. Two kinds of cells are refused by permission (NotAllowed) before the
state is even looked at, because the actor who could take the action does not exist there:
- a complaint in the triage queue has no unit yet, so nobody handles, assigns, transfers or approves
  it; the operator routes it (ROUTE) or notes something on it (ADD_NOTE);
- ROUTE is the operator's action on the triage queue only; outside it the operator has no role.
"""

import pytest
from django.utils import timezone
from time_machine import travel

from nara.audit.models import AuditEvent, EventType
from nara.complaints import answers, services
from nara.complaints.models import AnswerDraft, Complaint, InfoRequest, Note, Status, Transfer
from nara.complaints.transitions import (
    SAME,
    TRANSITIONS,
    Action,
    allowed_from,
    can_transition,
    next_status,
)
from nara.core import clock
from nara.core.errors import InvalidTransition, NotAllowed
from nara.notifications.models import Notification, OutboxMessage
from tests.states import complaint_in, kst

TERMINAL = (Status.CLOSED, Status.WITHDRAWN)

# The official actions that need the complaint's unit: refused by permission in the triage queue.
NEED_A_UNIT = {
    Action.CLAIM,
    Action.ASSIGN,
    Action.TRANSFER,
    Action.EXTEND,
    Action.REQUEST_INFO,
    Action.SAVE_DRAFT,
    Action.SUBMIT_ANSWER,
    Action.APPROVE,
    Action.RETURN,
}

EVENT_OF = {
    Action.ROUTE: EventType.COMPLAINT_ROUTED,
    Action.CLAIM: EventType.COMPLAINT_CLAIMED,
    Action.ASSIGN: EventType.COMPLAINT_ASSIGNED,
    Action.TRANSFER: EventType.COMPLAINT_TRANSFERRED,
    Action.EXTEND: EventType.COMPLAINT_EXTENDED,
    Action.REQUEST_INFO: EventType.COMPLAINT_INFO_REQUESTED,
    Action.REPLY_INFO: EventType.COMPLAINT_INFO_REPLIED,
    Action.ADD_NOTE: EventType.COMPLAINT_NOTE_ADDED,
    Action.SAVE_DRAFT: EventType.COMPLAINT_ANSWER_DRAFTED,
    Action.SUBMIT_ANSWER: EventType.COMPLAINT_ANSWER_SUBMITTED,
    Action.APPROVE: EventType.COMPLAINT_ANSWERED,
    Action.RETURN: EventType.COMPLAINT_ANSWER_RETURNED,
    Action.WITHDRAW: EventType.COMPLAINT_WITHDRAWN,
    Action.RATE: EventType.COMPLAINT_RATED,
}


# --- each action through its service, by an actor who may take it -----------------------------


def _route(w, c):
    services.complaint_transfer(complaint=c, by=w.operator, to_unit=w.roads, reason="Roads.")
    return w.operator


def _claim(w, c):
    services.complaint_claim(complaint=c, by=w.handler)
    return w.handler


def _assign(w, c):
    services.complaint_assign(complaint=c, by=w.approver, handler=w.handler)
    return w.approver


def _transfer(w, c):
    services.complaint_transfer(
        complaint=c, by=w.handler, to_unit=w.parks, reason="The park office is competent."
    )
    return w.handler


def _extend(w, c):
    new_due = timezone.localtime(clock.add_working_days(c.due_at, 1)).date()
    services.complaint_extend(complaint=c, by=w.handler, new_due=new_due, reason="Site visit.")
    return w.handler


def _request_info(w, c):
    services.complaint_request_info(complaint=c, by=w.handler, question="Which exit?")
    return w.handler


def _reply_info(w, c):
    services.complaint_reply_info(complaint=c, by=w.citizen, reply="Exit 3.")
    return w.citizen


def _add_note(w, c):
    actor = w.operator if c.status == Status.TRIAGE else w.handler
    services.complaint_add_note(complaint=c, by=actor, body="Called the citizen.")
    return actor


def _save_draft(w, c):
    answers.complaint_save_answer_draft(complaint=c, by=w.handler, body="Draft: Friday.")
    return w.handler


def _submit_answer(w, c):
    answers.complaint_submit_answer(complaint=c, by=w.handler, body="Repaired on Friday.")
    return w.handler


def _approve(w, c):
    answers.complaint_approve(complaint=c, by=w.approver)
    return w.approver


def _return(w, c):
    answers.complaint_return(complaint=c, by=w.approver, comment="Give the date.")
    return w.approver


def _withdraw(w, c):
    services.complaint_withdraw(complaint=c, by=w.citizen)
    return w.citizen


def _rate(w, c):
    services.complaint_rate(complaint=c, by=w.citizen, rating=5, comment="Thanks.")
    return w.citizen


DO = {
    Action.ROUTE: _route,
    Action.CLAIM: _claim,
    Action.ASSIGN: _assign,
    Action.TRANSFER: _transfer,
    Action.EXTEND: _extend,
    Action.REQUEST_INFO: _request_info,
    Action.REPLY_INFO: _reply_info,
    Action.ADD_NOTE: _add_note,
    Action.SAVE_DRAFT: _save_draft,
    Action.SUBMIT_ANSWER: _submit_answer,
    Action.APPROVE: _approve,
    Action.RETURN: _return,
    Action.WITHDRAW: _withdraw,
    Action.RATE: _rate,
}


def expected_refusal(action: Action, status: Status) -> type[Exception]:
    if status == Status.TRIAGE and action in NEED_A_UNIT:
        return NotAllowed
    if action == Action.ROUTE and status != Status.TRIAGE:
        return NotAllowed
    return InvalidTransition


def _events(complaint):
    return AuditEvent.objects.filter(
        target_type="complaints.complaint", target_id=str(complaint.pk)
    ).order_by("id")


def _side_effects(complaint):
    return {
        "audit": AuditEvent.objects.count(),
        "notifications": Notification.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "notes": Note.objects.filter(complaint=complaint).count(),
        "drafts": list(AnswerDraft.objects.filter(complaint=complaint).values_list("pk", "state")),
        "info_requests": list(
            InfoRequest.objects.filter(complaint=complaint).values_list("pk", "reply")
        ),
        "transfers": Transfer.objects.filter(complaint=complaint).count(),
    }


CELLS = [
    pytest.param(action, status, id=f"{action.value}-from-{status.value}")
    for action in Action
    for status in Status
]


@pytest.fixture
def monday():
    """Monday 2026-03-09 10:00 in Seoul: a plain working week, no holiday near."""
    with travel(kst(2026, 3, 9, 10, 0), tick=False):
        yield


@pytest.mark.parametrize(("action", "status"), CELLS)
def test_every_action_from_every_status(world, monday, action, status):
    complaint = complaint_in(world, status)
    before_fields = Complaint.objects.filter(pk=complaint.pk).values().get()
    before = _side_effects(complaint)
    events_before = list(_events(complaint).values_list("pk", flat=True))
    sources, target = TRANSITIONS[action]

    if status in sources:
        actor = DO[action](world, complaint)
        complaint.refresh_from_db()
        expected = status if target is SAME else target
        assert complaint.status == expected
        new = list(_events(complaint).exclude(pk__in=events_before))
        assert len(new) == 1, [e.event_type for e in new]
        (event,) = new
        assert event.event_type == EVENT_OF[action]
        assert (event.from_state, event.to_state) == (status, expected)
        assert event.actor_id == actor.pk
    else:
        with pytest.raises(expected_refusal(action, status)):
            DO[action](world, complaint)
        assert Complaint.objects.filter(pk=complaint.pk).values().get() == before_fields
        assert _side_effects(complaint) == before
        assert list(_events(complaint).values_list("pk", flat=True)) == events_before


# --- the table itself ----------------------------------------------------------------------------


def test_every_action_is_in_the_table_and_has_a_source():
    assert set(TRANSITIONS) == set(Action)
    for action, (sources, target) in TRANSITIONS.items():
        assert sources, action
        assert sources <= set(Status), action
        assert target is SAME or target in Status.values, action


def test_closed_and_withdrawn_are_terminal():
    for action in Action:
        for status in TERMINAL:
            assert not can_transition(status, action), (action, status)


def test_an_answered_complaint_can_only_be_rated():
    assert {a for a in Action if can_transition(Status.ANSWERED, a)} == {Action.RATE}


def test_every_status_is_reachable():
    filed = {Status.TRIAGE, Status.RECEIVED}  # what complaint_file produces
    targets = {target for _sources, target in TRANSITIONS.values() if target is not SAME}
    assert filed | targets == set(Status)


def test_every_open_status_can_be_left():
    for status in Status:
        if status in TERMINAL:
            continue
        leaving = [
            a
            for a in Action
            if can_transition(status, a) and TRANSITIONS[a][1] not in (SAME, status)
        ]
        assert leaving, status


@pytest.mark.parametrize(("action", "status"), CELLS)
def test_next_status_agrees_with_can_transition(action, status):
    if can_transition(status, action):
        target = TRANSITIONS[action][1]
        assert next_status(status, action) == (status if target is SAME else target)
        assert status in allowed_from(action)
    else:
        with pytest.raises(InvalidTransition):
            next_status(status, action)
