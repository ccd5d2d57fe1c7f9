"""The moderators' pages (청원 심사): the review queue, one petition with its decision forms,
the open petitions and the bulk invalidation of signatures, and the published guidelines.

Thin views: a form parses the input, a service decides and writes, errors become responses."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Sum
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.agencies.selectors import route
from nara.audit.models import AuditEvent, EventType
from nara.core.access import moderator_required, public
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors

from . import invalidation, selectors, services, signing
from .forms_moderation import InvalidateForm, OpenForm, RejectForm, matching_signatures
from .models import (
    SIGNABLE_STATUSES,
    Petition,
    RejectionReason,
    SignatureCounter,
    SignatureInvalidation,
    Status,
)
from .transitions import Action, can_transition

PAGE_SIZE = 25
IMAGE_TYPES = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png"}
# statuses in which signatures may still be invalidated (the count matters until the answer)
INVALIDATABLE = (*SIGNABLE_STATUSES, Status.CLOSED)
# the moderators' history of a petition leaves out the individual early supporters
QUIET_EVENTS = (EventType.PETITION_SUPPORTED, EventType.PETITION_SIGNATURE_REFUSED)

GUIDELINES = {
    RejectionReason.DUPLICATE: _(
        "The petition asks for the same thing as a petition already published. It is rejected "
        "with a link to the original, which can be signed instead."
    ),
    RejectionReason.PERSONAL_DATA: _(
        "The petition names or identifies private persons, or shows their contact details, "
        "identification numbers or images."
    ),
    RejectionReason.DEFAMATION: _(
        "The petition insults, threatens or makes unproven accusations against a person or a "
        "group, or incites hatred."
    ),
    RejectionReason.OUT_OF_SCOPE: _(
        "The government cannot act on it: a court case in progress, a private dispute, or a "
        "matter of another country or of a private company alone."
    ),
    RejectionReason.UNCLEAR: _(
        "The petition does not say what the government should do, so it cannot be answered."
    ),
    RejectionReason.OTHER: _(
        "Another breach of these guidelines, such as advertising, spam or false information; "
        "the explanation says which."
    ),
}


# --- lists -----------------------------------------------------------------------------------


@moderator_required
@require_GET
def queue(request):
    """Petitions in review, oldest first, with their moderation target."""
    petitions = selectors.moderation_queue().select_related("type")
    page = Paginator(petitions, PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    overdue = Petition.objects.filter(status=Status.REVIEW, review_due_at__lt=now).count()
    return render(
        request,
        "petitions/moderation/queue.html",
        {
            "page": page,
            "now": now,
            "overdue": overdue,
            "queue_is_long": selectors.moderation_queue_is_long(),
        },
    )


@moderator_required
@require_GET
def open_list(request):
    """Petitions collecting signatures, with their live counts: the way to the signatures page."""
    petitions = (
        Petition.objects.filter(status__in=INVALIDATABLE)
        .exclude(opened_at=None)
        .annotate(live=Sum("counters__count"))
        .select_related("unit")
        .order_by("closes_at", "id")
    )
    page = Paginator(petitions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "petitions/moderation/open_list.html", {"page": page})


@public
@require_GET
def guidelines(request):
    """The published moderation guidelines: what may be rejected and why."""
    reasons = [
        {"value": value, "label": label, "text": GUIDELINES[value]}
        for value, label in RejectionReason.choices
    ]
    return render(request, "petitions/moderation/guidelines.html", {"reasons": reasons})


# --- one petition ------------------------------------------------------------------------------


def _history(petition: Petition) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(target_type="petitions.petition", target_id=str(petition.pk))
        .exclude(event_type__in=QUIET_EVENTS)
        .select_related("actor")
        .order_by("created_at", "id")
    )


def _detail_context(petition: Petition, bound: dict | None = None) -> dict:
    forms = {}
    routed = None
    if can_transition(petition.status, Action.OPEN):
        routed = route(category=petition.category, text=f"{petition.title}\n{petition.body}")
        unit_id = petition.unit_id or (routed.pk if routed else None)
        forms["open"] = OpenForm(prefix="open", initial={"unit": unit_id})
    if can_transition(petition.status, Action.REJECT):
        forms["reject"] = RejectForm(prefix="reject")
    forms.update(bound or {})
    similar = [
        p for p in selectors.similar_petitions(petition.title, limit=6) if p.pk != petition.pk
    ][:5]
    counts = dict(
        SignatureCounter.objects.filter(petition_id__in=[p.pk for p in similar])
        .values("petition_id")
        .annotate(n=Sum("count"))
        .values_list("petition_id", "n")
    )
    for p in similar:
        p.live = counts.get(p.pk, 0)
    return {
        "petition": petition,
        "now": timezone.now(),
        "images": list(petition.images.all()),
        "similar": similar,
        "routed": routed,
        "forms": forms,
        "count": selectors.live_count(petition),
        "history": _history(petition),
        "can_invalidate": petition.opened_at is not None,
    }


@moderator_required
@require_GET
def detail(request, pk):
    petition = selectors.petition_or_404(pk)
    return render(request, "petitions/moderation/detail.html", _detail_context(petition))


@moderator_required
@require_GET
def image(request, pk, image_id):
    """An image of the petition, for the moderator to check (re-encoded at upload)."""
    petition = selectors.petition_or_404(pk)
    item = petition.images.filter(pk=image_id).first()
    if item is None:
        raise Http404
    suffix = "." + item.file.name.rsplit(".", 1)[-1].lower() if "." in item.file.name else ""
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(
        handle, content_type=IMAGE_TYPES.get(suffix, "application/octet-stream")
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _decide(request, pk, name: str, form_class, run, done):
    """Run a moderation decision (open, reject) from its form; back to the petition."""
    petition = selectors.petition_or_404(pk)
    form = form_class(request.POST, prefix=name)
    if form.is_valid():
        try:
            run(petition, request.user, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        except NotAllowed as error:
            return _problem(request, petition, error.message, status=403)
        except InvalidTransition as error:
            return _problem(request, petition, error.message, status=409)
        else:
            messages.success(request, done)
            return redirect("moderation:detail", pk=petition.pk)
    context = _detail_context(petition, bound={name: form})
    context["failed_form"] = form
    return render(request, "petitions/moderation/detail.html", context, status=400)


@moderator_required
@require_POST
def open_petition(request, pk):
    return _decide(
        request,
        pk,
        "open",
        OpenForm,
        lambda p, by, d: services.petition_open(petition=p, by=by, unit=d["unit"]),
        _("The petition is open for signatures and its author was told."),
    )


@moderator_required
@require_POST
def reject(request, pk):
    return _decide(
        request,
        pk,
        "reject",
        RejectForm,
        lambda p, by, d: services.petition_reject(
            petition=p, by=by, reason=d["reason"], text=d["text"], duplicate_of=d["duplicate_of"]
        ),
        _("The petition was rejected; the reason is published and its author was told."),
    )


def _problem(request, petition, message, *, status):
    return render(
        request,
        "petitions/moderation/problem.html",
        {"petition": petition, "message": message, "status": status},
        status=status,
    )


# --- bulk invalidation of signatures -------------------------------------------------------------


@moderator_required
@require_http_methods(["GET", "POST"])
def signatures(request, pk):
    """Invalidate signatures in bulk: the filters, then a confirmation with the number they
    select, then the invalidation (audited by the service). The history below."""
    petition = selectors.petition_or_404(pk)
    if petition.opened_at is None:
        raise Http404  # no signatures before it opens
    may_invalidate = petition.status in INVALIDATABLE
    form = InvalidateForm(request.POST or None)
    preview = None
    status = 200
    if request.method == "POST":
        if not may_invalidate:
            return _problem(
                request,
                petition,
                _("Signatures of this petition can no longer be invalidated."),
                status=409,
            )
        if not form.is_valid():
            status = 400
        elif not form.cleaned_data["confirm"]:
            preview = matching_signatures(petition, **form.service_kwargs())
        else:
            try:
                record = invalidation.signatures_invalidate(
                    petition=petition, by=request.user, **form.service_kwargs()
                )
            except ValidationError as error:
                apply_service_errors(form, error)
                status = 400
            except NotAllowed as error:
                return _problem(request, petition, error.message, status=403)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(n)d signature was invalidated. The count is now %(count)d.",
                        "%(n)d signatures were invalidated. The count is now %(count)d.",
                        record.count,
                    )
                    % {"n": record.count, "count": signing.signature_count(petition.pk)},
                )
                return redirect("moderation:signatures", pk=petition.pk)
    history = (
        SignatureInvalidation.objects.filter(petition=petition)
        .select_related("by")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "petitions/moderation/signatures.html",
        {
            "petition": petition,
            "form": form,
            "preview": preview,
            "failed_form": form if status == 400 else None,
            "may_invalidate": may_invalidate,
            "count": signing.signature_count(petition.pk),
            "history": history,
        },
        status=status,
    )
