"""The public's and the citizens' petition pages (국민청원). Thin: forms → services → redirect.

Surges: anonymous visitors' list and petition pages are rendered once per
NARA_PUBLIC_CACHE_SECONDS for each URL and language and served from the cache; what differs per
visitor (the CSRF token, the signing form's timestamp) is a slot filled in on every response.
Signed-in users always get a fresh page. The live count is a tiny fragment cached for a second."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.cache import caches
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.core import ratelimit
from nara.core.access import citizen_required, public
from nara.core.csvexport import csv_response
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, page_number, query_param
from nara.core.pagecache import Moved, path_with, public_page, slot

from . import abuse, selectors, services, signing
from .forms import (
    SignatureForm,
    form_seconds,
    form_stamp,
)
from .models import (
    AnswerStatus,
    Petition,
    PetitionAnswer,
    SignatureCounter,
    Status,
)
from .transitions import Action, can_transition

S = Status
PAGE_SIZE = 20
COUNT_CACHE_SECONDS = 1
COUNT_POLL_SECONDS = 5
RETRY_AFTER_SECONDS = 60
IMAGE_TYPES = {".jpg": "image/jpeg", ".png": "image/png"}
# Filled in per response on cached pages (never a valid stamp itself).
STAMP_SLOT = slot("petition form stamp")

LIST_TABS = (
    ("open", pgettext_lazy("petition list", "Open")),
    ("popular", gettext_lazy("Popular")),
    ("recent", gettext_lazy("Recent")),
    ("awaiting", gettext_lazy("Awaiting answer")),
    ("answered", gettext_lazy("Answered")),
    ("closed", pgettext_lazy("petition list", "Closed")),
    ("rejected", gettext_lazy("Rejected")),
)

# The 시도 tile map: code -> (row, column) on a 4-column grid, roughly where they lie, and the
# short names that fit a tile (the table beside the map has the full names).
TILES = {
    "11": (1, 2, "서울", "Seoul"),
    "42": (1, 3, "강원", "Gangwon"),  # before 2023
    "51": (1, 3, "강원", "Gangwon"),
    "28": (2, 1, "인천", "Incheon"),
    "41": (2, 2, "경기", "Gyeonggi"),
    "43": (2, 3, "충북", "Chungbuk"),
    "47": (2, 4, "경북", "Gyeongbuk"),
    "44": (3, 1, "충남", "Chungnam"),
    "36": (3, 2, "세종", "Sejong"),
    "30": (3, 3, "대전", "Daejeon"),
    "27": (3, 4, "대구", "Daegu"),
    "45": (4, 1, "전북", "Jeonbuk"),  # before 2024
    "52": (4, 1, "전북", "Jeonbuk"),
    "48": (4, 3, "경남", "Gyeongnam"),
    "31": (4, 4, "울산", "Ulsan"),
    "29": (5, 1, "광주", "Gwangju"),
    "12": (5, 1, "전남광주", "Jeonnam-Gwangju"),
    "46": (5, 2, "전남", "Jeonnam"),
    "26": (5, 4, "부산", "Busan"),
    "50": (6, 1, "제주", "Jeju"),
}


# --- helpers ------------------------------------------------------------------------------------


def _detail_url(petition: Petition) -> str:
    return reverse("petitions:detail", args=[petition.pk])


def _share_url(petition: Petition) -> str:
    return reverse("petitions:share", args=[petition.share_token])


def _public_page(request, key: str, build):
    """A public page, cached for anonymous visitors (`nara.core.pagecache`), with the signing
    form's time stamp filled in per response."""
    return public_page(request, key=f"petitions:{key}", build=build, slots={STAMP_SLOT: form_stamp})


def _with_live_counts(petitions):
    """Each petition with `live_count`, the sum of its count shards (one subquery)."""
    shards = (
        SignatureCounter.objects.filter(petition=OuterRef("pk"))
        .order_by()
        .values("petition")
        .annotate(total=Sum("count"))
        .values("total")
    )
    return petitions.annotate(live_count=Coalesce(Subquery(shards), 0))


def _iso(moment) -> str:
    return timezone.localtime(moment).isoformat(timespec="seconds") if moment else ""


def _limited(request, petition: Petition):
    response = render(request, "petitions/limited.html", {"petition": petition}, status=429)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _not_signable(request, petition: Petition):
    messages.error(request, _("This petition is not open for signatures."))
    return redirect(_detail_url(petition))


