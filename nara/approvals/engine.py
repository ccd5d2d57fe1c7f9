"""The approval engine (결재): one set of rules for every approval line, whatever it approves.

An app registers a kind of thing to approve and what happens when its line ends:

    engine.register("complaint.answer", on_approved=…, on_returned=…, on_withdrawn=…)

and submits a line of steps for one object (`line_submit`). The steps then act in order —
review (검토), cooperation (협조; several units side by side), approval (결재, last) — each by
approving, returning with a comment (반려, which ends the line) or holding (보류, still its
turn). A step is held by a named person or by the members of a unit with a role; when a holder
is away (`Absence`), the official named as their deputy acts for them, marked 대결; an approval
step the delegation table gives to a lower position is marked 전결. The drafter may withdraw (회수)
until a step has acted, and never acts on their own line. Every act is an audit event, and the
callbacks run inside the same transaction.

Not here yet (issue 13): line templates per kind and unit, the delegation table (전결 is a
flag of the step today), 후결 after an acting approval, and the documents themselves."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.agencies.selectors import official_unit_ids, user_has_role
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed, required

from .models import Absence, ApprovalLine, ApprovalStep, LineStatus, Mark, StepKind, StepState

CURRENT = (StepState.PENDING, StepState.HELD)  # the steps whose turn it is
DECISIONS = ("approve", "return", "hold")


@dataclass(frozen=True)
class StepSpec:
    """A step to submit: its place in the line, what it does and who holds it."""

    position: int
    kind: str
    unit: object  # agencies.Unit
    role: str = Membership.Role.APPROVER
    person: object = None  # a named holder instead of the unit's role
    delegated: bool = False  # 전결: approved at this level in the head's name


@dataclass(frozen=True)
class Kind:
    on_approved: Callable  # (line, by) -> None
    on_returned: Callable  # (line, by, comment) -> None
    on_withdrawn: Callable | None = None  # (line, by) -> None; None: it cannot be withdrawn
    lock: Callable | None = None  # (line) -> None: locks the row that owns the subject
    describe: Callable | None = None  # (line) -> (title, url): how a worklist names it


_KINDS: dict[str, Kind] = {}


def register(
    kind: str, *, on_approved, on_returned, on_withdrawn=None, lock=None, describe=None
) -> None:
    """What happens when a line of `kind` ends (called in the transaction that ends it).
    Without `on_withdrawn` its lines cannot be withdrawn. `lock(line)` locks the row that owns
    what the line approves (a complaint): taken before the line's, so that a change of that
    owner (the citizen withdrawing the complaint) and a decision never wait for each other.
    `describe(line)` gives the title and the URL of the page where the line is decided."""
    _KINDS[kind] = Kind(on_approved, on_returned, on_withdrawn, lock, describe)


def describe(line: ApprovalLine) -> tuple[str, str]:
    """What the line approves, as a worklist names it, and the page where it is decided."""
    kind = _KINDS.get(line.kind)
    if kind is None or kind.describe is None:
        return str(line), ""
    return kind.describe(line)


def _lock(line: ApprovalLine) -> ApprovalLine:
    """The line's row under lock, after its owner's (Kind.lock)."""
    kind = _KINDS[line.kind]
    if kind.lock is not None:
        kind.lock(line)
    return ApprovalLine.objects.select_for_update().get(pk=line.pk)


def _check_steps(steps: Sequence[StepSpec], by) -> None:
    if not steps:
        raise InvalidTransition(_("An approval line needs at least its approval step."))
    last = max(step.position for step in steps)
    at_the_end = [step.kind for step in steps if step.position == last]
    approvals = sum(step.kind == StepKind.APPROVE for step in steps)
    if at_the_end != [StepKind.APPROVE] or approvals != 1:
        raise InvalidTransition(_("An approval line ends with one approval step."))
    for step in steps:
        if step.kind not in StepKind.values or (
            step.person is None and step.role not in Membership.Role.values
        ):
            raise InvalidTransition(_("Each step needs a kind and a holder."))
        if step.delegated and step.kind != StepKind.APPROVE:
            raise InvalidTransition(_("Only the approval step is taken by delegated authority."))
        if step.person is not None and step.person.pk == by.pk:
            raise InvalidTransition(_("The drafter cannot hold a step of their own line."))


def line_submit(*, subject, kind: str, by, steps: Sequence[StepSpec]) -> ApprovalLine:
    """The drafter (an official) submits `subject` along `steps` (결재 상신). One line at a
    time per subject: a second submission while one is in progress is refused."""
    if kind not in _KINDS:
        raise ValueError(f"unknown approval kind {kind!r}: register it first")
    if not getattr(by, "is_official", False):
        raise NotAllowed()
    _check_steps(steps, by)
    first = min(step.position for step in steps)
    try:
        with transaction.atomic():
            line = ApprovalLine.objects.create(
                kind=kind,
                content_type=ContentType.objects.get_for_model(subject),
                object_id=subject.pk,
                drafter=by,
            )
            ApprovalStep.objects.bulk_create(
                ApprovalStep(
                    line=line,
                    position=step.position,
                    kind=step.kind,
                    unit=step.unit,
                    role="" if step.person is not None else step.role,
                    person=step.person,
                    delegated=step.delegated,
                    state=StepState.PENDING if step.position == first else StepState.WAITING,
                )
                for step in sorted(steps, key=lambda s: s.position)
            )
            audit_record(
                actor=by,
                event_type=EventType.APPROVAL_SUBMITTED,
                target=line,
                to_state=LineStatus.IN_PROGRESS,
                data={"kind": kind, "object": subject.pk, "steps": _steps_data(line)},
            )
    except IntegrityError:
        raise InvalidTransition(_("It is already waiting for approval.")) from None
    return line


def _steps_data(line: ApprovalLine) -> list[dict]:
    return [
        {"position": s.position, "kind": s.kind, "unit": s.unit_id, "role": s.role}
        | ({"person": s.person_id} if s.person_id else {})
        for s in line.steps.all()
    ]


def holds(step: ApprovalStep, user, now=None) -> str | None:
    """The mark under which `user` may act on `step` now ("" plain, 전결 where the step is
    delegated, 대결 for the deputy of its absent holder), or None when they may not."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    own = Mark.DELEGATED if step.delegated else Mark.NONE
    if step.person_id is None and user_has_role(user, step.unit_id, step.role):
        return own  # the unit's role holders (an agency administrator above it too)
    if step.person_id is not None and user.pk == step.person_id:
        return own
    if not user.is_official:  # only an official stands in for one
        return None
    for absent in _absent_for(user, now):
        if step.person_id == absent.pk or (
            step.person_id is None and user_has_role(absent, step.unit_id, step.role)
        ):
            return Mark.DELEGATED_ACTING if step.delegated else Mark.ACTING
    return None


