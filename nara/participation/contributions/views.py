"""“Have Your Say” pages: the call's published contributions, the form (with its draft kept on the
server), the preview, the final submit and its receipt, a contribution's page and pictures, the
guidelines, and the author's own contributions."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.core.access import citizen_required, public
from nara.core.confirm import confirm_page
from nara.core.errors import NotAllowed
from nara.core.forms import apply_service_errors
from nara.participation.models import Action
from nara.participation.policies import refusal
from nara.participation.selectors import published_process

from . import selectors, services
from .credit import credit_line
from .forms import ContributionForm, initial_from_draft
from .models import IMAGES_MAX, ContributionDraft

PAGE_SIZE = 20
VARIANTS = ("full", "thumb")


def _picture_items(images, url_for) -> list[dict]:
    return [
        {
            "full": url_for(image, "full"),
            "thumb": url_for(image, "thumb"),
            "width": image.width,
            "height": image.height,
            "thumb_width": image.thumb_width,
            "thumb_height": image.thumb_height,
            "caption": image.caption,
            "alt": getattr(image, "alt", "")
            or image.caption
            or _("Picture %(n)d of the contribution") % {"n": n},
        }
        for n, image in enumerate(images, start=1)
    ]


def _published_url(image, variant):
    return reverse("contributions:image", args=[image.pk, variant])


def _draft_url_for(draft):
    def url(image, variant):
        return reverse("contributions:draft_image", args=[draft.token, image.key, variant])

    return url


def _refused(request, process, reason, status=403):
    return render(
        request,
        "participation/contributions/refused.html",
        {"process": process, "reason": reason},
        status=status,
    )


# --- public pages -------------------------------------------------------------------------------


@public
@require_GET
def guidelines(request):
    return render(request, "participation/contributions/guidelines.html")


@public
@require_GET
def process_contributions(request, slug):
    """A call for contributions: what it asks, how to take part, the published contributions."""
    process = published_process(slug)
    page = Paginator(selectors.published_contributions(process), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    items = [
        {"contribution": c, "pictures": _picture_items(c.images.all(), _published_url)}
        for c in page.object_list
    ]
    user = request.user
    reason = refusal(user, process, Action.CONTRIBUTE)
    return render(
        request,
        "participation/contributions/list.html",
        {
            "process": process,
            "page": page,
            "items": items,
            "can_contribute": reason is None,
            "reason": reason,
            "anonymous": not user.is_authenticated,
        },
    )


@public
@require_GET
def detail(request, pk):
    """A contribution: public once published; its author (and moderators) see it before, with
    its status and the moderator's reason."""
    contribution = selectors.visible_contribution(request.user, pk)
    user = request.user
    is_author = user.is_authenticated and user.pk == contribution.author_id
    response = render(
        request,
        "participation/contributions/detail.html",
        {
            "contribution": contribution,
            "process": contribution.process,
            "pictures": _picture_items(contribution.images.all(), _published_url),
            "is_author": is_author,
        },
    )
    if not contribution.is_public:
        response["Cache-Control"] = "private, no-store"
    return response


