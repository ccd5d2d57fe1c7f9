"""The JSON API for the mobile app: /api/v1/ (OpenAPI at /api/v1/openapi.json).

Endpoints call the same selectors and services as the web pages. Errors: 400 {"errors": {...}},
401 without a valid token, 403 when the user sees the object but may not act, 404 when they may
not see it, 409 when the state does not allow the action, 413 too large, 429 too many attempts.
The petition routes (petitions.py) are public: a token is optional there."""

import hashlib

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Query, Router
from ninja import Status as HttpStatus
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer
from ninja.security import HttpBearer

from nara.accounts.models import ApiToken
from nara.agencies.models import Category, Unit
from nara.complaints import answers, selectors, services
from nara.complaints.models import Complaint
from nara.core import ratelimit
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.models import Region

from . import schemas as s


class BearerToken(HttpBearer):
    def authenticate(self, request, token):
        api_token = ApiToken.token_for(token)
        if api_token is None:
            return None
        request.api_token = api_token  # DELETE /auth/token revokes the token used
        request.user = api_token.user
        return api_token.user


class Utf8JSONRenderer(JSONRenderer):
    """Korean text as UTF-8, not \\uXXXX escapes."""

    json_dumps_params = {"ensure_ascii": False}


class NaraAPI(NinjaAPI):
    def get_openapi_schema(self, **kwargs):
        """The document, with the 413 that every operation may answer: the body limit is
        checked before routing (nara.core.middleware.RequestSizeLimitMiddleware)."""
        schema = super().get_openapi_schema(**kwargs)
        too_large = {
            "description": "Request body too large",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorOut"}}},
        }
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation["responses"].setdefault(413, too_large)
        return schema


bearer = BearerToken()
api = NaraAPI(
    title="Nara API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    auth=bearer,
    docs_url=None,  # Swagger UI loads from a CDN, which the CSP forbids; the spec is enough
    renderer=Utf8JSONRenderer(),
)


def _errors(field_messages: dict) -> dict:
    return {"errors": {k: [str(m) for m in v] for k, v in field_messages.items()}}


@api.exception_handler(NinjaValidationError)
def _ninja_validation(request, exc):
    errors: dict[str, list[str]] = {}
    for error in exc.errors:
        loc = [str(p) for p in error.get("loc", [])]
        if loc and loc[0] in ("body", "query", "path", "header"):
            loc = loc[1:]
            if loc and loc[0] == "payload":
                loc = loc[1:]
        errors.setdefault(".".join(loc) or "__all__", []).append(error.get("msg", "invalid"))
    return api.create_response(request, {"errors": errors}, status=400)


@api.exception_handler(HttpError)
def _http_error(request, exc):
    """django-ninja's own 400 is a body it cannot parse: answered in the declared error shape."""
    if exc.status_code == 400:
        message = _("The request body is not valid JSON.")
        return api.create_response(request, _errors({"__all__": [message]}), status=400)
    return api.create_response(request, {"detail": str(exc)}, status=exc.status_code)


@api.exception_handler(DjangoValidationError)
def _django_validation(request, exc):
    if hasattr(exc, "error_dict"):
        return api.create_response(request, _errors(exc.message_dict), status=400)
    return api.create_response(request, _errors({"__all__": exc.messages}), status=400)


@api.exception_handler(NotAllowed)
def _not_allowed(request, exc):
    return api.create_response(request, {"detail": str(exc.message)}, status=403)


@api.exception_handler(InvalidTransition)
def _invalid_transition(request, exc):
    return api.create_response(request, {"detail": str(exc.message)}, status=409)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    response = api.create_response(request, {"detail": _("Authentication required.")}, status=401)
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(services.RepeatComplaint)
def _repeat(request, exc):
    earlier = exc.earlier
    return api.create_response(
        request,
        {
            "errors": {
                "__all__": [
                    _(
                        "You filed the same complaint before (%(no)s). Send "
                        "confirm_repeat=true to file it again."
                    )
                    % {"no": earlier.receipt_no}
                ]
            },
            "earlier": {"receipt_no": earlier.receipt_no, "status": earlier.status},
        },
        status=409,
    )


