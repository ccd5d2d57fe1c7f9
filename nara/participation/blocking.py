"""Blocking an account from posting in participation (spam or abuse), and lifting the block."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed

from .models import ModerationStatus, PostingBlock
from .moderation import REGISTRY, apply_decision, require_moderator
from .policies import forget_blocked


def account_block(*, user, by, reason: str) -> PostingBlock:
    """Block a spam or abusive account from posting, and hide everything it posted that is
    pending or published — in one transaction, every step audited. Authors are not notified
    item by item; they get one message about the block."""
    from nara.notifications.messages import msg
    from nara.notifications.services import notify

    require_moderator(by)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason: it is kept in the audit log.")})
    if user.pk == by.pk:
        raise NotAllowed(_("You cannot block your own account."))
    hidden = 0
    with transaction.atomic():
        try:
            with transaction.atomic():
                block = PostingBlock.objects.create(user=user, blocked_by=by, reason=reason[:2000])
        except IntegrityError:
            raise InvalidTransition(_("This account is already blocked.")) from None
        for registration in REGISTRY.values():
            items = (
                registration.model.objects.select_for_update()
                .select_related("author")
                .filter(
                    author=user,
                    moderation_status__in=[ModerationStatus.PENDING, ModerationStatus.PUBLISHED],
                )
                .order_by("pk")
            )
            for item in items:
                apply_decision(
                    item,
                    by=by,
                    decision="hide",
                    reason_code="",
                    reason=reason,
                    notify_author=False,
                    extra={"account_blocked": True},
                )
                hidden += 1
        audit_record(
            actor=by,
            event_type=EventType.PARTICIPATION_ACCOUNT_BLOCKED,
            target=user,
            data={"reason": reason, "hidden": hidden},
        )
        notify(
            user=user,
            subject=_("Your account may no longer post in participation"),
            body=msg(
                _("A moderator blocked your account from posting. The reason: %(reason)s"),
                {"reason": reason},
            ),
        )
    forget_blocked(user)
    block.hidden_count = hidden
    return block


def account_unblock(*, user, by, reason: str = "") -> None:
    """Lift a posting block. Hidden items stay hidden; a moderator may restore them one by
    one."""
    require_moderator(by)
    with transaction.atomic():
        deleted, _rows = PostingBlock.objects.filter(user=user).delete()
        if not deleted:
            raise InvalidTransition(_("This account is not blocked."))
        audit_record(
            actor=by,
            event_type=EventType.PARTICIPATION_ACCOUNT_UNBLOCKED,
            target=user,
            data={"reason": (reason or "").strip()[:2000]},
        )
    forget_blocked(user)
