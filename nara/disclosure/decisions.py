"""The decisions on a disclosure request, each on an approval line (nara.approvals: one step, the
handling unit's approvers): the decision (공개 / 부분공개 / 비공개 with §9 grounds, the fee, the
files released) and the decision on an objection (인용 / 부분인용 / 기각). The handler submits,
an approver approves or returns, and the line's end (callbacks registered in apps.py) publishes
the decision and tells the requester."""

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.models import Membership
from nara.approvals import engine
from nara.approvals.engine import StepSpec
from nara.approvals.models import ApprovalLine, LineStatus, StepKind
from nara.audit.models import EventType
from nara.core.clock import local_text
from nara.core.errors import InvalidTransition, NotAllowed, required
from nara.core.uploads import CleanFile
from nara.documents.grounds import Grade, Ground
from nara.notifications.messages import msg
from nara.notifications.services import notify

from . import fees, periods, policies
from .models import (
    Decision,
    DisclosureRequest,
    DraftState,
    Objection,
    Opinion,
    Outcome,
    ReleasedFile,
)
from .services import office_url, request_transition, tell_requester, tell_unit
from .transitions import Action

Role = Membership.Role
DECISION_KIND = "disclosure.decision"
OBJECTION_KIND = "disclosure.objection"
MAX_FILES = 10


def approval_line(r: DisclosureRequest) -> list[StepSpec]:
    """One approval step, by an approver of the handling unit."""
    return [StepSpec(1, StepKind.APPROVE, r.unit, role=Role.APPROVER)]


def _store(r: DisclosureRequest, files: list[CleanFile], by, written: list[str]) -> list[int]:
    ids = []
    for item in files:
        stored = ReleasedFile.objects.create(
            request=r,
            file=ContentFile(item.data, name=item.name),
            name=item.name,
            content_type=item.content_type,
            size=len(item.data),
            uploaded_by=by,
        )
        written.append(stored.file.name)
        ids.append(stored.pk)
    return ids


def _with_files(write):
    """Run `write(written)`; the files it stored go when its transaction does."""
    written: list[str] = []
    try:
        return write(written)
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise


def _objected(r: DisclosureRequest) -> bool:
    return r.third_parties.filter(opinion=Opinion.OBJECTS).exists()


def _clean_decision(r, *, grade, grounds, reasons, third_party_reasons, files) -> list[str]:
    errors = {}
    if grade not in Grade.values:
        errors["grade"] = [_("Choose the decision.")]
    grounds = list(dict.fromkeys(grounds or []))
    if any(g not in Ground.values for g in grounds):
        errors["grounds"] = [_("Choose grounds of §9 ①.")]
    elif grade in (Grade.PARTIAL, Grade.CLOSED) and not grounds:
        errors["grounds"] = [_("Give the grounds for withholding (§9 ①).")]
    elif grade == Grade.OPEN and grounds:
        errors["grounds"] = [_("A full disclosure withholds nothing: leave the grounds empty.")]
    if grade in (Grade.PARTIAL, Grade.CLOSED) and not (reasons or "").strip():
        errors["reasons"] = [_("Explain what is withheld and why.")]
    if grade == Grade.CLOSED and files:
        errors["files"] = [_("Nothing is released on a refusal: remove the files.")]
    if grade in (Grade.OPEN, Grade.PARTIAL) and _objected(r) and not third_party_reasons.strip():
        errors["third_party_reasons"] = [
            _("A third party asked for non-disclosure: say why it is disclosed anyway.")
        ]
    if len(files) > MAX_FILES:
        errors["files"] = [_("Attach at most %(n)d files.") % {"n": MAX_FILES}]
    if errors:
        raise ValidationError(errors)
    return [g for g in Ground.values if g in grounds]  # in the order of the Act


def decision_submit(
    *,
    request: DisclosureRequest,
    by,
    grade: str,
    grounds: list[str] = (),
    reasons: str = "",
    pages: int = 0,
    release_note: str = "",
    third_party_reasons: str = "",
    files: list[CleanFile] = (),
) -> Decision:
    """The handler drafts the decision, with the files to release, and submits it on its
    approval line (결재 상신)."""
    files, third_party_reasons = list(files), (third_party_reasons or "").strip()
    if not isinstance(pages, int) or not 0 <= pages <= 100_000:
        raise ValidationError({"pages": _("Give the number of pages (0 for none).")})

    def write(written):
        with request_transition(
            request,
            by=by,
            action=Action.SUBMIT_DECISION,
            allowed=policies.can_handle,
            event=EventType.DISCLOSURE_DECISION_SUBMITTED,
        ) as change:
            r = change.obj
            ordered = _clean_decision(
                r,
                grade=grade,
                grounds=grounds,
                reasons=reasons,
                third_party_reasons=third_party_reasons,
                files=files,
            )
            decision = Decision.objects.filter(request=r).first() or Decision(request=r)
            decision.grade, decision.grounds, decision.pages = grade, ordered, pages
            decision.reasons, decision.release_note = (reasons or "").strip(), release_note.strip()
            decision.third_party_reasons = third_party_reasons
            decision.fee = fees.fee_for(form=r.form, delivery=r.delivery, pages=pages, grade=grade)
            decision.state, decision.drafted_by, decision.return_comment = (
                DraftState.PENDING,
                by,
                "",
            )
            decision.save()
            r.handler = r.handler or by
            stored = _store(r, files, by, written)
            line = engine.line_submit(
                subject=decision, kind=DECISION_KIND, by=by, steps=approval_line(r)
            )
            change.data = {"grade": grade, "grounds": ordered, "files": stored, "line": line.pk}
            tell_unit(
                r, (Role.APPROVER,), msg(_("Disclosure decision to approve: %(no)s"), {"no": r.no})
            )
            return decision

    return _with_files(write)