def _throttle(scope: str, key: str) -> None:
    if not ratelimit.hit(scope, key):
        raise HttpError(429, _("Too many attempts. Try again later."))


def complaint_out(c: Complaint, info_requests: list | None = None) -> dict:
    """A complaint as the API shows it; `info_requests` when the caller read them already (a
    list of complaints reads them in one query, `selectors.info_requests_of`)."""
    if info_requests is None:
        info_requests = selectors.info_requests(c)
    answered = c.is_answered
    return {
        "receipt_no": c.receipt_no,
        "status": c.status,
        "kind": c.kind,
        "title": c.title,
        "body": c.body,
        "category": c.category.code if c.category_id else None,
        "unit": {"code": c.unit.code, "name": c.unit.name} if c.unit_id else None,
        "received_at": s.local(c.received_at),
        "due_at": s.local(c.due_at),
        "extended": c.extended_at is not None,
        "extension_reason": c.extension_reason,
        "paused": c.paused_at is not None,
        "flagged": c.flagged,
        "parent": c.parent.receipt_no if c.parent_id else None,
        "info_requests": [
            {
                "question": r.question,
                "asked_at": s.local(r.asked_at),
                "reply": r.reply,
                "replied_at": s.local(r.replied_at),
            }
            for r in info_requests
        ],
        "answer": c.answer if answered else None,
        "answered_at": s.local(c.answered_at) if answered else None,
        "rating": c.rating,
        "rating_comment": c.rating_comment,
    }


def _read(request, data: dict) -> HttpResponse:
    """200 with `data`, built by complaint_out in the shape of its declared schema, rendered as
    ninja renders but not validated again on the way out: validating the complaints of a list
    cost a third of the request. tests/test_api.py validates these answers against the schema."""
    return api.create_response(request, data, status=200)


def _items(complaints: list[Complaint]) -> list[dict]:
    asked = selectors.info_requests_of(complaints)
    return [complaint_out(c, asked.get(c.pk, [])) for c in complaints]


def _visible(request, receipt_no: str) -> Complaint:
    return selectors.complaint_get_visible(user=request.auth, receipt_no=receipt_no)


def _fresh(complaint: Complaint) -> dict:
    complaint = Complaint.objects.select_related("unit", "category", "parent").get(pk=complaint.pk)
    return complaint_out(complaint)


ERRORS = {400: s.ErrorOut, 401: s.DetailOut, 403: s.DetailOut, 404: s.DetailOut, 409: s.DetailOut}

# --- public ----------------------------------------------------------------------------------

public_router = Router(tags=["public"])


@public_router.get("/units", auth=None, response=list[s.UnitOut])
def units(request):
    """The public list of agency units."""
    return [
        {"code": u.code, "name": u.name, "parent": u.parent.code if u.parent_id else None}
        for u in Unit.objects.filter(is_active=True).select_related("parent").order_by("code")
    ]


# --- citizens --------------------------------------------------------------------------------

complaints_router = Router(tags=["complaints"])


