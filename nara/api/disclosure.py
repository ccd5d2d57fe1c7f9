"""Information-disclosure requests in the JSON API (/api/v1/disclosure-requests): the requester
files, reads, withdraws, objects and downloads the released files; officials of the handling
unit transfer, extend, hear third parties and submit the decisions, which the unit's approvers
approve or return. Errors as everywhere in the API: 400 with field errors, 401, 403 (may see,
may not act), 404 (may not see), 409 (not in this state)."""

import base64
import binascii
import hashlib
from datetime import datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, HttpResponse
from django.utils.translation import gettext as _
from ninja import Path, Query, Router, Schema
from ninja import Status as HttpStatus
from pydantic import Field

from nara.agencies.models import Unit
from nara.core.uploads import clean_upload
from nara.disclosure import decisions, policies, selectors, services
from nara.disclosure.models import Decision, DisclosureRequest, Objection

from . import schemas as s
from .api import ERRORS, api

router = Router(tags=["disclosure"])
NO = Path(..., max_length=20, description="Request number, e.g. 2026-000123")
GradeName = Literal["open", "partial", "closed"]
GroundName = Literal["1", "2", "3", "4", "5", "6", "7", "8"]
MAX_FILE_CHARS = 1_400_000  # base64 of about 1 MB


# --- bodies ------------------------------------------------------------------------------------


class RequestIn(s.In):
    unit: str = Field(max_length=40, description="Code of the agency or unit asked")
    title: str = Field(min_length=1, max_length=200, description="What is asked, in a few words")
    body: str = Field(min_length=1, max_length=20000, description="The information asked for")
    purpose: str = Field(default="", max_length=5000)
    form: Literal["view", "copy", "electronic"]
    delivery: Literal["online", "mail", "in_person"]
    published_in_register: bool = Field(
        default=True, description="Shown, anonymised, in the public register"
    )


class ReasonsIn(s.In):
    reasons: str = Field(min_length=1, max_length=20000)


class ExtendIn(s.In):
    days: int = Field(ge=1, le=10, description="Working days after the first period ends")
    reason: str = Field(min_length=1, max_length=5000)


class ReasonIn(s.In):
    reason: str = Field(min_length=1, max_length=5000)


class ThirdPartyIn(s.In):
    name: str = Field(min_length=1, max_length=200)
    contact: str = Field(min_length=1, max_length=300, description="Address, phone or e-mail")


class OpinionIn(s.In):
    opinion: Literal["agrees", "objects"]
    text: str = Field(default="", max_length=20000)


class FileIn(s.In):
    name: str = Field(min_length=1, max_length=120)
    content: str = Field(max_length=MAX_FILE_CHARS, description="The file, base64-encoded")


class DecisionIn(s.In):
    grade: GradeName
    grounds: list[GroundName] = Field(default=[], max_length=8, description="§9 ① items")
    reasons: str = Field(default="", max_length=20000)
    pages: int = Field(default=0, ge=0, le=100_000)
    release_note: str = Field(default="", max_length=5000)
    third_party_reasons: str = Field(default="", max_length=5000)
    files: list[FileIn] = Field(default=[], max_length=10)


class ObjectionDecisionIn(s.In):
    outcome: Literal["accepted", "partly_accepted", "dismissed"]
    reasons: str = Field(min_length=1, max_length=20000)
    files: list[FileIn] = Field(default=[], max_length=10)


# --- answers -----------------------------------------------------------------------------------


class TransferOut(Schema):
    from_unit: s.UnitRef
    to_unit: s.UnitRef
    to_another_agency: bool
    reason: str
    at: datetime


class ThirdPartyOut(Schema):
    id: int
    name: str
    contact: str
    notified_at: datetime
    opinion_due_at: datetime
    opinion: str
    opinion_text: str


class DecisionOut(Schema):
    state: str = Field(description="draft, pending, returned or approved")
    grade: str
    grounds: list[str]
    reasons: str
    pages: int
    fee: int = Field(description="Won, from the published fee table")
    release_note: str
    third_party_reasons: str
    decided_at: datetime | None
    available_from: datetime | None
    objection_until: datetime | None
    return_comment: str


class ObjectionOut(Schema):
    state: str
    reasons: str
    filed_at: datetime
    due_at: datetime
    extended_due_at: datetime | None
    outcome: str
    decision_reasons: str
    decided_at: datetime | None