def _confirm_email_first(request, status: int):
    return render(
        request,
        "petitions/confirm_email_first.html",
        {"resend_url": reverse("accounts:resend_confirmation")},
        status=status,
    )


def _error_text(error: ValidationError) -> str:
    return " ".join(str(m) for m in error.messages)


# --- the lists ----------------------------------------------------------------------------------


def _list_choice(request) -> tuple[str, str]:
    list_name = query_param(request, "list", 20)
    if list_name not in selectors.LISTS:
        list_name = "open"
    return list_name, query_param(request, "q", 200)


@public
@require_GET
def petition_list(request):
    """Open, popular, recent, awaiting an answer, answered, closed and rejected petitions,
    with a search in Korean and English."""
    list_name, q = _list_choice(request)
    number = page_number(request)
    shown_list = "" if list_name == "open" else list_name  # the default needs no parameter

    def build():
        petitions = _with_live_counts(selectors.public_petitions(list_name=list_name, q=q))
        page = Paginator(petitions, PAGE_SIZE).get_page(number)
        filters = {k: v for k, v in (("list", shown_list), ("q", q)) if v}
        if page.number != number:  # past the last page: one URL, one cached copy
            query = urlencode({**filters, "page": page.number} if page.number > 1 else filters)
            raise Moved(path_with(request.path, query))
        return "petitions/list.html", {
            "page": page,
            "list_name": list_name,
            "q": q,
            "tabs": LIST_TABS,
            "query": urlencode(filters),
            "tab_query": urlencode({"q": q}) if q else "",
            "export_query": urlencode(filters),
            "queue_is_long": selectors.moderation_queue_is_long(),
        }

    shown_page = str(number) if number > 1 else ""  # ?page=1, =01, =0, =abc: the first page
    canonical = urlencode(
        {k: v for k, v in (("list", shown_list), ("q", q), ("page", shown_page)) if v}
    )
    if request.META.get("QUERY_STRING", "") != canonical:
        # one cached copy per list, search and page, whatever else a URL carries
        return redirect(path_with(request.path, canonical))
    return _public_page(request, request.get_full_path(), build)


@public
@require_GET
def export_csv(request):
    """The current list as CSV: public fields only."""
    list_name, q = _list_choice(request)
    petitions = _with_live_counts(selectors.public_petitions(list_name=list_name, q=q))

    def rows():
        for p in petitions.iterator(chunk_size=500):
            yield [
                p.pk,
                p.title,
                p.status,
                p.category.name if p.category else "",
                p.unit.name if p.unit else "",
                p.live_count,
                _iso(p.opened_at),
                _iso(p.closes_at),
                _iso(p.answer_due_at),
                _iso(p.answered_at),
                f"{settings.SITE_URL}{_detail_url(p)}",
            ]

    header = [
        "id",
        "title",
        "status",
        "category",
        "agency",
        "signatures",
        "opened_at",
        "closes_at",
        "answer_due_at",
        "answered_at",
        "url",
    ]
    return csv_response(f"petitions-{list_name}.csv", header, rows())


# --- a petition's page --------------------------------------------------------------------------


def _progress(count: int, target: int) -> dict:
    return {
        "count": count,
        "target": target,
        "percent": min(100, int(count * 100 / target)) if target else 100,
        "reached": count >= target,
    }


def _image_items(petition: Petition, *, via_share: bool = False) -> list[dict]:
    items = []
    for item in petition.images.all():
        if via_share:
            url = reverse("petitions:share_image", args=[petition.share_token, item.pk])
        else:
            url = reverse("petitions:image", args=[petition.pk, item.pk])
        items.append({"url": url, "alt": item.alt})
    return items


def _region_rows(petition: Petition) -> tuple[list[dict], int, float]:
    """Signatures per 시도 (largest first) with their percentage, the number without a region
    and its percentage."""
    if petition.opened_at is None:
        return [], 0, 0.0
    rows, unknown = selectors.signatures_by_region(petition)
    total = sum(r["count"] for r in rows) + unknown
    rows = [{**r, "percent": r["count"] * 100 / total if total else 0.0} for r in rows]
    return rows, unknown, unknown * 100 / total if total else 0.0


