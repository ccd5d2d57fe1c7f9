"""Every write to participation processes, follows and digest preferences. Each state change runs
in one transaction: check who may do it, change, write the audit event.

Topic apps make their processes with `process_create`:

    process_create(by=official, unit=unit, slug="bike-lanes", title="…", summary="…",
                   region=None, phases=[(PhaseKind.INPUT, starts_at, ends_at), …],
                   published=True)

A phase is `(kind, starts_at, ends_at)` or `(kind, starts_at, ends_at, actions)`; without
actions it gets the defaults of its kind (`DEFAULT_PHASE_ACTIONS`)."""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.selectors import official_of_unit_or_above
from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import NotAllowed

from .models import (
    DEFAULT_PHASE_ACTIONS,
    Action,
    DigestFrequency,
    DigestPreference,
    Follow,
    Phase,
    PhaseKind,
    Process,
)

TITLE_MAX, SLUG_MAX = 200, 80
PhaseSpec = tuple  # (kind, starts_at, ends_at) or (kind, starts_at, ends_at, actions)


# --- who may run a process ----------------------------------------------------------------------


def can_run(user, unit) -> bool:
    """Operators, and officials (any role) of `unit` or of a unit above it."""
    if not getattr(user, "is_authenticated", False):
        return False
    return user.is_staff or official_of_unit_or_above(user, unit)


# --- validation ---------------------------------------------------------------------------------


def phases_clean(phases: Iterable[PhaseSpec]) -> list[dict]:
    """Phases as dicts (kind, starts_at, ends_at, actions), checked: known kinds and actions,
    each ending after it starts, in order and not overlapping (a phase may start the moment
    the one before ends). Raises ValidationError({"phases": …})."""
    cleaned: list[dict] = []
    for spec in phases:
        if isinstance(spec, dict):
            kind, starts_at, ends_at = spec["kind"], spec["starts_at"], spec["ends_at"]
            actions = spec.get("actions")
        else:
            kind, starts_at, ends_at, *rest = spec
            actions = rest[0] if rest else None
        if kind not in PhaseKind.values:
            raise ValidationError({"phases": _("Unknown phase kind.")})
        if not isinstance(starts_at, datetime) or not isinstance(ends_at, datetime):
            raise ValidationError({"phases": _("Every phase needs a start and an end.")})
        if ends_at <= starts_at:
            raise ValidationError({"phases": _("A phase must end after it starts.")})
        if actions is None:
            actions = list(DEFAULT_PHASE_ACTIONS[kind])
        actions = [str(a) for a in actions]
        if any(a not in Action.values for a in actions):
            raise ValidationError({"phases": _("Unknown action in a phase.")})
        cleaned.append(
            {"kind": str(kind), "starts_at": starts_at, "ends_at": ends_at, "actions": actions}
        )
    for before, after in zip(cleaned, cleaned[1:], strict=False):
        if after["starts_at"] < before["ends_at"]:
            raise ValidationError(
                {"phases": _("Phases must follow each other in order without overlapping.")}
            )
    return cleaned


def _clean_fields(*, slug: str, title: str) -> tuple[str, str]:
    slug, title = (slug or "").strip(), (title or "").strip()
    errors = {}
    try:
        validate_slug(slug)
        if len(slug) > SLUG_MAX:
            raise ValidationError("")
    except ValidationError:
        errors["slug"] = _(
            "The short name may use only letters, numbers, hyphens and underscores (at most %(n)d)."
        ) % {"n": SLUG_MAX}
    if not title:
        errors["title"] = _("Give the process a title.")
    elif len(title) > TITLE_MAX:
        errors["title"] = _("The title can be at most %(n)d characters.") % {"n": TITLE_MAX}
    if errors:
        raise ValidationError(errors)
    return slug, title


def _phases_data(process: Process) -> list[dict]:
    return [
        {
            "kind": p.kind,
            "starts_at": p.starts_at.isoformat(),
            "ends_at": p.ends_at.isoformat(),
            "actions": list(p.actions),
        }
        for p in process.phases.all()
    ]


def _phases_write(process: Process, phases: list[dict]) -> None:
    Phase.objects.filter(process=process).delete()
    Phase.objects.bulk_create(Phase(process=process, **phase) for phase in phases)


# --- processes ----------------------------------------------------------------------------------


