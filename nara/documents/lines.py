"""A document's approval line (결재선), built from what its drafter chose and the delegation
table: review by a named colleague (검토), cooperation by other units side by side (협조, by
each unit's approvers), and the approval (결재) by the position the table gives the document's
type — the drafting unit's head or the head one level up, marked 전결, or the agency's head.
Without a rule for the type the agency's head decides."""

from nara.agencies.models import Membership, Unit
from nara.approvals.engine import StepSpec
from nara.approvals.models import StepKind

from .models import Delegation, Document, Level


def delegation_for(document: Document) -> Delegation:
    """The rule of the document's agency for its type, else the rule of every agency, else the
    agency's head (an unsaved rule)."""
    rules = Delegation.objects.filter(document_type=document.document_type)
    agency = document.unit.agency
    return (
        rules.filter(agency=agency).first()
        or rules.filter(agency=None).first()
        or Delegation(document_type=document.document_type, level=Level.AGENCY)
    )


def approving_unit(document: Document, level: str) -> Unit:
    if level == Level.UNIT:
        return document.unit
    if level == Level.PARENT:
        return document.unit.parent or document.unit
    return document.unit.agency


def line_for(document: Document) -> list[StepSpec]:
    rule = delegation_for(document)
    steps, position = [], 1
    if document.reviewer_id:
        steps.append(StepSpec(position, StepKind.REVIEW, document.unit, person=document.reviewer))
        position += 1
    cooperating = list(document.cooperating_units.all())
    for unit in cooperating:
        steps.append(StepSpec(position, StepKind.COOPERATE, unit, role=Membership.Role.APPROVER))
    position += 1 if cooperating else 0
    steps.append(
        StepSpec(
            position,
            StepKind.APPROVE,
            approving_unit(document, rule.level),
            role=Membership.Role.APPROVER,
            delegated=rule.level != Level.AGENCY,
        )
    )
    return steps