def _tiles(rows: list[dict]) -> list[dict]:
    """The tile map: each 시도 at its place, shaded 0–5 by its share (relative to the largest).
    A 시도 the map does not know yet is shown after the others."""
    top = max((r["count"] for r in rows), default=0)
    english = get_language() == "en"
    tiles = []
    for row in sorted(rows, key=lambda r: r["region"].code):
        region = row["region"]
        level = 0 if not row["count"] else max(1, round(row["count"] * 5 / top))
        row_no, column, short_ko, short_en = TILES.get(region.code, (0, 0, "", ""))
        tiles.append(
            {
                **row,
                "level": level,
                "position": (row_no, column) if row_no else None,
                "label": (short_en if english else short_ko) or region.name,
            }
        )
    return tiles


def _published_answer(petition: Petition) -> PetitionAnswer | None:
    return PetitionAnswer.objects.filter(petition=petition, status=AnswerStatus.PUBLISHED).first()


def _detail_context(request, petition: Petition) -> dict:
    user = request.user
    signed_in = user.is_authenticated
    is_author = signed_in and user.pk == petition.author_id
    kind = petition.type
    count = selectors.live_count(petition)
    regions, unknown, unknown_percent = _region_rows(petition)
    signable = petition.is_signable()
    show_text = selectors.text_is_public(user, petition)
    context = {
        "petition": petition,
        "show_text": show_text,
        "image_items": _image_items(petition) if show_text else [],
        "count": count,
        "poll": signable,
        "poll_seconds": COUNT_POLL_SECONDS,
        "refer": _progress(count, kind.refer_threshold),
        "answer_progress": _progress(count, kind.answer_threshold),
        "supporters": _progress(petition.supporter_count, kind.supporters_needed),
        "answer": _published_answer(petition) if petition.status == S.ANSWERED else None,
        "regions": regions,
        "regions_unknown": unknown,
        "unknown_percent": unknown_percent,
        "tiles": _tiles(regions),
        "is_author": is_author,
        "share_link": f"{settings.SITE_URL}{_share_url(petition)}" if is_author else "",
        "can_withdraw": is_author and can_transition(petition.status, Action.WITHDRAW),
        "signable": signable,
        "signed": signable and selectors.has_signed(user, petition),
        "sign_form": SignatureForm(initial={"stamp": STAMP_SLOT})
        if signable and not signed_in
        else None,
        "duplicate_of": petition.duplicate_of
        if petition.duplicate_of and petition.duplicate_of.is_public
        else None,
    }
    return context


@public
@require_GET
def detail(request, pk):
    """A petition's page: public petitions to anyone; unpublished ones to their author,
    moderators and the competent agency (others: 404)."""

    def build():
        petition = selectors.visible_petition(request.user, pk)
        return "petitions/detail.html", _detail_context(request, petition)

    if request.META.get("QUERY_STRING") and not request.user.is_authenticated:
        return redirect(request.path)  # the page takes no parameters: one cached copy
    return _public_page(request, request.path, build)


@public
@require_GET
def count(request, pk):
    """The live count (an htmx fragment polled by the petition's page), cached a second."""
    cache_key = f"petitions:count:{get_language()}:{int(pk)}"
    html = caches["pages"].get(cache_key)
    if html is None:
        petition = selectors.visible_petition(request.user, pk)
        html = render_to_string(
            "petitions/_count.html", {"count": selectors.live_count(petition)}, request
        )
        if petition.is_public:
            caches["pages"].set(cache_key, html, COUNT_CACHE_SECONDS)
    response = HttpResponse(html)
    response["Cache-Control"] = "no-cache"
    return response


@public
@require_GET
def regions_csv(request, pk):
    """Signatures by 시도 as CSV."""
    petition = selectors.visible_petition(request.user, pk)
    rows, unknown = selectors.signatures_by_region(petition) if petition.opened_at else ([], 0)
    total = sum(r["count"] for r in rows) + unknown
    lines = [
        [
            r["region"].code,
            r["region"].name_ko,
            r["region"].name_en,
            r["count"],
            f"{r['count'] / total:.4f}" if total else "0",
        ]
        for r in sorted(rows, key=lambda r: r["region"].code)
    ]
    lines.append(["", "미상", "Unknown", unknown, f"{unknown / total:.4f}" if total else "0"])
    header = ["code", "name_ko", "name_en", "signatures", "share"]
    return csv_response(f"petition-{petition.pk}-regions.csv", header, lines)


@public
@require_GET
def image(request, pk, image_id):
    petition = selectors.visible_petition(request.user, pk)
    if not selectors.text_is_public(request.user, petition):
        raise Http404
    return _serve_image(petition, image_id)


