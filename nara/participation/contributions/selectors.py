"""Reading contributions, scoped to what the person may see: published ones for everybody, a
person's own ones (any status) for them, everything for moderators."""

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from nara.participation.models import ModerationStatus, Process
from nara.participation.policies import can_moderate

from .models import Contribution, ContributionDraft, ContributionImage, DraftImage


def _with_images(queryset):
    return queryset.prefetch_related(
        Prefetch("images", queryset=ContributionImage.objects.order_by("order", "id"))
    )


def published_contributions(process: Process):
    """The process's published contributions, newest first, with their pictures."""
    return _with_images(
        Contribution.objects.filter(process=process, moderation_status=ModerationStatus.PUBLISHED)
    ).order_by("-submitted_at", "-id")


def published_count(process: Process) -> int:
    return Contribution.objects.filter(
        process=process, moderation_status=ModerationStatus.PUBLISHED
    ).count()


def can_see(user, contribution: Contribution) -> bool:
    """Published contributions of a published process for everybody; one's own and, for
    moderators, any (also in an unpublished process)."""
    if (
        contribution.moderation_status == ModerationStatus.PUBLISHED
        and contribution.process.published
    ):
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    return contribution.author_id == user.pk or can_moderate(user)


def visible_contribution(user, pk: int) -> Contribution:
    """A contribution `user` may see (published, their own, or any for moderators), or 404."""
    contribution = (
        _with_images(Contribution.objects.select_related("process", "process__unit"))
        .filter(pk=pk)
        .first()
    )
    if contribution is None or not can_see(user, contribution):
        raise Http404
    return contribution


def visible_image(user, pk: int) -> ContributionImage:
    image = (
        ContributionImage.objects.select_related("contribution", "contribution__process")
        .filter(pk=pk)
        .first()
    )
    if image is None or not can_see(user, image.contribution):
        raise Http404
    return image


def own_contributions(user):
    return (
        Contribution.objects.filter(author=user)
        .select_related("process")
        .order_by("-submitted_at", "-id")
    )


def own_drafts(user):
    return (
        ContributionDraft.objects.filter(user=user, expires_at__gt=timezone.now())
        .select_related("process")
        .order_by("-updated_at")
    )


def live_draft(user, process: Process) -> ContributionDraft | None:
    return (
        ContributionDraft.objects.filter(user=user, process=process, expires_at__gt=timezone.now())
        .prefetch_related(Prefetch("images", queryset=DraftImage.objects.order_by("slot")))
        .first()
    )


def own_draft(user, token) -> ContributionDraft:
    """The user's own live draft with this token, or 404 (someone else's draft too)."""
    draft = (
        ContributionDraft.objects.filter(user=user, token=token, expires_at__gt=timezone.now())
        .select_related("process", "process__unit")
        .prefetch_related(
            "process__phases", Prefetch("images", queryset=DraftImage.objects.order_by("slot"))
        )
        .first()
    )
    if draft is None:
        raise Http404
    return draft