class FileOut(Schema):
    id: int
    name: str
    size: int
    content_type: str
    available_from: datetime | None


class DisclosureOut(Schema):
    no: str
    status: str
    title: str
    body: str
    purpose: str
    form: str
    delivery: str
    published_in_register: bool
    agency: s.UnitRef
    unit: s.UnitRef
    received_at: datetime
    due_at: datetime
    extended_due_at: datetime | None
    extension_reason: str
    deemed_refused: bool
    decided_at: datetime | None
    objection_until: datetime | None = Field(description="Set while the requester may object")
    transfers: list[TransferOut]
    third_parties: list[ThirdPartyOut] = Field(description="Officials only")
    decision: DecisionOut | None
    objection: ObjectionOut | None
    files: list[FileOut]


class DisclosureListOut(Schema):
    count: int
    items: list[DisclosureOut]


def _unit(u: Unit) -> dict:
    return {"code": u.code, "name": u.name}


def disclosure_out(r: DisclosureRequest, user) -> dict:
    official = policies.can_view_as_official(user, r)
    decision = Decision.objects.filter(request=r).first()
    if decision is not None and not (official or decision.is_published):
        decision = None
    objection = Objection.objects.filter(request=r).first()
    return {
        "no": r.no,
        "status": r.status,
        "title": r.title,
        "body": r.body,
        "purpose": r.purpose,
        "form": r.form,
        "delivery": r.delivery,
        "published_in_register": r.published_in_register,
        "agency": _unit(r.agency),
        "unit": _unit(r.unit),
        "received_at": s.local(r.received_at),
        "due_at": s.local(r.deadline),
        "extended_due_at": s.local(r.extended_due_at),
        "extension_reason": r.extension_reason,
        "deemed_refused": r.deemed_refused_at is not None,
        "decided_at": s.local(r.decided_at),
        "objection_until": s.local(services.objection_until(r)),
        "transfers": [
            {
                "from_unit": _unit(t.from_unit),
                "to_unit": _unit(t.to_unit),
                "to_another_agency": t.to_another_agency,
                "reason": t.reason,
                "at": s.local(t.created_at),
            }
            for t in r.transfers.select_related("from_unit", "to_unit")
        ],
        "third_parties": [
            {
                "id": p.pk,
                "name": p.name,
                "contact": p.contact,
                "notified_at": s.local(p.notified_at),
                "opinion_due_at": s.local(p.opinion_due_at),
                "opinion": p.opinion,
                "opinion_text": p.opinion_text,
            }
            for p in (r.third_parties.all() if official else [])
        ],
        "decision": None
        if decision is None
        else {
            "state": decision.state,
            "grade": decision.grade,
            "grounds": decision.grounds,
            "reasons": decision.reasons,
            "pages": decision.pages,
            "fee": decision.fee,
            "release_note": decision.release_note,
            "third_party_reasons": decision.third_party_reasons,
            "decided_at": s.local(decision.decided_at),
            "available_from": s.local(decision.available_from),
            "objection_until": s.local(decision.objection_until),
            "return_comment": decision.return_comment if official else "",
        },
        "objection": None
        if objection is None
        else {
            "state": objection.state if official else _public_state(objection),
            "reasons": objection.reasons,
            "filed_at": s.local(objection.filed_at),
            "due_at": s.local(objection.deadline),
            "extended_due_at": s.local(objection.extended_due_at),
            "outcome": objection.outcome if official or objection.decided_at else "",
            "decision_reasons": objection.decision_reasons
            if official or objection.decided_at
            else "",
            "decided_at": s.local(objection.decided_at),
        },
        "files": [
            {
                "id": f.pk,
                "name": f.name,
                "size": f.size,
                "content_type": f.content_type,
                "available_from": s.local(f.available_from),
            }
            for f in selectors.released_files(r, user=user)
        ],
    }


def _public_state(objection: Objection) -> str:
    return "approved" if objection.decided_at else "pending"


def _visible(request, no: str) -> DisclosureRequest:
    return selectors.request_get_visible(user=request.auth, no=no)


def _fresh(request, r: DisclosureRequest) -> HttpResponse:
    r = selectors.request_get_visible(user=request.auth, no=r.no)
    return api.create_response(request, disclosure_out(r, request.auth), status=200)


