"""Moderation of everything posted in participation (게시물 심사): one queue over every registered
model.

Topic apps register their posted models (`register(Comment, on_change=…)`) in their AppConfig's
`ready()`, submit new items with `moderation_submit(item=…)` inside their create service, and
never change `moderation_status` themselves. `on_change(item, old_status, new_status)` runs in
the same transaction after a decision, for counters that only count published items.

Services here: `moderation_submit`, `moderation_decide` (approve, reject, hide, restore; the
transition table is `DECISIONS`), `moderation_decide_many` (bulk), `flag_create`,
`flags_dismiss`; blocking accounts is in blocking.py and the moderators' queue reads in
moderation_queue.py. Every decision checks the moderator and goes through the one transition
helper (nara.core.transitions: lock, table, save, audit), then tells the author. The spam
score is advice: no service decides from it."""

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.transitions import TransitionTable, lock, transition

from .models import Flag, Moderated, ModerationStatus, PostingBlock, SpamExample


@dataclass(frozen=True)
class Registration:
    model: type[Moderated]
    on_change: Callable | None = None


REGISTRY: dict[str, Registration] = {}


def register(model: type[Moderated], *, on_change: Callable | None = None) -> None:
    REGISTRY[model._meta.label_lower] = Registration(model=model, on_change=on_change)


def moderation_target() -> timedelta:
    return timedelta(hours=getattr(settings, "NARA_MODERATION_TARGET_HOURS", 24))


def flags_to_review() -> int:
    """How many unresolved flags bring a published item to the moderators' Flagged list."""
    return max(1, int(getattr(settings, "NARA_FLAGS_TO_REVIEW", 3)))


class Reason(models.TextChoices):
    """Why a moderator rejects or hides an item; the author sees it (with the note)."""

    SPAM = "spam", _("Spam or advertising")
    ABUSE = "abuse", _("Abusive, hateful or threatening")
    PERSONAL_DATA = "personal_data", _("Shows someone's personal information")
    OFF_TOPIC = "off_topic", _("Off topic for this process")
    DUPLICATE = "duplicate", _("Repeats an earlier post")
    OTHER = "other", _("Another breach of the participation guidelines")


def reason_text(code: str, note: str = "") -> str:
    """The reason as the author reads it, in the active language."""
    label = str(Reason(code).label) if code in Reason.values else ""
    note = (note or "").strip()
    if label and note:
        return f"{label} — {note}"
    return label or note


# --- items -----------------------------------------------------------------------------------


def item_key(item: Moderated) -> str:
    return f"{item._meta.label_lower}:{item.pk}"


# the foreign keys that lead from a posted item towards its process, tried in this order
PARENT_FIELDS = ("process", "consultation", "proposal", "budget", "article", "poll")


@functools.cache
def process_path(model: type[models.Model]) -> str | None:
    """The ORM path from `model` to its `Process` ("process", "consultation__process",
    "proposal__process", "budget__process"…), or None when it has none."""
    from .models import Process

    def walk(current, depth: int) -> str | None:
        fields = {
            f.name: f
            for f in current._meta.get_fields()
            if f.concrete and (f.many_to_one or f.one_to_one) and f.related_model is not None
        }
        for name in PARENT_FIELDS:
            field = fields.get(name)
            if field is None:
                continue
            if field.related_model is Process:
                return name
            if depth > 0:
                rest = walk(field.related_model, depth - 1)
                if rest:
                    return f"{name}__{rest}"
        return None

    return walk(model, 3)


def item_process(item: models.Model):
    """The process an item belongs to (its own `process`, or its parent's: the consultation's,
    the proposal's, the budget's…), or None."""
    path = process_path(type(item))
    if path is None:
        return None
    current = item
    for step in path.split("__"):
        current = getattr(current, step, None)
        if current is None:
            return None
    return current


def item_process_or_404(item: models.Model):
    """The item's process when it is published; 404 otherwise (nothing posted in an unpublished
    process is shown, not even its title)."""
    process = item_process(item)
    if process is None or not process.published:
        raise Http404
    return process