def _serve(name: str, content_type: str, cache: str) -> FileResponse:
    try:
        handle = default_storage.open(name, "rb")
    except (OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = cache
    return response


@public
@require_GET
def image(request, pk, variant):
    if variant not in VARIANTS:
        raise Http404
    picture = selectors.visible_image(request.user, pk)
    name = picture.image.name if variant == "full" else picture.thumbnail.name
    cache = "public, max-age=3600" if picture.contribution.is_public else "private, no-store"
    return _serve(name, picture.content_type, cache)


# --- writing: form → preview → submit -----------------------------------------------------------


def _render_form(request, form, process, draft, status=200):
    if form.is_bound:
        form.describe_errors()
    return render(
        request,
        "participation/contributions/form.html",
        {
            "form": form,
            "process": process,
            "draft": draft,
            "slots": form.slots(),
            "images_max": IMAGES_MAX,
            "draft_image_url": _draft_url_for(draft) if draft else None,
            "action": reverse("contributions:edit", args=[draft.token])
            if draft
            else reverse("contributions:new", args=[process.slug]),
        },
        status=status,
    )


def _handle_post(request, process, draft: ContributionDraft | None):
    """Check the form; save into the draft whatever is good (text as typed, accepted pictures)
    even when something is wrong; show the preview when all is well."""
    form = ContributionForm(request.POST, request.FILES, draft=draft)
    form.is_valid()
    try:
        draft = services.draft_save(
            user=request.user, process=process, data=form.draft_input(), draft=draft
        )
    except NotAllowed as error:
        return _refused(request, process, error.message)
    draft = selectors.own_draft(request.user, draft.token)
    form.draft = draft
    if form.errors:
        return _render_form(request, form, process, draft, status=400)
    return redirect("contributions:preview", draft.token)


@citizen_required
@require_http_methods(["GET", "POST"])
def new(request, slug):
    """Start a contribution. A draft kept from earlier is opened instead."""
    process = published_process(slug)
    reason = refusal(request.user, process, Action.CONTRIBUTE)
    if reason is not None:
        return _refused(request, process, reason)
    draft = selectors.live_draft(request.user, process)
    if draft is not None:
        if request.method == "POST":
            return _handle_post(request, process, draft)
        return redirect("contributions:edit", draft.token)
    if request.method == "POST":
        return _handle_post(request, process, None)
    return _render_form(request, ContributionForm(), process, None)


@citizen_required
@require_http_methods(["GET", "POST"])
def edit(request, token):
    """Edit one's draft: everything, pictures included (remove, replace, add, captions)."""
    draft = selectors.own_draft(request.user, token)
    process = draft.process
    reason = refusal(request.user, process, Action.CONTRIBUTE)
    if reason is not None:
        return _refused(request, process, reason)
    if request.method == "POST":
        return _handle_post(request, process, draft)
    form = ContributionForm(initial=initial_from_draft(draft), draft=draft)
    return _render_form(request, form, process, draft)


@citizen_required
@require_GET
def preview(request, token):
    """The contribution as it will appear, with Edit and Submit."""
    draft = selectors.own_draft(request.user, token)
    if not draft.ready:
        return redirect("contributions:edit", draft.token)
    response = render(
        request,
        "participation/contributions/preview.html",
        {
            "draft": draft,
            "process": draft.process,
            "pictures": _picture_items(draft.images.all(), _draft_url_for(draft)),
            "credit": credit_line(draft.credit_name, draft.credit_location),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_required
@require_POST
def submit(request, token):
    """The final submit: creates the contribution once, however many times it is sent."""
    try:
        contribution = services.contribution_submit(user=request.user, token=token)
    except ContributionDraft.DoesNotExist:
        raise Http404 from None
    except services.DraftExpired as error:
        return _refused(request, error.process, error.message, status=410)
    except NotAllowed as error:
        draft = selectors.own_draft(request.user, token)
        return _refused(request, draft.process, error.message)
    except ValidationError as error:
        draft = selectors.own_draft(request.user, token)
        data = {**initial_from_draft(draft), "consent": "on" if draft.consent else ""}
        form = ContributionForm(data, {}, draft=draft)
        form.is_valid()
        apply_service_errors(form, error)
        return _render_form(request, form, draft.process, draft, status=400)
    return redirect("contributions:receipt", contribution.pk)


@citizen_required
@require_http_methods(["GET", "POST"])
def discard(request, token):
    draft = selectors.own_draft(request.user, token)
    slug = draft.process.slug
    if request.method != "POST":
        return confirm_page(
            request,
            question=_("Delete your draft?"),
            consequence=_(
                "What you wrote and the pictures you added are deleted, and you start again "
                "with an empty form. This cannot be undone."
            ),
            facts=[(_("Title"), draft.title or _("(no title yet)"))],
            button=_("Yes, delete the draft"),
            cancel=_("No, back to my draft"),
            back_url=reverse("contributions:edit", args=[draft.token]),
        )
    services.draft_discard(user=request.user, token=draft.token)
    messages.info(request, pgettext("contribution", "Your draft was deleted."))
    return redirect("contributions:process", slug)


@citizen_required
@require_GET
def draft_image(request, token, key, variant):
    """A picture of one's own draft (others: 404)."""
    if variant not in VARIANTS:
        raise Http404
    draft = selectors.own_draft(request.user, token)
    picture = next((i for i in draft.images.all() if i.key == key), None)
    if picture is None:
        raise Http404
    name = picture.image if variant == "full" else picture.thumbnail
    return _serve(name, picture.content_type, "private, no-store")


@citizen_required
@require_GET
def receipt(request, pk):
    """The receipt after the final submit: the receipt number and what happens next."""
    contribution = selectors.visible_contribution(request.user, pk)
    if contribution.author_id != request.user.pk:
        raise Http404
    response = render(
        request,
        "participation/contributions/receipt.html",
        {"contribution": contribution, "process": contribution.process},
    )
    response["Cache-Control"] = "private, no-store"
    return response


@citizen_required
@require_GET
def mine(request):
    """The author's contributions with their status and the moderator's reason, and drafts."""
    return render(
        request,
        "participation/contributions/mine.html",
        {
            "contributions": list(selectors.own_contributions(request.user)[:200]),
            "drafts": list(selectors.own_drafts(request.user)[:50]),
        },
    )