def _clean_files(files: list[FileIn]) -> list:
    cleaned = []
    for n, item in enumerate(files):
        try:
            data = base64.b64decode(item.content, validate=True)
        except (binascii.Error, ValueError):
            raise ValidationError({f"files.{n}.content": [_("Not base64.")]}) from None
        try:
            cleaned.append(clean_upload(SimpleUploadedFile(item.name, data)))
        except ValidationError as error:
            raise ValidationError({f"files.{n}": error.messages}) from None
    return cleaned


# --- the requester -----------------------------------------------------------------------------


@router.post("", response={201: DisclosureOut, **ERRORS})
def request_file(request, payload: RequestIn):
    """Ask an agency for information. Send an `Idempotency-Key` header so that a retry files
    nothing twice."""
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 100 or "\x00" in key:
        raise ValidationError({"Idempotency-Key": [_("At most 100 characters.")]})
    unit = Unit.objects.filter(code=payload.unit, is_active=True).first()
    if unit is None:
        raise ValidationError({"unit": [_("Unknown unit.")]})
    r = services.request_file(
        requester=request.auth,
        unit=unit,
        title=payload.title,
        body=payload.body,
        purpose=payload.purpose,
        form=payload.form,
        delivery=payload.delivery,
        published_in_register=payload.published_in_register,
        idempotency_key=f"api:{hashlib.sha256(key.encode()).hexdigest()}" if key else "",
    )
    r = selectors.request_get_visible(user=request.auth, no=r.no)
    return HttpStatus(201, disclosure_out(r, request.auth))


@router.get("", response={200: DisclosureListOut, 400: s.ErrorOut, 401: s.DetailOut})
def request_list(
    request, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1_000_000)
):
    """The caller's own requests, newest first."""
    rows = selectors.requests_of_requester(user=request.auth)
    page = rows[offset : offset + limit]
    return {"count": rows.count(), "items": [disclosure_out(r, request.auth) for r in page]}


@router.get("/{no}", response={200: DisclosureOut, **ERRORS})
def request_detail(request, no: str = NO):
    """One request: to its requester and the officials of the unit handling it."""
    return _fresh(request, _visible(request, no))


@router.post("/{no}/withdraw", response={200: DisclosureOut, **ERRORS})
def withdraw(request, payload: s.EmptyIn | None = None, no: str = NO):
    return _fresh(
        request, services.request_withdraw(request=_visible(request, no), by=request.auth)
    )


@router.post("/{no}/objection", response={200: DisclosureOut, **ERRORS})
def objection_file(request, payload: ReasonsIn, no: str = NO):
    """Object (이의신청) to a (partial) refusal, or to no decision in 20 days, within 30 days."""
    r = _visible(request, no)
    services.objection_file(request=r, by=request.auth, reasons=payload.reasons)
    return _fresh(request, r)


FILE_TYPES = ["application/pdf", "image/jpeg", "image/png"]


@router.get(
    "/{no}/files/{file_id}",
    response=ERRORS,
    openapi_extra={
        "responses": {
            200: {
                "description": "The released file",
                "content": {
                    t: {"schema": {"type": "string", "format": "binary"}} for t in FILE_TYPES
                },
            }
        }
    },
)
def file_download(request, file_id: int = Path(..., ge=1, le=2**63 - 1), no: str = NO):
    """A released file: to the requester once available, to the unit's officials always."""
    r = _visible(request, no)
    item = selectors.file_for_download(user=request.auth, r=r, file_id=file_id)
    services.file_release(request=r, by=request.auth, file=item)
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=item.name, content_type=item.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- officials ---------------------------------------------------------------------------------


@router.post("/{no}/transfer", response={200: DisclosureOut, **ERRORS})
def transfer(request, payload: s.TransferIn, no: str = NO):
    """Send the request to the unit that holds the information (이송)."""
    r = _visible(request, no)
    to_unit = Unit.objects.filter(code=payload.to_unit, is_active=True).first()
    if to_unit is None:
        raise ValidationError({"to_unit": [_("Unknown unit.")]})
    r = services.request_transfer(
        request=r, by=request.auth, to_unit=to_unit, reason=payload.reason
    )
    return api.create_response(request, disclosure_out(r, request.auth), status=200)


@router.post("/{no}/extend", response={200: DisclosureOut, **ERRORS})
def extend(request, payload: ExtendIn, no: str = NO):
    """Extend the decision period once, by 1 to 10 days."""
    r = _visible(request, no)
    services.request_extend(request=r, by=request.auth, days=payload.days, reason=payload.reason)
    return _fresh(request, r)


