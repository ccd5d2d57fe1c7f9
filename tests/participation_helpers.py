"""Shared helpers for participation tests: a process whose current phase is the one asked."""

from datetime import timedelta

from django.utils import timezone

from nara.participation.models import DEFAULT_PHASE_ACTIONS, Phase, PhaseKind, Process

PHASE_ORDER = [
    PhaseKind.INFORMATION,
    PhaseKind.INPUT,
    PhaseKind.DELIBERATION,
    PhaseKind.VOTING,
    PhaseKind.RESULTS,
]


def make_process(
    unit,
    *,
    current: str = PhaseKind.INPUT,
    region=None,
    slug=None,
    title="시범 참여 과정",
    published=True,
) -> Process:
    """A published process with all five phases, one week each, the `current` one open now."""
    now = timezone.now()
    process = Process.objects.create(
        slug=slug or f"process-{Process.objects.count() + 1}",
        unit=unit,
        title=title,
        summary="요약",
        region=region,
        published=published,
    )
    index = PHASE_ORDER.index(current)
    for i, kind in enumerate(PHASE_ORDER):
        start = now + timedelta(days=7 * (i - index)) - timedelta(days=1)
        Phase.objects.create(
            process=process,
            kind=kind,
            starts_at=start,
            ends_at=start + timedelta(days=7),
            actions=list(DEFAULT_PHASE_ACTIONS[kind]),
        )
    return process


def move_to_phase(process: Process, kind: str) -> Process:
    """Shift the process's phases so that `kind` is open now."""
    Phase.objects.filter(process=process).delete()
    now = timezone.now()
    index = PHASE_ORDER.index(kind)
    for i, k in enumerate(PHASE_ORDER):
        start = now + timedelta(days=7 * (i - index)) - timedelta(days=1)
        Phase.objects.create(
            process=process,
            kind=k,
            starts_at=start,
            ends_at=start + timedelta(days=7),
            actions=list(DEFAULT_PHASE_ACTIONS[k]),
        )
    return process