@complaints_router.post(
    "",
    response={201: s.ComplaintOut, **ERRORS, 409: s.RepeatOut | s.DetailOut, 429: s.DetailOut},
)
def complaint_file(request, payload: s.ComplaintIn):
    """File a complaint. Send an `Idempotency-Key` header so a retry creates nothing twice."""
    user = request.auth
    key = (request.headers.get("Idempotency-Key") or "").strip()
    if len(key) > 100 or "\x00" in key:
        raise DjangoValidationError({"Idempotency-Key": [_("At most 100 characters.")]})
    stored_key = f"api:{hashlib.sha256(key.encode()).hexdigest()}" if key else ""
    if key:
        existing = Complaint.objects.filter(citizen=user, idempotency_key=stored_key).first()
        if existing is not None:
            return HttpStatus(201, _fresh(existing))
    _throttle("complaint_file", str(user.pk))
    category = None
    if payload.category:
        category = Category.objects.filter(code=payload.category).first()
        if category is None:
            raise DjangoValidationError({"category": [_("Unknown category.")]})
    location = payload.location or s.LocationIn()
    region = None
    if location.region:
        region = Region.objects.filter(code=location.region).first()
        if region is None:
            raise DjangoValidationError({"location.region": [_("Unknown region.")]})
    if (location.latitude is None) != (location.longitude is None):
        raise DjangoValidationError({"location": [_("Give both latitude and longitude.")]})
    parent = None
    if payload.parent:
        parent = selectors.complaint_get_visible(user=user, receipt_no=payload.parent)
    complaint = services.complaint_file(
        citizen=user,
        kind=payload.kind,
        title=payload.title,
        body=payload.body,
        category=category,
        address=location.address,
        latitude=location.latitude,
        longitude=location.longitude,
        region=region,
        publish_consent=payload.publish_consent,
        parent=parent,
        idempotency_key=stored_key,
        confirm_repeat=payload.confirm_repeat,
    )
    return HttpStatus(201, _fresh(complaint))


@complaints_router.get("", response={200: s.ComplaintListOut, 400: s.ErrorOut, 401: s.DetailOut})
def complaint_list(
    request, limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1_000_000)
):
    """The caller's own complaints, newest first."""
    rows = selectors.complaints_of_citizen_list(user=request.auth, full=True)
    return _read(request, {"count": rows.count(), "items": _items(rows[offset : offset + limit])})


@complaints_router.get("/{receipt_no}", response={200: s.ComplaintOut, **ERRORS})
def complaint_detail(request, receipt_no: str):
    """One complaint: visible to its citizen and to officials of the unit handling it."""
    complaint = _visible(request, receipt_no)  # already read with its unit and category
    return _read(request, complaint_out(complaint))


@complaints_router.post("/{receipt_no}/reply-info", response={200: s.ComplaintOut, **ERRORS})
def reply_info(request, receipt_no: str, payload: s.ReplyIn):
    complaint = services.complaint_reply_info(
        complaint=_visible(request, receipt_no), by=request.auth, reply=payload.reply
    )
    return HttpStatus(200, _fresh(complaint))


@complaints_router.post("/{receipt_no}/withdraw", response={200: s.ComplaintOut, **ERRORS})
def withdraw(request, receipt_no: str, payload: s.EmptyIn | None = None):
    complaint = services.complaint_withdraw(
        complaint=_visible(request, receipt_no), by=request.auth
    )
    return HttpStatus(200, _fresh(complaint))


@complaints_router.post("/{receipt_no}/rating", response={200: s.ComplaintOut, **ERRORS})
def rating(request, receipt_no: str, payload: s.RatingIn):
    complaint = services.complaint_rate(
        complaint=_visible(request, receipt_no),
        by=request.auth,
        rating=payload.rating,
        comment=payload.comment,
    )
    return HttpStatus(200, _fresh(complaint))


# --- officials -------------------------------------------------------------------------------


@complaints_router.post("/{receipt_no}/claim", response={200: s.ComplaintOut, **ERRORS})
def claim(request, receipt_no: str, payload: s.EmptyIn | None = None):
    complaint = services.complaint_claim(complaint=_visible(request, receipt_no), by=request.auth)
    return HttpStatus(200, _fresh(complaint))