def _serve_image(petition: Petition, image_id) -> FileResponse:
    item = petition.images.filter(pk=int(image_id)).first()
    if item is None:
        raise Http404
    content_type = IMAGE_TYPES.get(item.file.name[-4:].lower())
    if content_type is None:
        raise Http404
    try:
        handle = item.file.open("rb")
    except (FileNotFoundError, OSError, ValueError):
        raise Http404 from None
    response = FileResponse(handle, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "public, max-age=3600" if petition.is_public else "private"
    return response


# --- signing ------------------------------------------------------------------------------------


@citizen_required
@require_POST
def sign(request, pk):
    """A signed-in citizen signs with one click."""
    petition = selectors.visible_petition(request.user, pk)
    if not request.user.email_confirmed:
        return _confirm_email_first(request, status=403)
    if not petition.is_signable():
        return _not_signable(request, petition)
    if not abuse.sign_allowed(request, petition.pk):
        return _limited(request, petition)
    try:
        signing.petition_sign(petition=petition, by=request.user, ip=ratelimit.client_ip(request))
    except services.AlreadySigned:
        messages.info(request, _("You have already signed this petition. Thank you!"))
    except InvalidTransition:
        return _not_signable(request, petition)
    except NotAllowed:
        raise PermissionDenied from None
    else:
        messages.success(request, _("Thank you: your signature is counted."))
    return redirect(_detail_url(petition))


def _render_sign_form(request, petition, form, status=200):
    return render(
        request,
        "petitions/sign_email.html",
        {"petition": petition, "form": form},
        status=status,
    )


@public
@require_http_methods(["GET", "POST"])
def sign_by_email(request, pk):
    """Signing without an account: we send a link; the signature counts when its owner presses
    Confirm. A refused attempt (disposable address, a form sent too fast) gets the very same
    answer as an accepted one."""
    petition = selectors.visible_petition(request.user, pk)
    if not petition.is_signable():
        return _not_signable(request, petition)
    if request.method != "POST":
        return _render_sign_form(request, petition, SignatureForm(initial={"stamp": form_stamp()}))
    stamp = request.POST.get("stamp", "")
    seconds = form_seconds(stamp)
    data = request.POST.copy()
    if not seconds:
        data["stamp"] = form_stamp()  # a page shown again gets a stamp that works next time
    form = SignatureForm(data)
    if not form.is_valid():
        return _render_sign_form(request, petition, form, status=400)
    email = form.cleaned_data["email"]
    if not abuse.sign_allowed(request, petition.pk, email):
        return _limited(request, petition)
    try:
        signing.petition_sign_by_email(
            petition=petition,
            name=form.cleaned_data["name"],
            email=email,
            region=form.cleaned_data["region"],
            notify_answer=form.cleaned_data["notify_answer"],
            ip=ratelimit.client_ip(request),
            form_seconds=seconds,
            language=get_language() or "",
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return _render_sign_form(request, petition, form, status=400)
    except InvalidTransition:
        return _not_signable(request, petition)
    return redirect(reverse("petitions:check_email", args=[petition.pk]))


@public
@require_GET
def check_email(request, pk):
    petition = selectors.visible_petition(request.user, pk)
    return render(
        request,
        "petitions/check_email.html",
        {"petition": petition, "confirm_hours": settings.NARA_SIGNATURE_CONFIRM_HOURS},
    )


def _no_store(response):
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


@public
@csrf_exempt
@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """The link in the confirmation e-mail. Opening it spends nothing (mail scanners open links):
    it shows a Confirm button, and pressing it counts the signature, once.

    No CSRF token: the secret token in the URL is the capability (whoever could forge the POST
    could send it themselves), and with `Referrer-Policy: no-referrer` browsers send
    `Origin: null` on the button's POST, which Django's CSRF check would refuse."""
    pending = signing.pending_signature_for(token)
    result, status = "", 200
    if pending is None:
        result, status = "invalid", 400
    elif pending.confirmed_at is not None:
        result = "already"
    elif not pending.petition.is_signable():
        result = "closed"
    elif request.method == "POST":
        try:
            signing.petition_confirm_signature(token=token, pending=pending)
            result = "counted"
        except services.AlreadySigned:
            result = "already"
        except ValidationError:
            result, status = "invalid", 400
        except InvalidTransition:
            result = "closed"
    if not result:
        response = render(request, "petitions/confirm.html", {"petition": pending.petition})
    else:
        response = render(
            request,
            "petitions/confirm_result.html",
            {"result": result, "petition": pending.petition if pending else None},
            status=status,
        )
    return _no_store(response)
