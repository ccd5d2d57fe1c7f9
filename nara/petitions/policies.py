"""Who may do what to a petition: `can_<verb>(user, petition) -> bool`, one place for the
services, the views and the API to ask."""

from nara.agencies.models import Membership
from nara.agencies.selectors import user_has_role

Role = Membership.Role


def is_moderator(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_moderator)


def anyone(by, petition) -> bool:
    """The clock (no actor) and every signed-in person."""
    return True


def can_moderate(by, petition) -> bool:
    """Open or reject a petition, invalidate signatures: the moderators."""
    return is_moderator(by)


def can_withdraw(by, petition) -> bool:
    """Only the author withdraws, while supporters gather or it waits for moderation."""
    return getattr(by, "pk", None) == petition.author_id


def can_answer(by, petition) -> bool:
    """Draft and submit the official answer: a handler of the competent unit."""
    return bool(by and user_has_role(by, petition.unit_id, Role.HANDLER))


def can_approve(by, petition) -> bool:
    """Approve or return the answer, extend its deadline: an approver of the competent unit."""
    return bool(by and user_has_role(by, petition.unit_id, Role.APPROVER))
