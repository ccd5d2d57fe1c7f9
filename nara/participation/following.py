"""Following processes and items, and the activity that reaches followers in a daily or weekly
digest (never a mail per event).

- `record_activity` writes one row per event (cheap, inside the change's transaction); the
  digest fans it out to the followers of the process and of the item when it is sent.
- `digests_send` (a periodic task) sends each user at most one mail per period with what
  happened in what they follow, in their language; nothing when nothing happened.
- Every digest carries a one-click unsubscribe (RFC 8058): the `List-Unsubscribe` and
  `List-Unsubscribe-Post` headers and a link in the body, with a signed token.
- Topic apps make their items followable with `register_followable(Model, visible=…)`;
  processes and every model registered for moderation (once published) already are."""

import logging
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import ngettext

from nara.notifications import services as notifications
from nara.notifications.messages import in_every_language

from .models import Activity, DigestFrequency, DigestPreference, Follow, Process

log = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "nara.participation.digest-unsubscribe"
DIGEST_MAX_ITEMS = 50  # one mail lists at most this many; the rest are counted
DIGEST_BATCH = 500  # users handled by one tick per frequency


# --- recording ----------------------------------------------------------------------------------


def _generic(item: models.Model | None) -> tuple[ContentType | None, int | None]:
    if item is None:
        return None, None
    return ContentType.objects.get_for_model(item), item.pk


def record_activity(
    *,
    process: Process,
    target: models.Model | None = None,
    source: models.Model | None = None,
    message,
    url: str,
) -> None:
    """Tell the followers of `process` (and of `target`, when given) that something happened:
    a published comment, a new answer, a report, results… `source` is the posted item the
    activity announces (the new comment, the new proposal), when there is one: the digest
    leaves the activity out once it is no longer published. `message` is a translatable
    `nara.notifications.messages.Message` (rendered in each follower's language); `url` is
    the site path to see it. Call inside the transaction of the change."""
    content_type, object_id = _generic(target)
    source_type, source_id = _generic(source)
    Activity.objects.create(
        process=process,
        content_type=content_type,
        object_id=object_id,
        source_content_type=source_type,
        source_object_id=source_id,
        message=in_every_language(message),
        url=(url or "")[:300],
    )


# --- what may be followed -----------------------------------------------------------------------

# model label -> visible(user, obj) -> bool
_FOLLOWABLE: dict[str, Callable] = {}


def register_followable(model: type[models.Model], *, visible: Callable) -> None:
    """Let people follow items of `model`; `visible(user, obj)` says who may see (and so
    follow) one of them."""
    _FOLLOWABLE[model._meta.label_lower] = visible


def _process_visible(user, process: Process) -> bool:
    from .selectors import can_preview

    return process.published or can_preview(user, process)


def _published_item(user, item) -> bool:
    from .moderation import item_process

    process = item_process(item)
    if process is None or not process.published:
        return False
    return item.moderation_status == "published" or item.author_id == getattr(user, "pk", None)


def followable_model(label: str) -> tuple[type[models.Model], Callable] | None:
    """The model and visibility check for a label like "participation.process"; None when
    that model cannot be followed."""
    from .moderation import REGISTRY

    label = (label or "").lower()
    if label == Process._meta.label_lower:
        return Process, _process_visible
    if label in _FOLLOWABLE:
        from django.apps import apps

        return apps.get_model(label), _FOLLOWABLE[label]
    if label in REGISTRY:
        return REGISTRY[label].model, _published_item
    return None


def target_label(target: models.Model) -> str:
    return target._meta.label_lower


def is_following(user, target: models.Model) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return Follow.objects.filter(
        user=user,
        content_type=ContentType.objects.get_for_model(target),
        object_id=target.pk,
    ).exists()


# --- unsubscribe tokens -------------------------------------------------------------------------


def unsubscribe_token(user) -> str:
    """A signed token (`nara.notifications.services.unsubscribe_token`) that lets the link
    switch digests off without logging in, and nothing else."""
    return notifications.unsubscribe_token(user, salt=UNSUBSCRIBE_SALT)


