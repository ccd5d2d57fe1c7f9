"""Reads of petitions: public lists and search, a petition's page, moderation and office
queues, the signatures by region."""

import re

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from nara.agencies.selectors import official_unit_ids
from nara.core.models import Region
from nara.core.prepared import PreparedQuery

from .models import PUBLIC_STATUSES, SIGNABLE_STATUSES, Petition, Signature, Status
from .policies import is_moderator
from .signing import signature_count

S = Status

# list name -> (statuses, ordering)
LISTS = {
    "open": (SIGNABLE_STATUSES, ("closes_at",)),
    "popular": (SIGNABLE_STATUSES, ("-signature_count", "-opened_at")),
    "recent": (SIGNABLE_STATUSES, ("-opened_at", "-id")),
    "awaiting": ((S.AWAITING_ANSWER,), ("answer_due_at",)),
    "answered": ((S.ANSWERED,), ("-answered_at", "-id")),
    "closed": ((S.CLOSED, S.REFERRED), ("-closes_at", "-id")),
    "rejected": ((S.REJECTED,), ("-updated_at", "-id")),
}
WORD = re.compile(r"\w+", re.UNICODE)


def search_terms(q: str) -> list[str]:
    return [w for w in WORD.findall((q or "").lower()) if len(w) >= 2][:8]


def public_petitions(*, list_name: str = "open", q: str = "") -> QuerySet[Petition]:
    statuses, ordering = LISTS.get(list_name, LISTS["open"])
    petitions = Petition.objects.filter(status__in=statuses)
    if list_name in ("open", "popular", "recent"):
        petitions = petitions.filter(closes_at__gt=timezone.now())
    for term in search_terms(q):
        petitions = petitions.filter(Q(title__icontains=term) | Q(body__icontains=term))
    return petitions.select_related("category", "unit").order_by(*ordering)


def search_all_public(q: str) -> QuerySet[Petition]:
    petitions = Petition.objects.filter(status__in=PUBLIC_STATUSES).exclude(status=S.REJECTED)
    for term in search_terms(q):
        petitions = petitions.filter(Q(title__icontains=term) | Q(body__icontains=term))
    return petitions.order_by("-signature_count", "-id")


def similar_petitions(title: str, body: str = "", limit: int = 5) -> list[Petition]:
    """Public petitions that share the most words with the title: shown before a citizen
    submits, so they may sign an existing one instead."""
    terms = sorted(set(search_terms(title)), key=len, reverse=True)[:6]
    if not terms:
        return []
    condition = Q()
    for term in terms:
        condition |= Q(title__icontains=term)
    candidates = list(
        Petition.objects.filter(condition, status__in=PUBLIC_STATUSES)
        .exclude(status=S.REJECTED)
        .order_by("-signature_count")[:50]
    )

    def score(p: Petition) -> int:
        text = p.title.lower()
        return sum(len(t) for t in terms if t in text)

    candidates.sort(key=lambda p: (-score(p), -p.signature_count))
    return candidates[:limit]


def petition_or_404(pk) -> Petition:
    """A petition with what its pages show, whoever may see it (callers check that)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise Http404 from None
    petition = (
        Petition.objects.select_related("type", "category", "unit", "duplicate_of", "author")
        .filter(pk=pk)
        .first()
    )
    if petition is None:
        raise Http404
    return petition


# Signing by e-mail reads it on every submission: compiled once (nara.core.prepared).
_public_petition = PreparedQuery(
    lambda pk: Petition.objects.filter(pk=pk, status__in=PUBLIC_STATUSES).order_by()[:1]
)


def public_petition(pk: int) -> Petition:
    """A public petition, its own row only (what signing by e-mail needs: a third of the CPU of
    petition_or_404's joins, measured); anyone may see it. 404 for anything else."""
    petition = _public_petition.first(pk=int(pk))
    if petition is None:
        raise Http404
    return petition


def visible_petition(user, pk) -> Petition:
    """A petition as `user` may see it: public ones to anyone; one still gathering supporters
    to anyone with its share link (see by_share_token) and its author; the rest to moderators
    and the competent agency. Everyone else: 404."""
    petition = petition_or_404(pk)
    if petition.is_public or can_see_unpublished(user, petition):
        return petition
    raise Http404


def text_is_public(user, petition: Petition) -> bool:
    """A rejected petition is published by its title and the reason only: its text, images and
    links may be what it was rejected for (personal data, defamation). Its author, moderators
    and the agency still see them."""
    if petition.status != S.REJECTED:
        return petition.is_public or can_see_unpublished(user, petition)
    return can_see_unpublished(user, petition)


def can_see_unpublished(user, petition: Petition) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return (
        user.pk == petition.author_id
        or is_moderator(user)
        or (petition.unit_id is not None and petition.unit_id in official_unit_ids(user))
    )


def by_share_token(token: str) -> Petition:
    petition = (
        Petition.objects.select_related("type", "author").filter(share_token=token or "-").first()
    )
    if petition is None:
        raise Http404
    return petition


def live_count(petition: Petition) -> int:
    if petition.opened_at is None:
        return 0
    return signature_count(petition.pk)


def has_signed(user, petition: Petition) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    from .emails import canonical

    return Signature.objects.filter(
        petition=petition, email_canonical=canonical(user.email)
    ).exists()


def signatures_by_region(petition: Petition) -> tuple[list[dict], int]:
    """Valid signatures per 시도, every 시도 listed (zero included), largest first; and the
    number of signatures without a region."""
    counts = dict(
        Signature.objects.filter(petition=petition, valid=True)
        .values_list("sido_code")
        .annotate(n=Count("id"))
        .values_list("sido_code", "n")
    )
    total = sum(counts.values()) or 1
    rows = []
    for region in Region.objects.filter(parent=None).order_by("code"):
        n = counts.get(region.code, 0)
        rows.append({"region": region, "count": n, "share": n / total})
    unknown = counts.get("", 0)
    rows.sort(key=lambda r: (-r["count"], r["region"].code))
    return rows, unknown


def moderation_queue() -> QuerySet[Petition]:
    return (
        Petition.objects.filter(status=S.REVIEW)
        .select_related("author", "category")
        .order_by("review_started_at", "id")
    )


def moderation_queue_is_long() -> bool:
    return Petition.objects.filter(status=S.REVIEW).count() >= settings.NARA_MODERATION_QUEUE_NOTICE


def office_petitions(user) -> QuerySet[Petition]:
    """Petitions referred to, or awaiting an answer from, the user's units."""
    return (
        Petition.objects.filter(
            unit_id__in=official_unit_ids(user),
            status__in=(S.REFERRED, S.AWAITING_ANSWER, S.CLOSED, S.ANSWERED),
        )
        .exclude(referred_at=None)
        .select_related("unit")
        .order_by("answer_due_at", "-referred_at")
    )