def item_get(kind: str, pk) -> Moderated:
    """A registered item by its kind (`app_label.model`) and id, or 404."""
    registration = REGISTRY.get(str(kind))
    if registration is None:
        raise Http404
    related = ["author"]
    if path := process_path(registration.model):
        related.append(path)
    try:
        return registration.model.objects.select_related(*related).get(pk=int(pk))
    except (registration.model.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def items_get(keys: Iterable[str]) -> list[Moderated]:
    """Registered items from "kind:id" keys (unknown or malformed keys are left out), one
    query per kind."""
    wanted: dict[str, set[int]] = {}
    for key in keys:
        kind, _sep, raw = str(key).partition(":")
        if kind in REGISTRY and raw.isdecimal() and len(raw) < 19:
            wanted.setdefault(kind, set()).add(int(raw))
    found = []
    for kind, pks in wanted.items():
        model = REGISTRY[kind].model
        found.extend(model.objects.select_related("author").filter(pk__in=pks).order_by("pk"))
    return found


def _url(item) -> str:
    try:
        return item.get_absolute_url()
    except Exception:  # an item without a public page, or one that cannot be reversed
        return ""


# --- submission --------------------------------------------------------------------------------


def post_once(model, *, author, token: str, create, token_field: str = "form_token"):
    """Create a posted item once per form token: `create()` makes, saves and submits it inside
    a transaction; the same form sent again (a retry, a double click, even at the same moment:
    a unique constraint on author and token decides) returns the first item instead."""

    def earlier():
        if not token:
            return None
        return model.objects.filter(author=author, **{token_field: token}).first()

    if found := earlier():
        return found
    try:
        with transaction.atomic():
            return create()
    except IntegrityError:
        if found := earlier():
            return found
        raise


def moderation_submit(*, item: Moderated) -> Moderated:
    """Put a newly created item in the queue: pending, with its target time and spam score.
    Call inside the create service's transaction, after the item is saved. The score is only
    shown to moderators: the item waits for one whatever it is."""
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
        data={"spam_score": item.spam_score},
    )
    return item


# --- decisions ---------------------------------------------------------------------------------

