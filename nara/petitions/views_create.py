"""Writing a petition (write → similar petitions → preview → submit), its share link and early
supporters, withdrawal, and the citizen's own petitions."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.agencies.models import Category
from nara.core import ratelimit
from nara.core.access import citizen_required, public
from nara.core.confirm import confirm_page
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, clean_form_token, new_form_token
from nara.core.uploads import CleanFile

from . import selectors, services
from .clock import DRAFT_DIR
from .forms import PetitionForm
from .models import (
    Petition,
    Signature,
    Status,
    Supporter,
)
from .transitions import Action, can_transition
from .views import (
    _confirm_email_first,
    _detail_url,
    _error_text,
    _image_items,
    _progress,
    _serve_image,
    _share_url,
)

S = Status
DRAFT_KEY = "petition_draft"

# --- writing a petition: write → similar petitions → preview → submit ------------------------------


def _draft(request) -> dict | None:
    draft = request.session.get(DRAFT_KEY)
    return draft if isinstance(draft, dict) else None


def _new_draft() -> dict:
    return {
        "token": new_form_token(),
        "title": "",
        "body": "",
        "category": None,
        "links": [],
        "images": [],
        "checked": False,
    }


def _save_draft(request, draft: dict) -> None:
    request.session[DRAFT_KEY] = draft
    request.session.modified = True


def _store_draft_image(request, item: CleanFile) -> dict:
    key = secrets.token_hex(8)
    extension = ".png" if item.content_type == "image/png" else ".jpg"
    path = default_storage.save(
        f"{DRAFT_DIR}/{request.user.pk}/{key}{extension}", ContentFile(item.data)
    )
    return {"key": key, "path": path, "name": item.name, "content_type": item.content_type}


def _delete_draft_images(images) -> None:
    for item in images:
        try:
            default_storage.delete(item["path"])
        except (OSError, KeyError, TypeError):
            pass


def _initial(draft: dict) -> dict:
    initial = {"title": draft["title"], "body": draft["body"], "category": draft["category"]}
    for n, link in enumerate(draft["links"], start=1):
        initial[f"link{n}"] = link
    return initial


def _render_write(request, form, draft, status=200):
    return render(
        request,
        "petitions/create_write.html",
        {
            "form": form,
            "draft": draft,
            "draft_images": draft["images"],
            "images_max": services.IMAGES_MAX,
            "queue_is_long": selectors.moderation_queue_is_long(),
        },
        status=status,
    )


@citizen_required
@require_http_methods(["GET", "POST"])
def create(request):
    """Write a petition (step 1). Everything is kept on the server between the steps: the text
    in the session, already uploaded images (checked and re-encoded) in a draft store."""
    if not request.user.email_confirmed:
        return _confirm_email_first(request, status=403 if request.method == "POST" else 200)
    draft = _draft(request) or _new_draft()
    if request.method != "POST":
        form = PetitionForm(initial=_initial(draft), draft_images=draft["images"])
        return _render_write(request, form, draft)

    form = PetitionForm(request.POST, request.FILES, draft_images=draft["images"])
    valid = form.is_valid()
    # removals and good new images are kept whatever else is wrong with the form
    removed = form.removed_keys()
    _delete_draft_images([i for i in draft["images"] if i["key"] in removed])
    draft["images"] = [i for i in draft["images"] if i["key"] not in removed]
    draft["images"] += [_store_draft_image(request, item) for item in form.good_images]
    if valid:
        data = form.cleaned_data
        draft.update(
            title=data["title"],
            body=data["body"],
            category=data["category"].pk if data["category"] else None,
            links=data["links"],
            checked=True,
        )
    _save_draft(request, draft)
    if not valid:
        return _render_write(request, form, draft, status=400)
    return redirect("petitions:create_similar")


def _checked_draft(request) -> dict | None:
    draft = _draft(request)
    return draft if draft and draft.get("checked") else None


@citizen_required
@require_GET
def create_similar(request):
    """Step 2: petitions like this one already exist? The citizen may sign one instead."""
    draft = _checked_draft(request)
    if draft is None:
        return redirect("petitions:create")
    similar = selectors.similar_petitions(draft["title"], draft["body"])
    return render(request, "petitions/create_similar.html", {"draft": draft, "similar": similar})


def _preview_petition(draft: dict) -> dict:
    category = Category.objects.filter(pk=draft["category"]).first() if draft["category"] else None
    return {
        "title": draft["title"],
        "body": draft["body"],
        "category": category,
        "links": draft["links"],
    }


@citizen_required
@require_GET
def create_preview(request):
    """Step 3: the petition as it will appear, with Edit and Submit."""
    draft = _checked_draft(request)
    if draft is None:
        return redirect("petitions:create")
    return _render_preview(request, draft)


def _render_preview(request, draft, status=200):
    images = [
        {"url": reverse("petitions:draft_image", args=[i["key"]]), "name": i["name"]}
        for i in draft["images"]
    ]
    return render(
        request,
        "petitions/create_preview.html",
        {
            "draft": draft,
            "petition": _preview_petition(draft),
            "preview_images": images,
            "petition_type": services.default_type(),
        },
        status=status,
    )


def _read_draft_images(draft) -> list[CleanFile] | None:
    images = []
    for item in draft["images"]:
        try:
            with default_storage.open(item["path"], "rb") as handle:
                data = handle.read()
        except (OSError, KeyError, TypeError):
            return None
        images.append(CleanFile(name=item["name"], content_type=item["content_type"], data=data))
    return images


@citizen_required
@require_POST
def create_submit(request):
    """Submit: the petition is created once, whatever the number of clicks (the draft's token
    is the idempotency key)."""
    user = request.user
    if not user.email_confirmed:
        return _confirm_email_first(request, status=403)
    token = clean_form_token(request.POST.get("token"))
    key = f"web:{token}" if token else ""
    if key and (earlier := Petition.objects.filter(author=user, idempotency_key=key).first()):
        return redirect(_detail_url(earlier))
    draft = _checked_draft(request)
    if draft is None or draft["token"] != token:
        messages.error(request, _("Your draft was not found. Please check it and submit again."))
        return redirect("petitions:create")
    if not ratelimit.hit("petition_create", str(user.pk)):
        messages.error(
            request,
            _("You have created many petitions in a short time. Please try again later."),
        )
        return _render_preview(request, draft, status=429)
    images = _read_draft_images(draft)
    if images is None:
        if earlier := Petition.objects.filter(author=user, idempotency_key=key).first():
            return redirect(_detail_url(earlier))  # a simultaneous click already created it
        draft["images"] = [
            i for i in draft["images"] if default_storage.exists(i.get("path", "") or "-")
        ]
        draft["checked"] = False
        _save_draft(request, draft)
        messages.error(request, _("An image was lost. Please check your images and try again."))
        return redirect("petitions:create")
    category = Category.objects.filter(pk=draft["category"]).first() if draft["category"] else None
    try:
        petition = services.petition_create(
            author=user,
            title=draft["title"],
            body=draft["body"],
            category=category,
            links=draft["links"],
            images=images,
            idempotency_key=key,
        )
    except ValidationError as error:
        form = PetitionForm(
            {**_initial(draft), "category": draft["category"] or ""},
            draft_images=draft["images"],
        )
        form.is_valid()
        apply_service_errors(form, error)
        return _render_write(request, form, draft, status=400)
    except NotAllowed:
        raise PermissionDenied from None
    request.session.pop(DRAFT_KEY, None)
    _delete_draft_images(draft["images"])
    kind = petition.type
    messages.success(
        request,
        _(
            "Your petition was created. Share its link: when %(n)d people support it by "
            "%(date)s, moderators review it and open it for signatures."
        )
        % {
            "n": kind.supporters_needed,
            "date": timezone.localtime(petition.support_deadline).strftime("%Y-%m-%d"),
        },
    )
    return redirect(_detail_url(petition))


@citizen_required
@require_http_methods(["GET", "POST"])
def create_discard(request):
    """Throw the draft away (text and images) and start again, once the citizen confirms."""
    draft = _draft(request)
    if request.method != "POST" and not draft:
        return redirect("petitions:create")  # nothing to delete
    if request.method != "POST":
        return confirm_page(
            request,
            question=_("Delete your draft petition?"),
            consequence=_(
                "What you wrote and the images you added are deleted, and you start again "
                "with an empty form. This cannot be undone."
            ),
            facts=[(_("Title"), (draft or {}).get("title") or _("(no title yet)"))],
            button=_("Yes, delete the draft"),
            cancel=_("No, back to my draft"),
            back_url=reverse("petitions:create"),
        )
    if draft:
        _delete_draft_images(draft.get("images") or [])
    request.session.pop(DRAFT_KEY, None)
    messages.info(request, pgettext("petition", "Your draft was deleted."))
    return redirect("petitions:create")


@citizen_required
@require_GET
def draft_image(request, key):
    """An image of the citizen's own draft (for the form and the preview)."""
    draft = _draft(request) or {}
    item = next((i for i in draft.get("images") or [] if i.get("key") == key), None)
    if item is None:
        raise Http404
    try:
        handle = default_storage.open(item["path"], "rb")
    except (OSError, KeyError):
        raise Http404 from None
    response = FileResponse(handle, content_type=item["content_type"])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- before it opens: the share link, supporters, withdrawal ---------------------------------------


