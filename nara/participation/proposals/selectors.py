"""Reads for proposals, scoped to what the user may see: the public sees published proposals;
authors also see their own pending, rejected or hidden ones (marked, with the reason);
moderators see everything. A fixed number of queries per page."""

from django.db.models import Exists, OuterRef, Q
from django.http import Http404
from django.utils import timezone

from nara.agencies.selectors import official_unit_ids, unit_descendant_ids
from nara.participation import policies
from nara.participation.models import ModerationStatus, Process

from .models import Proposal, ProposalComment, ProposalStatus, ProposalSupport

PUBLISHED = ModerationStatus.PUBLISHED
SORTS = ("support", "newest")
STATUS_FILTERS = tuple(ProposalStatus.values)


def _visible(user) -> Q:
    if policies.can_moderate(user):
        return Q()
    if getattr(user, "is_authenticated", False):
        return Q(moderation_status=PUBLISHED) | Q(author=user)
    return Q(moderation_status=PUBLISHED)


def proposal_list(*, process: Process, user, sort: str = "support", status: str = ""):
    """Proposals of the process people may see: published ones, and the viewer's own."""
    qs = Proposal.objects.filter(process=process).filter(_visible(user))
    if status in STATUS_FILTERS:
        qs = qs.filter(status=status)
    if sort == "newest":
        qs = qs.order_by("-submitted_at", "-id")
    else:
        qs = qs.order_by("-support_count", "-submitted_at", "-id")
    return qs.select_related("category").only(
        "pk",
        "title",
        "body",
        "status",
        "support_count",
        "comment_count",
        "submitted_at",
        "answer_due_at",
        "answer_kind",
        "moderation_status",
        "author_id",
        "process_id",
        "category__name_ko",
        "category__name_en",
        "category__code",
    )


def proposal_for(process: Process, pk: int, user) -> Proposal:
    try:
        proposal = (
            Proposal.objects.filter(process=process)
            .filter(_visible(user))
            .select_related("category", "unit", "unit__parent", "answered_by")
            .get(pk=pk)
        )
    except Proposal.DoesNotExist:
        raise Http404 from None
    proposal.process = process
    return proposal


def proposal_comments(*, proposal: Proposal, user):
    return (
        ProposalComment.objects.filter(proposal=proposal)
        .filter(_visible(user))
        .order_by("submitted_at", "id")
    )


def supports(user, proposal: Proposal) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return ProposalSupport.objects.filter(proposal=proposal, user=user).exists()


def awaiting_answer(*, user):
    """Proposals awaiting an answer from units where `user` is an official (or below them),
    the overdue first."""
    units = official_unit_ids(user)
    if not units:
        return Proposal.objects.none()
    scope = unit_descendant_ids(units) | set(units)
    return (
        Proposal.objects.filter(
            unit_id__in=scope,
            moderation_status=PUBLISHED,
            status__in=[ProposalStatus.THRESHOLD_REACHED, ProposalStatus.ANSWERED],
        )
        .exclude(status=ProposalStatus.ANSWERED, answer_kind__in=["accepted", "not_accepted"])
        .select_related("process", "unit")
        .order_by("answer_due_at", "id")
    )


def is_overdue_q(now=None) -> Q:
    return Q(status=ProposalStatus.THRESHOLD_REACHED, answer_due_at__lt=now or timezone.now())


def with_supported_flag(qs, user):
    if not getattr(user, "is_authenticated", False):
        return qs
    return qs.annotate(
        supported=Exists(ProposalSupport.objects.filter(proposal=OuterRef("pk"), user=user))
    )