# decision: (from these states, to this state, audit event)
DECISIONS = {
    "approve": (
        {ModerationStatus.PENDING},
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
    "restore": (
        {ModerationStatus.HIDDEN, ModerationStatus.REJECTED},
        ModerationStatus.PUBLISHED,
        EventType.PARTICIPATION_RESTORED,
    ),
}
REASON_REQUIRED = frozenset({"reject", "hide"})
DECISION_TABLE = TransitionTable(
    {name: (sources, to) for name, (sources, to, _e) in DECISIONS.items()}
)


def can_decide(status: str, decision: str) -> bool:
    return decision in DECISION_TABLE and DECISION_TABLE.allows(status, decision)


def decisions_for(status: str) -> list[str]:
    return [name for name in DECISIONS if can_decide(status, name)]


AUTHOR_MESSAGES = {
    "approve": (
        _("Your post was published"),
        _("“%(title)s” was approved by a moderator and is now published."),
    ),
    "reject": (
        _("Your post was not published"),
        _("“%(title)s” was not published. The moderator's reason: %(reason)s"),
    ),
    "hide": (
        _("Your post was hidden"),
        _("“%(title)s” was hidden by a moderator. The moderator's reason: %(reason)s"),
    ),
    "restore": (
        _("Your post is published again"),
        _("A moderator reviewed “%(title)s” again; it is now published."),
    ),
}


def require_moderator(by) -> None:
    if not (getattr(by, "is_authenticated", False) and by.is_moderator):
        raise NotAllowed()


def _clean_reason(decision: str, reason_code: str, reason: str) -> tuple[str, str]:
    reason_code, reason = (reason_code or "").strip(), (reason or "").strip()
    if reason_code and reason_code not in Reason.values:
        raise ValidationError({"reason_code": _("Choose a reason from the list.")})
    if decision in REASON_REQUIRED and not (reason_code or reason):
        raise ValidationError({"reason_code": _("Choose the reason: the author will see it.")})
    if reason_code == Reason.OTHER and not reason:
        raise ValidationError({"note": _("Say which guideline was breached: the author reads it.")})
    return reason_code, reason[:2000]


def _learn(item: Moderated, *, is_spam: bool) -> None:
    """Record a moderator's judgement for the spam classifier (withdrawing an earlier opposite
    one for the same item)."""
    content_type = ContentType.objects.get_for_model(type(item))
    earlier = SpamExample.objects.filter(content_type=content_type, object_id=item.pk)
    net = {True: 0, False: 0}
    for label, weight in earlier.values_list("is_spam", "weight"):
        net[label] += weight
    if net[is_spam] > 0:
        return
    text = f"{item.moderation_title()}\n{item.moderation_text()}"[:5000]
    rows = [SpamExample(content_type=content_type, object_id=item.pk, is_spam=is_spam, text=text)]
    if net[not is_spam] > 0:
        rows.append(
            SpamExample(
                content_type=content_type,
                object_id=item.pk,
                is_spam=not is_spam,
                weight=-1,
                text=text,
            )
        )
    SpamExample.objects.bulk_create(rows)


def _resolve_flags(item: Moderated, now) -> int:
    content_type = ContentType.objects.get_for_model(type(item))
    return Flag.objects.filter(
        content_type=content_type, object_id=item.pk, resolved_at__isnull=True
    ).update(resolved_at=now)


def _notify_author(item: Moderated, decision: str, reason_code: str, reason: str) -> None:
    from nara.notifications.messages import msg
    from nara.notifications.services import notify

    subject, body = AUTHOR_MESSAGES[decision]
    title = item.moderation_title()
    notify(
        user=item.author,
        subject=subject,
        body=msg(body, {"title": title, "reason": lambda: reason_text(reason_code, reason)}),
        url=_url(item),
    )


def apply_decision(
    item: Moderated,
    *,
    by,
    decision: str,
    reason_code: str,
    reason: str,
    notify_author: bool = True,
    extra: dict | None = None,
) -> Moderated:
    """The decision on one item, through the one transition helper (the row locked and read
    again, the table checked, saved and audited), then the model's on_change, the spam
    classifier and the author's notice. The caller checked that `by` moderates."""
    _sources, to_status, event = DECISIONS[decision]
    data = {"decision": decision, **(extra or {})}
    if reason_code:
        data["reason_code"] = reason_code
    if reason:
        data["reason"] = reason
    now = timezone.now()
    with transition(
        item,
        by=by,
        action=decision,
        table=DECISION_TABLE,
        allowed=lambda by, item: True,
        event=event,
        data=data,
        status_field="moderation_status",
        locker=lambda item: lock(item, "author"),
        refused=lambda current: InvalidTransition(decided_message(current)),
    ) as change:
        locked = change.obj
        with translation.override(locked.author.preferred_language or settings.LANGUAGE_CODE):
            locked.moderation_reason = (
                reason_text(reason_code, reason) if decision in REASON_REQUIRED else ""
            )
        locked.moderated_by, locked.moderated_at = by, now
        if to_status == ModerationStatus.HIDDEN:
            locked.flag_count = 0
            _resolve_flags(locked, now)
    registration = REGISTRY.get(type(locked)._meta.label_lower)
    if registration and registration.on_change:
        registration.on_change(locked, change.old_status, to_status)
    if to_status == ModerationStatus.PUBLISHED:
        _learn(locked, is_spam=False)
    elif reason_code == Reason.SPAM:
        _learn(locked, is_spam=True)
    if notify_author:
        _notify_author(locked, decision, reason_code, reason)
    return locked


def decided_message(item: Moderated):
    """Why a decision can no longer be made: what the item is now, and who decided it."""
    status = ModerationStatus(item.moderation_status).label
    moderator = getattr(item, "moderated_by", None)
    if moderator is not None and item.moderated_at:
        return _("This item is already “%(status)s” (decided by %(who)s at %(when)s).") % {
            "status": status,
            "who": moderator.display_name,
            "when": timezone.localtime(item.moderated_at).strftime("%Y-%m-%d %H:%M"),
        }
    return _("This item is already “%(status)s”.") % {"status": status}


def moderation_decide(
    *,
    item: Moderated,
    by,
    decision: str,
    reason: str = "",
    reason_code: str = "",
    notify_author: bool = True,
) -> Moderated:
    """Approve, reject, hide or restore one item. Rejecting and hiding need a reason (a code
    from `Reason` and/or a text; the author sees it, in their language). Locks the row, checks
    the transition table, audits, runs the model's on_change, teaches the spam classifier and
    tells the author. A decision made meanwhile by someone else raises InvalidTransition."""
    require_moderator(by)
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision!r}")
    reason_code, reason = _clean_reason(decision, reason_code, reason)
    with transaction.atomic():
        return apply_decision(
            item,
            by=by,
            decision=decision,
            reason_code=reason_code,
            reason=reason,
            notify_author=notify_author,
        )


