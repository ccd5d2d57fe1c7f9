"""Who may do what in a participation process. One place decides, from the current phase, the
person's account, residence and role; views, the API and services all ask here.

- Anonymous visitors may read and nothing else.
- Signed-in people may do the citizen actions the current phase allows; a process limited to a
  region lets only its residents do the region-gated ones (propose, support, answer a poll,
  vote). An account blocked from posting may do none of them.
- Officials of the running agency (its unit or a unit above it, any role) may do the official
  actions the current phase allows (assess, answer, report).
- Moderators may moderate whatever the phase; moderation is checked by `can_moderate`."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.agencies.selectors import official_of_unit_or_above
from nara.core.djangointernals import (
    forget_related,
    related_in_cache,
    set_prefetched,
    unwrap_lazy,
)
from nara.core.prepared import PreparedQuery

from .models import (
    CITIZEN_ACTIONS,
    OFFICIAL_ACTIONS,
    REGION_GATED_ACTIONS,
    Action,
    Phase,
    PostingBlock,
    Process,
)

# The phases of the process of every participation page, compiled once (nara.core.prepared).
_phases_of = PreparedQuery(
    lambda process_id: Phase.objects.filter(process_id=process_id).order_by("starts_at", "id")
)


def load_phases(process: Process) -> Process:
    """Read `process.phases` as prefetch_related("phases") would, in one compiled query."""
    phases = _phases_of.all(process_id=process.pk)
    set_prefetched(process, "phases", process.phases.order_by("starts_at", "id"), phases)
    return process


def current_phase(process: Process, *, now: datetime | None = None) -> Phase | None:
    """The phase open at `now`, or None between, before or after the phases. Uses prefetched
    `process.phases` when present."""
    now = now or timezone.now()
    for phase in process.phases.all():
        if phase.starts_at <= now < phase.ends_at:
            return phase
    return None


def phase_allows(process: Process, action: str, *, now: datetime | None = None) -> bool:
    phase = current_phase(process, now=now)
    return phase is not None and action in phase.actions


def is_resident(user, process: Process) -> bool:
    """Whether `user` lives in the process's region (always, for a national process)."""
    if process.region_id is None:
        return True
    region = getattr(user, "region", None)
    while region is not None:
        if region.pk == process.region_id:
            return True
        region = region.parent
    return False


def is_agency_official(user, process: Process) -> bool:
    """A member (any role) of the running unit or of a unit above it."""
    return official_of_unit_or_above(user, process.unit)


def is_blocked(user) -> bool:
    user = unwrap_lazy(user)  # cache on the user itself
    read, block = related_in_cache(user, "posting_block")  # read with the user (UserBackend)
    if read:
        return block is not None
    cache = user.__dict__
    if "_nara_posting_blocked" not in cache:
        cache["_nara_posting_blocked"] = PostingBlock.objects.filter(user=user).exists()
    return cache["_nara_posting_blocked"]


def forget_blocked(user) -> None:
    """After a block is added or lifted: `is_blocked` reads it again."""
    user = unwrap_lazy(user)
    user.__dict__.pop("_nara_posting_blocked", None)
    forget_related(user, "posting_block")


def refusal(user, process: Process, action: str, *, now: datetime | None = None):
    """Why `user` may not do `action` in `process` now (a translatable message), or None when
    they may."""
    if not getattr(user, "is_authenticated", False):
        return _("Please log in to take part.")
    if not process.published:
        return _("This process is not open.")
    if action in OFFICIAL_ACTIONS:
        if not is_agency_official(user, process):
            return _("Only officials of the agency running this process may do this.")
    elif action in CITIZEN_ACTIONS:
        if is_blocked(user):
            return _("Your account may not post in participation. Contact the moderators.")
        if action in REGION_GATED_ACTIONS and not is_resident(user, process):
            return _("Only residents of %(region)s may do this.") % {"region": process.region}
    else:
        raise ValueError(f"unknown action {action!r}")
    if not phase_allows(process, action, now=now):
        return _("This is not open in the current phase.")
    return None


def can_act(user, process: Process, action: str, *, now: datetime | None = None) -> bool:
    return refusal(user, process, action, now=now) is None


def can_moderate(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_moderator)


def require_act(user, process: Process, action: str, *, now: datetime | None = None) -> None:
    """Raise NotAllowed (with the reason) unless `user` may do `action` in `process` now."""
    from nara.core.errors import NotAllowed

    reason = refusal(user, process, action, now=now)
    if reason is not None:
        raise NotAllowed(reason)


__all__ = ["Action", "can_act", "can_moderate", "current_phase", "refusal", "require_act"]