def _line(r: DisclosureRequest, by, subject) -> ApprovalLine:
    """The line in progress of `subject`, for one of the unit's approvers (asked first: who,
    then in which state). The engine locks the request, then the line, when it decides."""
    if not policies.can_approve(by, DisclosureRequest.objects.get(pk=r.pk)):
        raise NotAllowed()
    line = engine.line_in_progress(subject) if subject is not None else None
    if line is None:
        raise InvalidTransition(_("Nothing is awaiting approval."))
    return line


def decision_decide(*, request: DisclosureRequest, by, approve: bool, comment: str = ""):
    """An approver approves the decision (결재) or returns it with a comment (반려)."""
    line = _line(request, by, Decision.objects.filter(request=request).first())
    engine.step_decide(
        line=line, by=by, decision="approve" if approve else "return", comment=comment
    )
    request.refresh_from_db()
    return request


def lock_request_of_decision(line: ApprovalLine) -> None:
    DisclosureRequest.objects.select_for_update(of=("self",)).get(decision__pk=line.object_id)


def lock_request_of_objection(line: ApprovalLine) -> None:
    DisclosureRequest.objects.select_for_update(of=("self",)).get(objection__pk=line.object_id)


def describe_decision(line: ApprovalLine) -> tuple[str, str]:
    """The approvals worklist's entry: the request and its office page."""
    r = DisclosureRequest.objects.get(decision__pk=line.object_id)
    return str(r), office_url(r)


def describe_objection(line: ApprovalLine) -> tuple[str, str]:
    r = DisclosureRequest.objects.get(objection__pk=line.object_id)
    return str(r), office_url(r)


def _release(r: DisclosureRequest, now, *, wait: bool):
    """The files not yet released are released now; available now, or after the third-party
    wait. Returns when they are available."""
    available = periods.release_after_objection(now) if wait else now
    r.files.filter(released_at=None).update(released_at=now, available_from=available)
    return available


def decision_approved(line: ApprovalLine, by) -> None:
    """The decision's line ended approved: it is published and the requester told."""
    if line.status != LineStatus.APPROVED:
        raise InvalidTransition()
    decision = Decision.objects.get(pk=line.object_id)
    with request_transition(
        decision.request,
        by=by,
        action=Action.APPROVE_DECISION,
        allowed=engine.decided_on_the_line,
        event=EventType.DISCLOSURE_DECIDED,
    ) as change:
        r = change.obj
        decision = Decision.objects.select_for_update().get(pk=decision.pk)
        if decision.state != DraftState.PENDING:
            raise InvalidTransition()
        now = timezone.now()
        wait = _objected(r)
        decision.state, decision.approved_by, decision.decided_at = DraftState.APPROVED, by, now
        if decision.grade != Grade.CLOSED:  # a refusal releases nothing a returned draft held
            decision.available_from = _release(r, now, wait=wait)
        if decision.grade != Grade.OPEN:
            decision.objection_until = periods.objection_filing_until(now)
        decision.save()
        r.decided_at = now
        change.data = {
            "grade": decision.grade,
            "grounds": decision.grounds,
            "fee": decision.fee,
            "available_from": s(decision.available_from),
            "on_time": now <= r.deadline,
        }
        tell_requester(
            r,
            msg(
                _("Disclosure request %(no)s decided: %(grade)s"),
                {"no": r.no, "grade": decision.get_grade_display()},
            ),
            _decided_body(decision),
        )


def s(moment) -> str | None:
    return moment.isoformat() if moment else None


def _decided_body(decision: Decision):
    if decision.grade == Grade.OPEN:
        if decision.available_from is None:
            return msg(_("Read the decision."))
        return msg(
            _("The information will be available from %(when)s. Fee: %(fee)s won."),
            {"when": local_text(decision.available_from), "fee": f"{decision.fee:,}"},
        )
    return msg(
        _(
            "Read the decision and its grounds. You may object until %(until)s, or bring an "
            "administrative appeal within 90 days."
        ),
        {"until": local_text(decision.objection_until)},
    )


