"""Petitions in the JSON API (/api/v1/petitions). The routes are public: a token is optional
(it signs in one click and shows the caller's unpublished petitions), and a token that is not
valid is still 401, never anonymous. Signing with a token takes the surge path
(nara.petitions.fastpath): two statements, no ORM."""

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db.models import Sum
from django.http import Http404
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Path, Query, Router
from ninja import Status as HttpStatus
from ninja.errors import AuthenticationError

from nara.core import ratelimit
from nara.core.models import Region
from nara.petitions import abuse as petition_abuse
from nara.petitions import fastpath, signing
from nara.petitions import selectors as petition_selectors
from nara.petitions import services as petition_services
from nara.petitions.models import AnswerStatus, Petition, PetitionAnswer, SignatureCounter
from nara.petitions.models import Status as PetitionStatus

from . import schemas as s
from .api import _errors, bearer


class OptionalBearer:
    """For public routes that a token personalises: no Authorization header, the caller is
    anonymous; a header whose token is not valid is 401, never anonymous."""

    def __call__(self, request):
        if not request.headers.get("Authorization", "").strip():
            return AnonymousUser()
        user = bearer(request)
        if user is None:
            raise AuthenticationError()
        return user


optional_bearer = OptionalBearer()
TOKEN_OPTIONAL = {"security": [{"BearerToken": []}, {}]}
MAX_ID = 2**63 - 1

LIST_NAME = Query(
    "open", description="open, popular, recent, awaiting (an answer), answered, closed, rejected"
)

petitions_router = Router(tags=["petitions"])


def _petition_visible(request, petition_id: int) -> Petition:
    if not 1 <= petition_id <= MAX_ID:
        raise Http404
    return petition_selectors.visible_petition(request.auth, petition_id)


def _unit_ref(unit) -> dict | None:
    return {"code": unit.code, "name": unit.name} if unit is not None else None


def petition_summary_out(p: Petition, count: int) -> dict:
    return {
        "id": p.pk,
        "title": p.title,
        "status": p.status,
        "category": p.category.code if p.category_id else None,
        "unit": _unit_ref(p.unit) if p.unit_id else None,
        "signature_count": count,
        "opened_at": s.local(p.opened_at),
        "closes_at": s.local(p.closes_at),
        "answer_due_at": s.local(p.answer_due_at),
    }


def petition_out(p: Petition, user) -> dict:
    answer = PetitionAnswer.objects.filter(petition=p, status=AnswerStatus.PUBLISHED).first()
    rejected = p.status == PetitionStatus.REJECTED
    return {
        **petition_summary_out(p, petition_selectors.live_count(p)),
        # a rejected petition: title and reason only (its text may be why it was rejected)
        "body": p.body if petition_selectors.text_is_public(user, p) else "",
        "thresholds": {
            "refer": p.type.refer_threshold,
            "answer": p.type.answer_threshold,
            "supporters": p.type.supporters_needed,
        },
        "answer": (
            {"text": answer.text, "published_at": s.local(answer.published_at)} if answer else None
        ),
        "rejection": (
            {
                "reason": p.rejection_reason,
                "text": p.rejection_text,
                "duplicate_of": p.duplicate_of_id,
            }
            if rejected
            else None
        ),
    }


@petitions_router.get("", auth=None, response={200: s.PetitionListOut, 400: s.ErrorOut})
def petition_list(
    request,
    status: s.PetitionListName = LIST_NAME,
    q: str = Query("", max_length=200, description="Words in the title or text"),
    limit: int = Query(20, ge=1, le=100),
    offset: int = Query(0, ge=0, le=1_000_000),
):
    """Public petitions in one of the public lists, with their live signature counts."""
    qs = petition_selectors.public_petitions(list_name=status, q=q)
    page = list(qs[offset : offset + limit])
    counts = dict(
        SignatureCounter.objects.filter(petition__in=page)
        .values("petition_id")
        .annotate(total=Sum("count"))
        .values_list("petition_id", "total")
    )
    items = [petition_summary_out(p, counts.get(p.pk, 0)) for p in page]
    return {"count": qs.count(), "items": items}


