"""Who may do what with a document. Views and services ask here; anything a user may not see
is a 404. Published documents are public in publication.py, as far as their grade allows."""

from nara.agencies.selectors import official_of_unit_or_above, official_unit_ids
from nara.approvals import engine
from nara.approvals.models import ApprovalStep, LineStatus, Mark, StepKind

from .models import Document, Status


def is_official(user) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and user.is_official


def can_draft_in(user, unit_id) -> bool:
    """Officials draft in the units they belong to."""
    return is_official(user) and unit_id in official_unit_ids(user)


def can_edit(user, document: Document) -> bool:
    """The drafter, while it is a draft or returned."""
    return (
        is_official(user)
        and document.drafter_id == user.pk
        and document.status in (Status.DRAFT, Status.RETURNED)
    )


def can_see(user, document: Document) -> bool:
    """The drafter, the officials of its unit (or above), and everyone on its line: the named
    reviewer, the officials of the units of its steps, whoever acted, and the deputies of
    absent holders while a step is theirs."""
    if not is_official(user):
        return False
    if document.drafter_id == user.pk or official_of_unit_or_above(user, document.unit):
        return True
    steps = ApprovalStep.objects.filter(line__in=engine.lines_of(document)).select_related(
        "line", "unit"
    )
    for step in steps:
        if user.pk in (step.person_id, step.acted_by_id) or official_of_unit_or_above(
            user, step.unit
        ):
            return True
        if engine.holds(step, user) is not None:
            return True
    return False


def can_post_approve(user, document: Document) -> bool:
    """후결: the approver who was away (a holder of the approval step in their own right, not
    the deputy who acted) approves afterwards a document the table asks it for."""
    if not document.post_approval_due or not is_official(user):
        return False
    line = engine.lines_of(document).filter(status=LineStatus.APPROVED).first()
    step = line and line.steps.filter(kind=StepKind.APPROVE).first()
    return bool(
        step
        and step.acted_by_id != user.pk
        and engine.holds(step, user) in (Mark.NONE, Mark.DELEGATED)
    )
