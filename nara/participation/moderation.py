"""Moderation of everything posted in participation: one queue over every registered model.

Topic apps register their posted models (`register(Comment, on_change=…)`) in their AppConfig's
`ready()`, submit new items with `moderation_submit(item=…)` inside their create service, and
never change `moderation_status` themselves. `on_change(item, old_status, new_status)` runs in
the same transaction after a decision, for counters that only count published items."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed

from .models import Moderated, ModerationStatus


@dataclass(frozen=True)
class Registration:
    model: type[Moderated]
    on_change: Callable | None = None


REGISTRY: dict[str, Registration] = {}


def register(model: type[Moderated], *, on_change: Callable | None = None) -> None:
    REGISTRY[model._meta.label_lower] = Registration(model=model, on_change=on_change)


def moderation_target() -> timedelta:
    return timedelta(hours=getattr(settings, "NARA_MODERATION_TARGET_HOURS", 24))


def moderation_submit(*, item: Moderated) -> Moderated:
    """Put a newly created item in the queue: pending, with its target time and spam score.
    Call inside the create service's transaction, after the item is saved."""
    from .spam import spam_score

    now = timezone.now()
    item.moderation_status = ModerationStatus.PENDING
    item.submitted_at = now
    item.moderation_due_at = now + moderation_target()
    item.spam_score = spam_score(f"{item.moderation_title()}\n{item.moderation_text()}")
    item.save(
        update_fields=["moderation_status", "submitted_at", "moderation_due_at", "spam_score"]
    )
    audit_record(
        actor=item.author,
        event_type=EventType.PARTICIPATION_SUBMITTED,
        target=item,
        to_state=ModerationStatus.PENDING,
    )
    return item


DECISIONS = {
    "approve": (
        {ModerationStatus.PENDING, ModerationStatus.HIDDEN, ModerationStatus.REJECTED},
        ModerationStatus.PUBLISHED,
        EventType.PARTICIPATION_APPROVED,
    ),
    "reject": (
        {ModerationStatus.PENDING},
        ModerationStatus.REJECTED,
        EventType.PARTICIPATION_REJECTED,
    ),
    "hide": (
        {ModerationStatus.PUBLISHED, ModerationStatus.PENDING},
        ModerationStatus.HIDDEN,
        EventType.PARTICIPATION_HIDDEN,
    ),
}


def moderation_decide(*, item: Moderated, by, decision: str, reason: str = "") -> Moderated:
    """Approve, reject or hide one item (a reason is required to reject or hide; the author
    sees it). Locks the row, checks the transition, audits, runs the model's on_change."""
    if not (getattr(by, "is_authenticated", False) and by.is_moderator):
        raise NotAllowed()
    allowed_from, to_status, event = DECISIONS[decision]
    model: type[models.Model] = type(item)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=item.pk)
        old = locked.moderation_status
        if old not in allowed_from:
            raise InvalidTransition()
        locked.moderation_status = to_status
        locked.moderated_by = by
        locked.moderated_at = timezone.now()
        locked.moderation_reason = reason
        locked.save(
            update_fields=[
                "moderation_status",
                "moderated_by",
                "moderated_at",
                "moderation_reason",
            ]
        )
        audit_record(
            actor=by,
            event_type=event,
            target=locked,
            from_state=old,
            to_state=to_status,
            data={"reason": reason} if reason else {},
        )
        registration = REGISTRY.get(model._meta.label_lower)
        if registration and registration.on_change:
            registration.on_change(locked, old, to_status)
    return locked
