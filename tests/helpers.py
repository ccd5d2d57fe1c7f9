"""Helpers to bring a complaint to a given state through the real services."""

from nara.complaints import services
from nara.complaints.models import Complaint, Kind


def file_complaint(
    world,
    *,
    citizen=None,
    title="Pothole on Sejong-daero",
    body="A deep pothole near exit 3.",
    kind=Kind.GRIEVANCE,
    **fields,
) -> Complaint:
    fields.setdefault("category", world.roads_category)
    return services.complaint_file(
        citizen=citizen or world.citizen,
        kind=kind,
        title=title,
        body=body,
        confirm_repeat=True,
        **fields,
    )


def to_in_progress(world, complaint=None):
    complaint = complaint or file_complaint(world)
    return services.complaint_claim(complaint=complaint, by=world.handler)


def to_pending_approval(world, complaint=None):
    complaint = to_in_progress(world, complaint)
    services.complaint_submit_answer(
        complaint=complaint, by=world.handler, body="We will repair it this week."
    )
    complaint.refresh_from_db()
    return complaint


def to_answered(world, complaint=None):
    complaint = to_pending_approval(world, complaint)
    return services.complaint_approve(complaint=complaint, by=world.approver)