def unsubscribe_user(token: str):
    """The user a digest token names, or None."""
    return notifications.unsubscribe_user(token, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(user) -> str:
    return settings.SITE_URL + reverse(
        "participation:unsubscribe", kwargs={"token": unsubscribe_token(user)}
    )


# --- the digest ---------------------------------------------------------------------------------


def digest_boundary(frequency: str, now: datetime) -> datetime:
    """The start of the current period: today at NARA_DIGEST_HOUR (Seoul time) for daily
    digests, the latest NARA_DIGEST_WEEKDAY (0 = Monday) at that hour for weekly ones. A
    digest covers the activity up to the latest boundary."""
    local = timezone.localtime(now)
    hour = getattr(settings, "NARA_DIGEST_HOUR", 8)
    start = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if local < start:
        start -= timedelta(days=1)
    if frequency == DigestFrequency.WEEKLY:
        weekday = getattr(settings, "NARA_DIGEST_WEEKDAY", 0)
        start -= timedelta(days=(start.weekday() - weekday) % 7)
    return start


def _still_shown(type_field: str, id_field: str) -> Q:
    """Activities whose item (named by `type_field`/`id_field`) is not a moderated post, or is
    one still published in a published process: a post hidden or rejected after its activity
    was recorded, or one whose process was withdrawn, no longer reaches anyone's mail."""
    from .models import ModerationStatus
    from .moderation import REGISTRY, process_path

    shown = Q(**{f"{type_field}__isnull": True})
    moderated = []
    for registration in REGISTRY.values():
        model = registration.model
        content_type = ContentType.objects.get_for_model(model)
        moderated.append(content_type.pk)
        visible = model._default_manager.filter(moderation_status=ModerationStatus.PUBLISHED)
        if path := process_path(model):
            visible = visible.filter(**{f"{path}__published": True})
        shown |= Q(**{type_field: content_type.pk, f"{id_field}__in": visible.values("pk")})
    return shown | ~Q(**{f"{type_field}__in": moderated})


def digest_activities(user, *, since: datetime, until: datetime):
    """What happened in (since, until] in the processes and items `user` follows, each only
    after they started following it."""
    process_type = ContentType.objects.get_for_model(Process)
    condition = Q()
    follows = Follow.objects.filter(user=user).values_list(
        "content_type_id", "object_id", "created_at"
    )
    for content_type_id, object_id, followed_at in follows:
        if content_type_id == process_type.pk:
            condition |= Q(process_id=object_id, created_at__gt=followed_at)
        else:
            condition |= Q(
                content_type_id=content_type_id, object_id=object_id, created_at__gt=followed_at
            )
    if not condition:
        return Activity.objects.none()
    return (
        Activity.objects.filter(condition, created_at__gt=since, created_at__lte=until)
        .filter(process__published=True)
        .filter(_still_shown("source_content_type", "source_object_id"))
        .filter(_still_shown("content_type", "object_id"))
        .select_related("process")
        .order_by("created_at", "id")
    )


def _digest_mail(user, activities: list[Activity], total: int) -> tuple[str, str]:
    language = user.preferred_language or settings.LANGUAGE_CODE
    with translation.override(language):
        subject = ngettext(
            "Your participation digest: %(n)d update",
            "Your participation digest: %(n)d updates",
            total,
        ) % {"n": total}
        body = render_to_string(
            "participation/digest_email.txt",
            {
                "user": user,
                "items": [
                    {
                        "process": str(a.process),
                        "text": a.text(language),
                        "link": settings.SITE_URL + a.url if a.url else "",
                    }
                    for a in activities
                ],
                "more": total - len(activities),
                "unsubscribe_url": unsubscribe_url(user),
                "settings_url": settings.SITE_URL + reverse("participation:me"),
            },
        )
    return subject, body


def digest_send_one(preference_id: int, *, boundary: datetime, now: datetime) -> bool:
    """Send one user's digest for the period ending at `boundary` (True when a mail was
    queued). The preference row is locked and moved on in the same transaction as the outbox
    row, so two workers never send the same period twice."""
    with transaction.atomic():
        preference = (
            DigestPreference.objects.select_for_update()
            .select_related("user")
            .filter(pk=preference_id)
            .first()
        )
        if (
            preference is None
            or preference.frequency == DigestFrequency.OFF
            or preference.covered_until >= boundary
        ):
            return False
        user = preference.user
        activities = digest_activities(user, since=preference.covered_until, until=boundary)
        listed = list(activities[:DIGEST_MAX_ITEMS])
        total = len(listed) if len(listed) < DIGEST_MAX_ITEMS else activities.count()
        sent = bool(listed) and user.is_active and user.notify_email
        if sent:
            subject, body = _digest_mail(user, listed, total)
            url = unsubscribe_url(user)
            notifications.email_enqueue(
                to=user.email,
                subject=subject,
                body=body,
                headers=notifications.one_click_headers(url),
            )
            preference.last_sent_at = now
        preference.covered_until = boundary
        preference.save(update_fields=["covered_until", "last_sent_at"])
    return sent


def digests_send(*, now: datetime | None = None, batch: int = DIGEST_BATCH) -> int:
    """Send the digests that are due (called by the scheduler's periodic task every minute or
    so). Returns how many mails were queued."""
    now = now or timezone.now()
    sent = 0
    for frequency in (DigestFrequency.DAILY, DigestFrequency.WEEKLY):
        boundary = digest_boundary(frequency, now)
        due = DigestPreference.objects.filter(
            frequency=frequency, covered_until__lt=boundary
        ).values_list("pk", flat=True)[:batch]
        for preference_id in list(due):
            try:
                sent += digest_send_one(preference_id, boundary=boundary, now=now)
            except Exception:  # one broken row must not stop everyone's digest
                log.exception("digest for preference %s failed", preference_id)
    return sent