def decision_returned(line: ApprovalLine, by, comment: str) -> None:
    """The decision's line ended returned: back to its drafter, with the comment."""
    if line.status != LineStatus.RETURNED:
        raise InvalidTransition()
    decision = Decision.objects.get(pk=line.object_id)
    with request_transition(
        decision.request,
        by=by,
        action=Action.RETURN_DECISION,
        allowed=engine.decided_on_the_line,
        event=EventType.DISCLOSURE_DECISION_RETURNED,
        data={"comment": comment, "line": line.pk},
    ) as change:
        Decision.objects.filter(pk=decision.pk).update(
            state=DraftState.RETURNED, return_comment=comment
        )
        notify(
            user=decision.drafted_by,
            subject=msg(_("Disclosure decision returned: %(no)s"), {"no": change.obj.no}),
            body=comment,
            url=office_url(change.obj),
            email=False,
        )


# --- the objection -----------------------------------------------------------------------------


def objection_submit(
    *,
    request: DisclosureRequest,
    by,
    outcome: str,
    reasons: str,
    files: list[CleanFile] = (),
) -> Objection:
    """The handler drafts the decision on the objection and submits it for approval."""
    reasons = required(reasons, "reasons", _("Explain the decision on the objection."))
    files = list(files)
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": _("Choose the outcome.")})
    if outcome == Outcome.DISMISSED and files:
        raise ValidationError({"files": _("Nothing is released when it is dismissed.")})
    if len(files) > MAX_FILES:
        raise ValidationError({"files": _("Attach at most %(n)d files.") % {"n": MAX_FILES}})

    def write(written):
        with request_transition(
            request,
            by=by,
            action=Action.SUBMIT_OBJECTION_DECISION,
            allowed=policies.can_handle,
            event=EventType.DISCLOSURE_DECISION_SUBMITTED,
        ) as change:
            r = change.obj
            objection = Objection.objects.get(request=r)
            objection.outcome, objection.decision_reasons = outcome, reasons
            objection.state, objection.drafted_by, objection.return_comment = (
                DraftState.PENDING,
                by,
                "",
            )
            objection.save()
            stored = _store(r, files, by, written)
            line = engine.line_submit(
                subject=objection, kind=OBJECTION_KIND, by=by, steps=approval_line(r)
            )
            change.data = {
                "objection": objection.pk,
                "outcome": outcome,
                "files": stored,
                "line": line.pk,
            }
            tell_unit(
                r, (Role.APPROVER,), msg(_("Objection decision to approve: %(no)s"), {"no": r.no})
            )
            return objection

    return _with_files(write)


def objection_decide(*, request: DisclosureRequest, by, approve: bool, comment: str = ""):
    """An approver approves the decision on the objection or returns it with a comment."""
    line = _line(request, by, Objection.objects.filter(request=request).first())
    engine.step_decide(
        line=line, by=by, decision="approve" if approve else "return", comment=comment
    )
    request.refresh_from_db()
    return request


def objection_approved(line: ApprovalLine, by) -> None:
    if line.status != LineStatus.APPROVED:
        raise InvalidTransition()
    objection = Objection.objects.get(pk=line.object_id)
    with request_transition(
        objection.request,
        by=by,
        action=Action.APPROVE_OBJECTION_DECISION,
        allowed=engine.decided_on_the_line,
        event=EventType.DISCLOSURE_OBJECTION_DECIDED,
    ) as change:
        r = change.obj
        objection = Objection.objects.select_for_update().get(pk=objection.pk)
        if objection.state != DraftState.PENDING:
            raise InvalidTransition()
        now = timezone.now()
        objection.state, objection.decided_at = DraftState.APPROVED, now
        objection.save(update_fields=["state", "decided_at"])
        available = None
        if objection.outcome != Outcome.DISMISSED:
            available = _release(r, now, wait=_objected(r))
        change.data = {"outcome": objection.outcome, "on_time": now <= objection.deadline}
        tell_requester(
            r,
            msg(
                _("Objection to %(no)s decided: %(outcome)s"),
                {"no": r.no, "outcome": objection.get_outcome_display()},
            ),
            msg(
                _(
                    "Read the decision on your objection. If you disagree, you may bring an "
                    "administrative appeal within 90 days."
                )
            )
            if available is None
            else msg(
                _(
                    "Read the decision on your objection. Released files are available from "
                    "%(when)s."
                ),
                {"when": local_text(available)},
            ),
        )


def objection_returned(line: ApprovalLine, by, comment: str) -> None:
    if line.status != LineStatus.RETURNED:
        raise InvalidTransition()
    objection = Objection.objects.get(pk=line.object_id)
    with request_transition(
        objection.request,
        by=by,
        action=Action.RETURN_OBJECTION_DECISION,
        allowed=engine.decided_on_the_line,
        event=EventType.DISCLOSURE_DECISION_RETURNED,
        data={"objection": objection.pk, "comment": comment, "line": line.pk},
    ) as change:
        Objection.objects.filter(pk=objection.pk).update(
            state=DraftState.RETURNED, return_comment=comment
        )
        notify(
            user=objection.drafted_by,
            subject=msg(_("Objection decision returned: %(no)s"), {"no": change.obj.no}),
            body=comment,
            url=office_url(change.obj),
            email=False,
        )