@router.post("/{no}/third-parties", response={200: DisclosureOut, **ERRORS})
def third_party(request, payload: ThirdPartyIn, no: str = NO):
    """Tell a third party the information concerns; they have 3 days to object."""
    r = _visible(request, no)
    services.third_party_notify(
        request=r, by=request.auth, name=payload.name, contact=payload.contact
    )
    return _fresh(request, r)


@router.post("/{no}/third-parties/{party_id}/opinion", response={200: DisclosureOut, **ERRORS})
def third_party_opinion(
    request, payload: OpinionIn, party_id: int = Path(..., ge=1, le=2**63 - 1), no: str = NO
):
    """Record the opinion a third party sent the agency."""
    r = _visible(request, no)
    services.third_party_opinion(
        request=r, by=request.auth, party_id=party_id, opinion=payload.opinion, text=payload.text
    )
    return _fresh(request, r)


@router.post("/{no}/decision", response={200: DisclosureOut, **ERRORS})
def decision_submit(request, payload: DecisionIn, no: str = NO):
    """Submit the decision (with the files released) for approval by the unit's approver."""
    r = _visible(request, no)
    decisions.decision_submit(
        request=r,
        by=request.auth,
        grade=payload.grade,
        grounds=list(payload.grounds),
        reasons=payload.reasons,
        pages=payload.pages,
        release_note=payload.release_note,
        third_party_reasons=payload.third_party_reasons,
        files=_clean_files(payload.files),
    )
    return _fresh(request, r)


@router.post("/{no}/decision/approve", response={200: DisclosureOut, **ERRORS})
def decision_approve(request, payload: s.EmptyIn | None = None, no: str = NO):
    r = decisions.decision_decide(request=_visible(request, no), by=request.auth, approve=True)
    return _fresh(request, r)


@router.post("/{no}/decision/return", response={200: DisclosureOut, **ERRORS})
def decision_return(request, payload: s.ReturnIn, no: str = NO):
    r = decisions.decision_decide(
        request=_visible(request, no), by=request.auth, approve=False, comment=payload.comment
    )
    return _fresh(request, r)


@router.post("/{no}/objection/extend", response={200: DisclosureOut, **ERRORS})
def objection_extend(request, payload: ReasonIn, no: str = NO):
    """Extend the objection's period once, by 7 days."""
    r = _visible(request, no)
    services.objection_extend(request=r, by=request.auth, reason=payload.reason)
    return _fresh(request, r)


@router.post("/{no}/objection/decision", response={200: DisclosureOut, **ERRORS})
def objection_decision(request, payload: ObjectionDecisionIn, no: str = NO):
    """Submit the decision on the objection for approval."""
    r = _visible(request, no)
    decisions.objection_submit(
        request=r,
        by=request.auth,
        outcome=payload.outcome,
        reasons=payload.reasons,
        files=_clean_files(payload.files),
    )
    return _fresh(request, r)


@router.post("/{no}/objection/approve", response={200: DisclosureOut, **ERRORS})
def objection_approve(request, payload: s.EmptyIn | None = None, no: str = NO):
    r = decisions.objection_decide(request=_visible(request, no), by=request.auth, approve=True)
    return _fresh(request, r)


@router.post("/{no}/objection/return", response={200: DisclosureOut, **ERRORS})
def objection_return(request, payload: s.ReturnIn, no: str = NO):
    r = decisions.objection_decide(
        request=_visible(request, no), by=request.auth, approve=False, comment=payload.comment
    )
    return _fresh(request, r)


inbox_router = Router(tags=["officials"])


@inbox_router.get(
    "/disclosure-inbox",
    response={200: DisclosureListOut, 400: s.ErrorOut, 401: s.DetailOut, 403: s.DetailOut},
)
def inbox(
    request, limit: int = Query(25, ge=1, le=100), offset: int = Query(0, ge=0, le=1_000_000)
):
    """The requests of the caller's units (officials only): those to decide first, the soonest
    (overdue) deadline first."""
    if not selectors.is_official_anywhere(request.auth):
        return HttpStatus(403, {"detail": _("Only officials have an inbox.")})
    rows = selectors.inbox(user=request.auth)
    page = rows[offset : offset + limit]
    return {"count": rows.count(), "items": [disclosure_out(r, request.auth) for r in page]}