def may_act(line: ApprovalLine, user, now=None) -> bool:
    """Whether `user` may act on `line` now: a step whose turn it is is theirs, and the line is
    not their own. What a page asks before it shows the approve and return buttons."""
    if line.status != LineStatus.IN_PROGRESS or user.pk == line.drafter_id:
        return False
    return any(s.state in CURRENT and holds(s, user, now) is not None for s in line.steps.all())


def _absent_for(user, now=None) -> list:
    """The people `user` stands in for now (대결)."""
    now = now or timezone.now()
    absences = Absence.objects.filter(deputy=user, starts_at__lte=now, ends_at__gt=now)
    return [absence.user for absence in absences.select_related("user")]


def step_decide(*, line: ApprovalLine, by, decision: str, comment: str = "") -> ApprovalLine:
    """The holder of a step whose turn it is approves, returns (with a comment: the line ends
    and the drafter is told) or holds it."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    comment = (comment or "").strip()
    if decision == "return":
        comment = required(comment, "comment", _("Say what should change."))
    with transaction.atomic():
        locked = _lock(line)
        if locked.status != LineStatus.IN_PROGRESS:
            raise InvalidTransition(_("This approval line has ended."))
        if by.pk == locked.drafter_id:
            raise NotAllowed(_("It must be approved by someone other than its author."))
        now = timezone.now()
        steps = list(locked.steps.all())
        mine = [
            (s, m) for s in steps if s.state in CURRENT and (m := holds(s, by, now)) is not None
        ]
        if not mine:
            raise NotAllowed()
        step, mark = mine[0]
        if any(s.acted_by_id == by.pk and s.pk != step.pk for s in steps):
            raise NotAllowed(_("One person acts on one step of a line."))
        step.acted_by, step.acted_at, step.mark, step.comment = by, now, mark, comment
        step.state = {
            "approve": StepState.APPROVED,
            "return": StepState.RETURNED,
            "hold": StepState.HELD,
        }[decision]
        step.save(update_fields=["acted_by", "acted_at", "mark", "comment", "state"])
        audit_record(
            actor=by,
            event_type={
                "approve": EventType.APPROVAL_STEP_APPROVED,
                "return": EventType.APPROVAL_RETURNED,
                "hold": EventType.APPROVAL_STEP_HELD,
            }[decision],
            target=locked,
            data={"step": step.pk, "kind": step.kind, "mark": mark, "comment": comment},
        )
        if decision == "return":
            _end(locked, LineStatus.RETURNED, steps, now)
            _KINDS[locked.kind].on_returned(locked, by, comment)
        elif decision == "approve":
            _move_on(locked, by, step, steps, now)
    return locked


def _move_on(line: ApprovalLine, by, step: ApprovalStep, steps, now) -> None:
    """After an approval: the next position's turn once every step at this one approved; the
    line approved after its last step."""
    if any(s.position == step.position and s.state != StepState.APPROVED for s in steps):
        return  # a cooperating unit has not approved yet
    later = [s for s in steps if s.position > step.position]
    if later:
        following = min(s.position for s in later)
        line.steps.filter(position=following).update(state=StepState.PENDING)
        return
    _end(
        line,
        LineStatus.APPROVED,
        steps,
        now,
        by=by,
        event=EventType.APPROVAL_APPROVED,
        data={"kind": line.kind, "object": line.object_id},
    )
    _KINDS[line.kind].on_approved(line, by)


def _end(line: ApprovalLine, status: str, steps, now, *, by=None, event=None, data=None) -> None:
    """The line ends in `status`, its unfinished steps not reached; `event`, when given, is
    audited as the line's change of status (a return is audited as its step's act)."""
    line.status, line.ended_at = status, now
    line.save(update_fields=["status", "ended_at"])
    unfinished = [s.pk for s in steps if s.state in (StepState.WAITING, *CURRENT)]
    line.steps.filter(pk__in=unfinished).update(state=StepState.SKIPPED)
    if event is not None:
        audit_record(
            actor=by,
            event_type=event,
            target=line,
            from_state=LineStatus.IN_PROGRESS,
            to_state=status,
            data=data,
        )


def line_withdraw(*, line: ApprovalLine, by) -> ApprovalLine:
    """The drafter takes the line back (회수) before any step has acted on it."""
    if _KINDS[line.kind].on_withdrawn is None:
        raise InvalidTransition(_("This cannot be withdrawn: ask for it to be returned."))
    with transaction.atomic():
        locked = _lock(line)
        if by.pk != locked.drafter_id:
            raise NotAllowed()
        if locked.status != LineStatus.IN_PROGRESS:
            raise InvalidTransition(_("This approval line has ended."))
        steps = list(locked.steps.all())
        if any(s.acted_at for s in steps):
            raise InvalidTransition(_("A step has acted on it: it can no longer be withdrawn."))
        _end(
            locked,
            LineStatus.WITHDRAWN,
            steps,
            timezone.now(),
            by=by,
            event=EventType.APPROVAL_WITHDRAWN,
        )
        _KINDS[locked.kind].on_withdrawn(locked, by)
    return locked


def line_in_progress(subject, *, lock: bool = False) -> ApprovalLine | None:
    """The line in progress of `subject`, if there is one (`lock`: under a row lock)."""
    lines = ApprovalLine.objects.select_for_update() if lock else ApprovalLine.objects
    return lines.filter(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        status=LineStatus.IN_PROGRESS,
    ).first()


def lines_of(subject):
    """Every line `subject` was submitted on, the latest first."""
    return ApprovalLine.objects.filter(
        content_type=ContentType.objects.get_for_model(subject), object_id=subject.pk
    ).order_by("-submitted_at", "-id")


def decided_on_the_line(user, obj) -> bool:
    """The `allowed` of a transition a kind's callback makes: who may decide was the engine's
    check, on the line."""
    return True


def line_cancel(*, subject, by) -> ApprovalLine | None:
    """What a line approves went away (a complaint withdrawn by its citizen): its line in
    progress, if any, ends cancelled, without its kind's callbacks. Audited. Call it holding
    the lock of the subject's owner (the complaint), as the deciding side does, so that the
    two never wait for each other."""
    with transaction.atomic():
        line = line_in_progress(subject, lock=True)
        if line is None:
            return None
        steps = list(line.steps.all())
        _end(
            line,
            LineStatus.CANCELLED,
            steps,
            timezone.now(),
            by=by,
            event=EventType.APPROVAL_CANCELLED,
        )
    return line


def waiting_for(user, now=None):
    """The steps whose turn it is and that `user` may act on: theirs by name, their unit's by
    role, and those of the people they act for while away."""
    held = Q()
    for person in [user, *(_absent_for(user, now) if user.is_official else [])]:
        held |= Q(person=person)
        for role in Membership.Role.values:
            held |= Q(person=None, role=role, unit_id__in=official_unit_ids(person, (role,)))
    return (
        ApprovalStep.objects.filter(held, state__in=CURRENT, line__status=LineStatus.IN_PROGRESS)
        .exclude(line__drafter=user)
        .select_related("line")
        .order_by("line__submitted_at", "id")
    )
