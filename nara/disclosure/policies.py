"""Who may do what with a disclosure request. Seeing one: its requester and the officials of
the unit handling it (an agency administrator above it too). Anyone else gets a 404 from the
selectors, never a hint that it exists; the public register shows the published ones, the
requester anonymised."""

from nara.agencies.models import Membership
from nara.agencies.selectors import user_has_role

from .models import DisclosureRequest

Role = Membership.Role
HANDLING_ROLES = (Role.HANDLER, Role.APPROVER, Role.AGENCY_ADMIN)


def is_requester(user, r: DisclosureRequest) -> bool:
    return bool(getattr(user, "is_authenticated", False) and r.requester_id == user.pk)


def can_view(user, r: DisclosureRequest) -> bool:
    return is_requester(user, r) or can_view_as_official(user, r)


def can_view_as_official(user, r: DisclosureRequest) -> bool:
    return user_has_role(user, r.unit_id, *HANDLING_ROLES)


def can_handle(user, r: DisclosureRequest) -> bool:
    """Transfer, extend, hear third parties, draft and submit the decision."""
    return user_has_role(user, r.unit_id, Role.HANDLER, Role.AGENCY_ADMIN)


def can_approve(user, r: DisclosureRequest) -> bool:
    return user_has_role(user, r.unit_id, Role.APPROVER)


def can_act_as_requester(user, r: DisclosureRequest) -> bool:
    """Withdraw, object, download the released files."""
    return is_requester(user, r)


def can_download(user, r: DisclosureRequest) -> bool:
    return is_requester(user, r) or can_view_as_official(user, r)


def system(user, r: DisclosureRequest) -> bool:
    """The scheduler's task (no person acts)."""
    return user is None