@complaints_router.post("/{receipt_no}/transfer", response={200: s.ComplaintOut, **ERRORS})
def transfer(request, receipt_no: str, payload: s.TransferIn):
    complaint = _visible(request, receipt_no)
    to_unit = Unit.objects.filter(code=payload.to_unit, is_active=True).first()
    if to_unit is None:
        raise DjangoValidationError({"to_unit": [_("Unknown unit.")]})
    complaint = services.complaint_transfer(
        complaint=complaint, by=request.auth, to_unit=to_unit, reason=payload.reason
    )
    return HttpStatus(200, _fresh(complaint))


@complaints_router.post("/{receipt_no}/extend", response={200: s.ComplaintOut, **ERRORS})
def extend(request, receipt_no: str, payload: s.ExtendIn):
    complaint = services.complaint_extend(
        complaint=_visible(request, receipt_no),
        by=request.auth,
        new_due=payload.new_due,
        reason=payload.reason,
    )
    return HttpStatus(200, _fresh(complaint))


@complaints_router.post("/{receipt_no}/request-info", response={200: s.ComplaintOut, **ERRORS})
def request_info(request, receipt_no: str, payload: s.QuestionIn):
    complaint = services.complaint_request_info(
        complaint=_visible(request, receipt_no), by=request.auth, question=payload.question
    )
    return HttpStatus(200, _fresh(complaint))


@complaints_router.post("/{receipt_no}/answer", response={200: s.ComplaintOut, **ERRORS})
def answer(request, receipt_no: str, payload: s.AnswerIn):
    """Submit the answer for approval by the unit's approver."""
    complaint = _visible(request, receipt_no)
    answers.complaint_submit_answer(complaint=complaint, by=request.auth, body=payload.body)
    return HttpStatus(200, _fresh(complaint))


@complaints_router.post("/{receipt_no}/approve", response={200: s.ComplaintOut, **ERRORS})
def approve(request, receipt_no: str, payload: s.EmptyIn | None = None):
    complaint = answers.complaint_approve(complaint=_visible(request, receipt_no), by=request.auth)
    return HttpStatus(200, _fresh(complaint))


@complaints_router.post("/{receipt_no}/return", response={200: s.ComplaintOut, **ERRORS})
def return_answer(request, receipt_no: str, payload: s.ReturnIn):
    complaint = answers.complaint_return(
        complaint=_visible(request, receipt_no), by=request.auth, comment=payload.comment
    )
    return HttpStatus(200, _fresh(complaint))


inbox_router = Router(tags=["officials"])


@inbox_router.get(
    "/inbox",
    response={200: s.ComplaintListOut, 400: s.ErrorOut, 401: s.DetailOut, 403: s.DetailOut},
)
def inbox(
    request,
    status: str = Query("", max_length=30),
    kind: str = Query("", max_length=30),
    due: str = Query("", max_length=10, description="overdue, today or week"),
    q: str = Query("", max_length=200),
    mine: bool = False,
    limit: int = Query(25, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Complaints of the caller's units (officials only), soonest deadline first."""
    from nara.complaints.policies import is_official, is_operator

    if not (is_official(request.auth) or is_operator(request.auth)):
        return HttpStatus(403, {"detail": _("Only officials have an inbox.")})
    rows = selectors.inbox_list(
        user=request.auth, full=True, status=status, kind=kind, due=due, q=q, mine=mine
    )
    return _read(request, {"count": rows.count(), "items": _items(rows[offset : offset + limit])})


api.add_router("/", public_router)
api.add_router("/", inbox_router)
api.add_router("/complaints", complaints_router)
from .disclosure import inbox_router as disclosure_inbox_router  # noqa: E402  (as petitions)
from .disclosure import router as disclosure_router  # noqa: E402
from .documents import documents_router  # noqa: E402
from .petitions import petitions_router  # noqa: E402  (it uses the API defined above)
from .tokens import auth_router  # noqa: E402

api.add_router("/auth", auth_router)

api.add_router("/petitions", petitions_router)
api.add_router("/documents", documents_router)
api.add_router("/disclosure-requests", disclosure_router)
api.add_router("/", disclosure_inbox_router)

__all__ = ["api"]
