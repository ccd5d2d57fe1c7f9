"""Reads of participation processes: the public lists, a process page for its viewer, and a
user's own participation (follows and posts)."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Max, Min, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from nara.agencies.models import Unit
from nara.core.models import Region

from . import policies
from .models import CITIZEN_ACTIONS, OFFICIAL_ACTIONS, Action, Follow, Phase, Process
from .services import can_run

LISTS = ("open", "upcoming", "finished")


def can_preview(user, process: Process) -> bool:
    """Officials of the running agency and operators see a process before it is published."""
    return can_run(user, process.unit)


def processes_public(
    *, list_name: str = "open", unit: Unit | None = None, region: Region | None = None, now=None
) -> QuerySet[Process]:
    """Published processes: open now (between their first start and last end), upcoming or
    finished, with `first_start`/`last_end` and their phases prefetched."""
    now = now or timezone.now()
    processes = (
        Process.objects.filter(published=True)
        .annotate(first_start=Min("phases__starts_at"), last_end=Max("phases__ends_at"))
        .filter(first_start__isnull=False)
        .select_related("unit", "region")
        .prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("starts_at", "id")))
    )
    if unit is not None:
        processes = processes.filter(unit=unit)
    if region is not None:
        processes = processes.filter(Q(region=region) | Q(region__parent=region))
    if list_name == "upcoming":
        return processes.filter(first_start__gt=now).order_by("first_start", "id")
    if list_name == "finished":
        return processes.filter(last_end__lte=now).order_by("-last_end", "-id")
    return processes.filter(first_start__lte=now, last_end__gt=now).order_by("last_end", "id")


def filter_units() -> QuerySet[Unit]:
    """Agencies that run at least one published process (for the filter)."""
    return Unit.objects.filter(participation_processes__published=True).distinct().order_by("code")


def filter_regions() -> QuerySet[Region]:
    """시도 (top-level regions), for the filter."""
    return Region.objects.filter(parent__isnull=True).order_by("code")


def published_process(slug: str) -> Process:
    """A published process with its agency, region and phases (what the policy needs), or 404."""
    try:
        return (
            Process.objects.select_related("unit", "region")
            .prefetch_related("phases")
            .get(slug=slug, published=True)
        )
    except Process.DoesNotExist:
        raise Http404 from None


def process_for_viewer(user, slug: str) -> Process:
    """The process with its phases; 404 unless published, or the viewer may preview it."""
    process = (
        Process.objects.select_related("unit", "unit__parent", "region")
        .prefetch_related(Prefetch("phases", queryset=Phase.objects.order_by("starts_at", "id")))
        .filter(slug=slug)
        .first()
    )
    if process is None or not (process.published or can_preview(user, process)):
        raise Http404
    return process


@dataclass
class TimelineStep:
    phase: Phase
    state: str  # "past", "current", "upcoming"


def timeline(process: Process, *, now: datetime | None = None) -> list[TimelineStep]:
    now = now or timezone.now()
    steps = []
    for phase in process.phases.all():
        if phase.ends_at <= now:
            state = "past"
        elif phase.starts_at <= now:
            state = "current"
        else:
            state = "upcoming"
        steps.append(TimelineStep(phase=phase, state=state))
    return steps


def next_phase(process: Process, *, now: datetime | None = None) -> Phase | None:
    now = now or timezone.now()
    return next((p for p in process.phases.all() if p.starts_at > now), None)


@dataclass
class Possibility:
    action: str
    label: str
    refusal: str | None  # None: the viewer may do it now


def possibilities(user, process: Process, *, now: datetime | None = None) -> list[Possibility]:
    """For the viewer: each action the current phase opens (citizen actions for everyone, the
    agency's actions for its officials), with the refusal reason when they may not."""
    phase = policies.current_phase(process, now=now)
    if phase is None:
        return []
    show_official = policies.is_agency_official(user, process)
    found = []
    for action in Action:
        if action not in phase.actions:
            continue
        if action in OFFICIAL_ACTIONS and not show_official:
            continue
        if action not in CITIZEN_ACTIONS | OFFICIAL_ACTIONS:
            continue
        reason = policies.refusal(user, process, action, now=now)
        found.append(
            Possibility(
                action=action.value,
                label=action.label,
                refusal=str(reason) if reason is not None else None,
            )
        )
    return found


# --- a user's own participation -----------------------------------------------------------------


def follows_of(user) -> list[Follow]:
    """The user's follows with their targets (one query per kind of target), each with
    `kind` (the target's kind, translated) and `label` (for the follow URL)."""
    follows = list(
        Follow.objects.filter(user=user)
        .select_related("content_type")
        .prefetch_related("target")
        .order_by("-created_at", "-id")
    )
    for follow in follows:
        model = follow.content_type.model_class()
        follow.kind = model._meta.verbose_name if model else ""
        follow.label = model._meta.label_lower if model else ""
    return follows


@dataclass
class PostGroup:
    label: str  # the model's verbose_name_plural
    items: list


def posts_of(user, *, limit: int = 50) -> list[PostGroup]:
    """Everything the user posted, in every model registered for moderation, newest first,
    with its moderation status and the moderator's reason (one query per model)."""
    from .moderation import REGISTRY

    groups = []
    for registration in REGISTRY.values():
        model = registration.model
        queryset = model.objects.filter(author=user).order_by("-submitted_at", "-pk")
        if any(f.name == "process" for f in model._meta.get_fields()):
            queryset = queryset.select_related("process")
        items = list(queryset[:limit])
        if items:
            groups.append(PostGroup(label=str(model._meta.verbose_name_plural), items=items))
    return groups
