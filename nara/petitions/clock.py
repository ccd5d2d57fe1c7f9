"""The petition clock, run by the scheduler's task: gathering and open periods end,
answers fall due, old drafts are removed."""

from datetime import timedelta

from django.conf import settings
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.audit.models import EventType
from nara.notifications.messages import msg
from nara.notifications.services import notify

from . import policies
from .models import (
    Petition,
    Status,
)
from .services import petition_transition, petition_url
from .signing import reach_thresholds, signature_count
from .transitions import Action

S = Status


def petitions_tick(now=None) -> dict:
    """Periodic: expire petitions that found too few supporters, close those whose signing
    period ended, and refresh the list counts. Each change is its own audited transition."""
    now = now or timezone.now()
    done = {"expired": 0, "closed": 0, "synced": 0}
    for p in Petition.objects.filter(status=S.GATHERING, support_deadline__lte=now):
        with petition_transition(
            p,
            by=None,
            action=Action.EXPIRE,
            allowed=policies.anyone,
            event=EventType.PETITION_EXPIRED,
        ) as change:
            notify(
                user=change.obj.author,
                subject=msg(
                    _("Your petition “%(title)s” did not find enough supporters"),
                    {"title": p.title},
                ),
                body=msg(_("It can no longer be opened for signatures."), {}),
                url=petition_url(p),
            )
        done["expired"] += 1
    # a threshold crossed by signatures that committed together fires here at the latest
    for p in Petition.objects.filter(status__in=(S.OPEN, S.REFERRED)).select_related("type"):
        total = signature_count(p.pk)
        if total >= p.type.refer_threshold and (
            p.status == S.OPEN or total >= p.type.answer_threshold
        ):
            reach_thresholds(p.pk)
    for p in Petition.objects.filter(status__in=(S.OPEN,), closes_at__lte=now):
        with petition_transition(
            p,
            by=None,
            action=Action.CLOSE,
            allowed=policies.anyone,
            event=EventType.PETITION_CLOSED,
        ) as change:
            change.obj.signature_count = signature_count(p.pk)
        done["closed"] += 1
    done["drafts_removed"] = petition_drafts_cleanup(now)
    for p in Petition.objects.filter(
        status__in=(S.OPEN, S.REFERRED, S.AWAITING_ANSWER), closes_at__gt=now - timedelta(days=1)
    ).only("pk", "signature_count"):
        total = signature_count(p.pk)
        if total != p.signature_count:
            Petition.objects.filter(pk=p.pk).update(signature_count=total)
            done["synced"] += 1
    return done


DRAFT_DIR = "petition-drafts"  # images of petitions being written, per user (views_create)


def petition_drafts_cleanup(now=None) -> int:
    """Remove images of petitions still being written whose session can no longer exist."""
    now = now or timezone.now()
    cutoff = now - timedelta(seconds=settings.SESSION_COOKIE_AGE)
    removed = 0
    try:
        users, _files = default_storage.listdir(DRAFT_DIR)
    except FileNotFoundError:
        return 0
    for user_dir in users:
        for name in default_storage.listdir(f"{DRAFT_DIR}/{user_dir}")[1]:
            path = f"{DRAFT_DIR}/{user_dir}/{name}"
            if default_storage.get_modified_time(path) < cutoff:
                default_storage.delete(path)
                removed += 1
    return removed
