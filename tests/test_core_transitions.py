"""The one transition helper (nara/core/transitions.py) that complaints, petitions and
participation moderation change state through."""

import pytest

from nara.audit.models import AuditEvent, EventType
from nara.complaints.models import Complaint, Status
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.transitions import TransitionTable, transition
from tests.helpers import file_complaint

TABLE = TransitionTable(
    {
        "start": ({Status.RECEIVED}, Status.IN_PROGRESS),
        "note": ({Status.RECEIVED, Status.IN_PROGRESS}, None),
    }
)


def test_the_table_answers_what_is_allowed_and_where_it_leads():
    assert TABLE.allows(Status.RECEIVED, "start") and not TABLE.allows(Status.ANSWERED, "start")
    assert TABLE.next_status(Status.RECEIVED, "start") == Status.IN_PROGRESS
    assert TABLE.next_status(Status.IN_PROGRESS, "note") == Status.IN_PROGRESS  # None: unchanged
    assert TABLE.actions_from(Status.IN_PROGRESS) == ["note"]
    with pytest.raises(InvalidTransition):
        TABLE.next_status(Status.ANSWERED, "note")


def _start(complaint, by, *, allowed=lambda by, obj: True, fail=False, refused=None):
    with transition(
        complaint,
        by=by,
        action="start",
        table=TABLE,
        allowed=allowed,
        event=EventType.COMPLAINT_CLAIMED,
        refused=refused,
    ) as change:
        change.obj.handler = by
        change.data["why"] = "test"
        if fail:
            raise RuntimeError("the body failed")
    return change


def _events(complaint):
    return AuditEvent.objects.filter(
        target_type="complaints.complaint", target_id=str(complaint.pk)
    )


@pytest.mark.django_db
def test_a_transition_changes_saves_and_audits_in_one_go(world):
    complaint = file_complaint(world)
    before = _events(complaint).count()
    change = _start(complaint, world.handler)
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.status, stored.handler) == (Status.IN_PROGRESS, world.handler)
    assert change.old_status == Status.RECEIVED
    event = _events(complaint).latest("pk")
    assert _events(complaint).count() == before + 1
    assert (event.from_state, event.to_state, event.data) == (
        Status.RECEIVED,
        Status.IN_PROGRESS,
        {"why": "test"},
    )


@pytest.mark.django_db
def test_refused_by_policy_or_table_or_a_failing_body_changes_nothing(world):
    complaint = file_complaint(world)
    before = _events(complaint).count()
    with pytest.raises(NotAllowed):
        _start(complaint, world.handler, allowed=lambda by, obj: False)
    with pytest.raises(RuntimeError):
        _start(complaint, world.handler, fail=True)
    stored = Complaint.objects.get(pk=complaint.pk)
    assert (stored.status, stored.handler) == (Status.RECEIVED, None)
    assert _events(complaint).count() == before
    _start(complaint, world.handler)
    with pytest.raises(InvalidTransition, match="already started"):
        _start(complaint, world.handler, refused=lambda c: InvalidTransition("already started"))