@public
@require_GET
def share(request, token):
    """The share link: while the petition gathers early supporters (사전동의), anyone with the
    link sees it and signed-in citizens may support it."""
    petition = selectors.by_share_token(token)
    if petition.is_public:
        return redirect(_detail_url(petition))
    user = request.user
    is_author = user.is_authenticated and user.pk == petition.author_id
    supported = (
        user.is_authenticated and Supporter.objects.filter(petition=petition, user=user).exists()
    )
    shown = petition.status in (S.GATHERING, S.REVIEW) or selectors.can_see_unpublished(
        user, petition
    )
    response = render(
        request,
        "petitions/share.html",
        {
            "petition": petition,
            "shown": shown,
            "images": _image_items(petition, via_share=True) if shown else [],
            "supporters": _progress(petition.supporter_count, petition.type.supporters_needed),
            "is_author": is_author,
            "supported": supported,
            "can_support": petition.status == S.GATHERING and not is_author and not supported,
            "can_withdraw": is_author and can_transition(petition.status, Action.WITHDRAW),
        },
    )
    response["Cache-Control"] = "private, no-store"
    return response


@public
@require_GET
def share_image(request, token, image_id):
    petition = selectors.by_share_token(token)
    if petition.status not in (S.GATHERING, S.REVIEW) and not selectors.text_is_public(
        request.user, petition
    ):
        raise Http404
    return _serve_image(petition, image_id)