def process_create(
    *,
    by,
    unit,
    slug: str,
    title: str,
    summary: str = "",
    region=None,
    phases: Sequence[PhaseSpec] = (),
    published: bool = False,
    title_en: str = "",
    summary_en: str = "",
) -> Process:
    """참여 과정 개설: an agency opens a participation process (its title and summary in
    English too, where written). `by` must be an official of `unit` (or of a unit above it) or
    an operator. Audited."""
    if not can_run(by, unit):
        raise NotAllowed()
    slug, title = _clean_fields(slug=slug, title=title)
    cleaned = phases_clean(phases)
    if published and not cleaned:
        raise ValidationError({"phases": _("A published process needs at least one phase.")})
    try:
        with transaction.atomic():
            process = Process.objects.create(
                slug=slug,
                unit=unit,
                title=title,
                summary=(summary or "").strip(),
                title_en=(title_en or "").strip()[:200],
                summary_en=(summary_en or "").strip(),
                region=region,
                published=published,
                created_by=by,
            )
            _phases_write(process, cleaned)
            audit_record(
                actor=by,
                event_type=EventType.PARTICIPATION_PROCESS_CREATED,
                target=process,
                to_state="published" if published else "draft",
                data={"slug": slug, "phases": _phases_data(process)},
            )
    except IntegrityError:
        if Process.objects.filter(slug=slug).exists():
            raise ValidationError(
                {"slug": _("Another process already uses this short name.")}
            ) from None
        raise
    return process


def _locked(process: Process, by) -> Process:
    locked = Process.objects.select_for_update().select_related("unit").get(pk=process.pk)
    if not can_run(by, locked.unit):
        raise NotAllowed()
    return locked


def process_phases_set(*, by, process: Process, phases: Sequence[PhaseSpec]) -> Process:
    """Replace the phases of a process (dates, kinds, what is allowed in each). Audited with
    the phases before and after."""
    cleaned = phases_clean(phases)
    with transaction.atomic():
        locked = _locked(process, by)
        if locked.published and not cleaned:
            raise ValidationError({"phases": _("A published process needs at least one phase.")})
        before = _phases_data(locked)
        _phases_write(locked, cleaned)
        audit_record(
            actor=by,
            event_type=EventType.PARTICIPATION_PROCESS_CHANGED,
            target=locked,
            data={"phases_before": before, "phases_after": _phases_data(locked)},
        )
    return locked


def process_publish(*, by, process: Process, published: bool = True) -> Process:
    """Publish a process (or take it back with `published=False`). Publishing needs phases."""
    with transaction.atomic():
        locked = _locked(process, by)
        if locked.published == published:
            return locked
        if published and not locked.phases.exists():
            raise ValidationError({"phases": _("A published process needs at least one phase.")})
        locked.published = published
        locked.save(update_fields=["published"])
        audit_record(
            actor=by,
            event_type=EventType.PARTICIPATION_PROCESS_CHANGED,
            target=locked,
            from_state="draft" if published else "published",
            to_state="published" if published else "draft",
        )
    return locked


# --- follows ------------------------------------------------------------------------------------


def _digest_ensure(user) -> DigestPreference:
    preference, _created = DigestPreference.objects.get_or_create(user=user)
    return preference


def follow_create(*, user, target: models.Model) -> Follow:
    """Follow a process or an item. Idempotent: a double click makes one follow."""
    if not getattr(user, "is_authenticated", False):
        raise NotAllowed()
    content_type = ContentType.objects.get_for_model(target)
    try:
        with transaction.atomic():
            follow, _created = Follow.objects.get_or_create(
                user=user, content_type=content_type, object_id=target.pk
            )
    except IntegrityError:  # the other click won the race
        follow = Follow.objects.get(user=user, content_type=content_type, object_id=target.pk)
    _digest_ensure(user)
    return follow


def follow_delete(*, user, target: models.Model) -> int:
    """Stop following. Idempotent: returns how many follows were removed (0 or 1)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    content_type = ContentType.objects.get_for_model(target)
    deleted, _ = Follow.objects.filter(
        user=user, content_type=content_type, object_id=target.pk
    ).delete()
    return deleted


# --- digest preferences -------------------------------------------------------------------------


def digest_frequency_set(*, user, frequency: str) -> DigestPreference:
    """Daily, weekly or no digest. Turning it back on does not send what happened while off."""
    if frequency not in DigestFrequency.values:
        raise ValidationError({"frequency": _("Choose how often to get the digest.")})
    with transaction.atomic():
        preference = _digest_ensure(user)
        preference = DigestPreference.objects.select_for_update().get(pk=preference.pk)
        if preference.frequency == DigestFrequency.OFF and frequency != DigestFrequency.OFF:
            preference.covered_until = timezone.now()
        preference.frequency = frequency
        preference.save(update_fields=["frequency", "covered_until"])
    return preference


def digest_unsubscribe(*, user) -> DigestPreference:
    """The one-click unsubscribe of the digest mail (RFC 8058)."""
    return digest_frequency_set(user=user, frequency=DigestFrequency.OFF)
