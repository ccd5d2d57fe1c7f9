"""Who may do what with a complaint. One place for every permission decision.

Seeing a complaint: its citizen, officials of the unit handling it, operators. Anyone else gets a
404 from the selectors, never a hint that it exists."""

from nara.agencies.models import Membership
from nara.agencies.selectors import official_unit_ids, user_has_role

from .models import Complaint, Status

Role = Membership.Role
HANDLING_ROLES = (Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN)


def is_operator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff and user.is_active)


def is_citizen_of(user, complaint: Complaint) -> bool:
    return bool(getattr(user, "is_authenticated", False) and complaint.citizen_id == user.pk)


def can_view(user, complaint: Complaint) -> bool:
    return is_citizen_of(user, complaint) or can_view_as_official(user, complaint)


def can_view_as_official(user, complaint: Complaint) -> bool:
    return user_has_role(user, complaint.unit_id, *HANDLING_ROLES) or (
        is_operator(user) and complaint.status == Status.TRIAGE
    )


def can_claim(user, complaint: Complaint) -> bool:
    return user_has_role(user, complaint.unit_id, Role.HANDLER)


def can_handle(user, complaint: Complaint) -> bool:
    """Claim, write notes, ask for information, extend, draft the answer, transfer."""
    return user_has_role(user, complaint.unit_id, Role.HANDLER, Role.AGENCY_ADMIN)


def can_assign(user, complaint: Complaint) -> bool:
    return user_has_role(user, complaint.unit_id, Role.APPROVER, Role.AGENCY_ADMIN)


def can_transfer(user, complaint: Complaint) -> bool:
    return can_handle(user, complaint) or can_assign(user, complaint)


def can_route(user, complaint: Complaint) -> bool:
    return is_operator(user) and complaint.status == Status.TRIAGE


def can_approve(user, complaint: Complaint) -> bool:
    return user_has_role(user, complaint.unit_id, Role.APPROVER)


def can_act_as_citizen(user, complaint: Complaint) -> bool:
    """Reply to a request for information, withdraw, rate, file a follow-up."""
    return is_citizen_of(user, complaint)


def is_official(user) -> bool:
    return bool(official_unit_ids(user))