@citizen_required
@require_POST
def support(request, token):
    """Support a petition that gathers supporters (once; not one's own)."""
    petition = selectors.by_share_token(token)
    if not request.user.email_confirmed:
        return _confirm_email_first(request, status=403)
    try:
        services.petition_support(petition=petition, by=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    except InvalidTransition:
        messages.error(request, _("This petition is no longer gathering supporters."))
    except NotAllowed:
        raise PermissionDenied from None
    else:
        messages.success(request, _("Thank you for supporting this petition."))
    return redirect(_share_url(petition))


@citizen_required
@require_http_methods(["GET", "POST"])
def withdraw(request, pk):
    """The author takes the petition back before it opens: a confirmation page, then the
    action."""
    petition = selectors.visible_petition(request.user, pk)
    if petition.author_id != request.user.pk:
        raise PermissionDenied
    if not can_transition(petition.status, Action.WITHDRAW):
        messages.error(request, _("This petition can no longer be withdrawn."))
        return redirect(_detail_url(petition))
    if request.method != "POST":
        return render(request, "petitions/withdraw_confirm.html", {"petition": petition})
    try:
        services.petition_withdraw(petition=petition, by=request.user)
    except InvalidTransition:
        messages.error(request, _("This petition can no longer be withdrawn."))
    except NotAllowed:
        raise PermissionDenied from None
    else:
        messages.success(request, _("Your petition was withdrawn."))
    return redirect(_detail_url(petition))


# --- the citizen's own petitions -------------------------------------------------------------------


@citizen_required
@require_GET
def mine(request):
    """Petitions the citizen wrote (with their status) and signed."""
    user = request.user
    written = (
        Petition.objects.filter(author=user).select_related("type").order_by("-created_at", "-id")
    )
    signed = (
        Signature.objects.filter(user=user, valid=True)  # signed while signed in
        .select_related("petition")
        .order_by("-created_at", "-id")
    )
    return render(
        request,
        "petitions/mine.html",
        {
            "written": list(written[:200]),
            "signed": list(signed[:200]),
            "has_draft": bool(_draft(request)),
        },
    )