@dataclass
class BulkResult:
    done: list
    skipped: list  # (item, message)


def moderation_decide_many(
    *, items: Iterable[Moderated], by, decision: str, reason: str = "", reason_code: str = ""
) -> BulkResult:
    """The same decision (only approve or reject) on several items, each in its own
    transaction: an item someone else decided meanwhile is skipped with the reason."""
    require_moderator(by)
    if decision not in ("approve", "reject"):
        raise ValidationError({"decision": _("Choose approve or reject.")})
    reason_code, reason = _clean_reason(decision, reason_code, reason)
    result = BulkResult(done=[], skipped=[])
    for item in items:
        try:
            result.done.append(
                moderation_decide(
                    item=item, by=by, decision=decision, reason=reason, reason_code=reason_code
                )
            )
        except InvalidTransition as error:
            result.skipped.append((item, error.message))
    return result


# --- flags from users --------------------------------------------------------------------------


def flag_create(*, user, item: Moderated, reason: str, note: str = "") -> Flag:
    """A signed-in user reports a published item (once per item; not their own). The item's
    flag count grows atomically; at `flags_to_review()` it appears in the Flagged list."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed(_("Please log in to report a post."))
    if item.author_id == user.pk:
        raise NotAllowed(_("You cannot report your own post."))
    if PostingBlock.objects.filter(user=user).exists():
        raise NotAllowed(_("Your account may not post in participation. Contact the moderators."))
    if reason not in Flag.Reason.values:
        raise ValidationError({"reason": _("Choose why you report this post.")})
    note = (note or "").strip()[:500]
    model = type(item)
    content_type = ContentType.objects.get_for_model(model)
    with transaction.atomic():
        current = model.objects.select_for_update().get(pk=item.pk)
        if current.moderation_status != ModerationStatus.PUBLISHED:
            raise InvalidTransition(_("This post is not published, so it cannot be reported."))
        try:
            with transaction.atomic():
                flag = Flag.objects.create(
                    content_type=content_type,
                    object_id=item.pk,
                    user=user,
                    reason=reason,
                    note=note,
                )
        except IntegrityError:
            raise ValidationError(
                {"reason": _("You already reported this post. The moderators will look at it.")}
            ) from None
        model.objects.filter(pk=item.pk).update(flag_count=F("flag_count") + 1)
        item.flag_count = current.flag_count + 1
        audit_record(
            actor=user,
            event_type=EventType.PARTICIPATION_FLAGGED,
            target=item,
            data={"reason": reason, "flag_count": item.flag_count},
        )
    return flag


def flags_dismiss(*, item: Moderated, by) -> int:
    """The moderator finds the reports unfounded: they are resolved and the count starts
    again from zero (the item stays published). Returns how many were dismissed."""
    require_moderator(by)
    model = type(item)
    with transaction.atomic():
        locked = model.objects.select_for_update().get(pk=item.pk)
        count = _resolve_flags(locked, timezone.now())
        if not count and not locked.flag_count:
            raise InvalidTransition(_("There are no open reports on this post."))
        model.objects.filter(pk=item.pk).update(flag_count=0)
        item.flag_count = 0
        audit_record(
            actor=by,
            event_type=EventType.PARTICIPATION_FLAGS_DISMISSED,
            target=locked,
            data={"dismissed": count},
        )
    return count
