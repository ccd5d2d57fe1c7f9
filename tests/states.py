"""Bring a complaint into each of the eight statuses through the real services (no direct saves).

Used by the transition table tests, the permission matrix and the clock tests."""

from datetime import datetime
from zoneinfo import ZoneInfo

from nara.complaints import services
from nara.complaints.models import Complaint, Status
from tests.helpers import file_complaint, to_answered, to_in_progress, to_pending_approval

SEOUL = ZoneInfo("Asia/Seoul")


def kst(*args: int) -> datetime:
    return datetime(*args, tzinfo=SEOUL)


def in_triage(world, **fields) -> Complaint:
    """No category, no keyword of any rule ("park" is a keyword: avoid "parking" too)."""
    fields.setdefault("title", "Noise at night")
    fields.setdefault("body", "A shop plays loud music every night until 2 a.m.")
    return file_complaint(world, category=None, **fields)


def received(world, **fields) -> Complaint:
    return file_complaint(world, **fields)


def in_progress(world, **fields) -> Complaint:
    return to_in_progress(world, file_complaint(world, **fields))


def waiting_citizen(world, **fields) -> Complaint:
    return services.complaint_request_info(
        complaint=file_complaint(world, **fields),
        by=world.handler,
        question="Near which exit exactly?",
    )


def pending_approval(world, **fields) -> Complaint:
    return to_pending_approval(world, file_complaint(world, **fields))


def answered(world, **fields) -> Complaint:
    return to_answered(world, file_complaint(world, **fields))


def closed(world, **fields) -> Complaint:
    return services.complaint_rate(
        complaint=answered(world, **fields), by=world.citizen, rating=4, comment="Fine."
    )


def withdrawn(world, **fields) -> Complaint:
    return services.complaint_withdraw(complaint=file_complaint(world, **fields), by=world.citizen)


BUILDERS = {
    Status.TRIAGE: in_triage,
    Status.RECEIVED: received,
    Status.IN_PROGRESS: in_progress,
    Status.WAITING_CITIZEN: waiting_citizen,
    Status.PENDING_APPROVAL: pending_approval,
    Status.ANSWERED: answered,
    Status.CLOSED: closed,
    Status.WITHDRAWN: withdrawn,
}


def complaint_in(world, status: str, **fields) -> Complaint:
    """A fresh complaint of `world.citizen` in `status`, reloaded from the database."""
    complaint = BUILDERS[Status(status)](world, **fields)
    complaint = Complaint.objects.get(pk=complaint.pk)
    assert complaint.status == status, (complaint.status, status)
    return complaint