@petitions_router.get(
    "/{id}",
    auth=optional_bearer,
    openapi_extra=TOKEN_OPTIONAL,
    response={200: s.PetitionOut, 400: s.ErrorOut, 401: s.DetailOut, 404: s.DetailOut},
)
def petition_detail(request, id: int = Path(..., description="The petition's number")):
    """A public petition with its live count, thresholds, answer or rejection. One not yet
    public is shown only to its author, moderators and the competent agency (with a token)."""
    return petition_out(_petition_visible(request, id), request.auth)


@petitions_router.get(
    "/{id}/regions",
    auth=optional_bearer,
    openapi_extra=TOKEN_OPTIONAL,
    response={200: s.PetitionRegionsOut, 400: s.ErrorOut, 401: s.DetailOut, 404: s.DetailOut},
)
def petition_regions(request, id: int = Path(..., description="The petition's number")):
    """Valid signatures by 시도 (every 시도 listed, zero included)."""
    rows, unknown = petition_selectors.signatures_by_region(_petition_visible(request, id))
    items = [
        {"code": r["region"].code, "name": r["region"].name, "count": r["count"]} for r in rows
    ]
    return {"items": items, "unknown": unknown}


@petitions_router.post(
    "/{id}/signatures",
    auth=None,  # the token, if any, is checked by the surge path itself (one statement)
    openapi_extra=TOKEN_OPTIONAL,
    response={
        201: s.SignedOut,
        202: s.ConfirmationSentOut,
        400: s.ErrorOut,
        401: s.DetailOut,
        404: s.DetailOut,
        409: s.ErrorOut | s.DetailOut,
        429: s.DetailOut,
    },
)
def petition_signature_add(
    request,
    id: int = Path(..., description="The petition's number"),
    payload: s.SignatureIn | None = None,
):
    """Sign. With a citizen's token: counted at once (201; 409 if that person already signed).
    Without one: name, e-mail and region; a confirmation link is mailed and the signature counts
    when its owner presses Confirm on the page it opens (202). While a link mailed for this
    petition still works, or once the address had its daily share of links, no new mail is sent
    (the answer is the same 202)."""
    if not 1 <= id <= MAX_ID:
        raise Http404
    header = request.headers.get("Authorization", "").strip()
    if header:
        return _sign_with_token(request, id, header)
    request.auth = AnonymousUser()
    petition = petition_selectors.public_petition(id)  # what an anonymous signer may see
    payload = payload or s.SignatureIn()
    if not petition_abuse.sign_allowed(request, petition.pk, payload.email):
        return HttpStatus(429, {"detail": _("Too many attempts. Try again later.")})
    if not petition.is_signable():
        raise petition_services.NotSignable()
    signing.petition_sign_by_email(
        petition=petition,
        name=payload.name,
        email=payload.email,
        region=_signer_region(payload),
        notify_answer=payload.notify,
        ip=ratelimit.client_ip(request),
        language=get_language() or "",
    )  # None when refused quietly: the answer is the same
    return HttpStatus(202, {"status": "confirmation_sent"})


def _sign_with_token(request, petition_id: int, header: str):
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise AuthenticationError()
    result = fastpath.sign_with_token(raw.strip(), petition_id, ratelimit.client_ip(request))
    if result.outcome == fastpath.LIMITED:
        return HttpStatus(429, {"detail": _("Too many attempts. Try again later.")})
    if result.outcome == fastpath.SIGNED:
        return HttpStatus(201, {"signature_count": result.count, "signed": True})
    if result.outcome == fastpath.ALREADY:
        return HttpStatus(409, _errors({"petition": [_("You already signed this petition.")]}))
    if result.outcome == fastpath.NOT_SIGNABLE:
        raise petition_services.NotSignable()
    if result.outcome == fastpath.NOT_FOUND:
        raise Http404
    raise AuthenticationError()


def _signer_region(payload: s.SignatureIn) -> Region:
    """Check the e-mail signer's fields all at once; the service checks them again."""
    errors = {}
    if not payload.name:
        errors["name"] = [_("Enter your name.")]
    try:
        validate_email(payload.email)
    except DjangoValidationError:
        errors["email"] = [_("Enter a valid e-mail address.")]
    region = None
    if not payload.region:
        errors["region"] = [_("Choose your region.")]
    elif not (payload.region.isdigit() and len(payload.region) in (2, 5)):
        errors["region"] = [_("Unknown region.")]
    else:
        region = Region.objects.filter(code=payload.region).first()
        if region is None:
            errors["region"] = [_("Unknown region.")]
    if errors:
        raise DjangoValidationError(errors)
    return region
