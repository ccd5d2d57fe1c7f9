"""Bench data for participatory budgeting (used by `bench/participation.py`): a published
regional process in its voting phase, a knapsack budget with N published, feasible projects,
and the given voters made residents of its region.

Written with bulk_create (fast) but shaped like the services' output: projects published by
moderation, assessed feasible with an official cost. Needs Django set up and the regions that
the `core` data migration ships."""

from __future__ import annotations

import random
from datetime import timedelta

REGION_CODE = "11110"  # 서울특별시 종로구
TOTAL_AMOUNT = 3_000_000_000  # 30억원

PLACES = ["사직로", "세종대로", "율곡로", "종로", "창경궁로", "대학로", "자하문로", "북촌로"]
KINDS = ["보행로 정비", "쉼터 조성", "가로등 교체", "놀이터 개선", "자전거 보관대", "CCTV 설치"]


def seed_budget(*, projects: int = 500, voters: list, unit=None, slug: str = "") -> dict:
    """Create the process, budget and projects; make `voters` residents of the budget's
    region. Returns {"ballot_url", "budget_url", "results_url", "budget", "process",
    "projects"}."""
    from django.contrib.auth import get_user_model
    from django.db import transaction
    from django.urls import reverse
    from django.utils import timezone

    from nara.agencies.models import Unit
    from nara.core.models import Region
    from nara.participation.budgets.models import (
        BallotStyle,
        Budget,
        Feasibility,
        Project,
    )
    from nara.participation.models import (
        DEFAULT_PHASE_ACTIONS,
        ModerationStatus,
        Phase,
        PhaseKind,
        Process,
    )

    rng = random.Random(4)
    region = Region.objects.get(code=REGION_CODE)
    now = timezone.now()
    with transaction.atomic():
        if unit is None:
            unit, _ = Unit.objects.get_or_create(
                code="bench-jongno",
                defaults={
                    "name_ko": "종로구청 예산과",
                    "name_en": "Jongno-gu Budget Division",
                    "kind": Unit.Kind.DEPARTMENT,
                },
            )
        process = Process.objects.create(
            slug=slug or f"bench-budget-{Process.objects.count() + 1}",
            unit=unit,
            title="종로구 주민참여예산 (벤치)",
            summary="주민이 제안하고 주민이 결정하는 종로구 예산",
            region=region,
            published=True,
        )
        order = [
            PhaseKind.INFORMATION,
            PhaseKind.INPUT,
            PhaseKind.DELIBERATION,
            PhaseKind.VOTING,
            PhaseKind.RESULTS,
        ]
        current = order.index(PhaseKind.VOTING)
        Phase.objects.bulk_create(
            Phase(
                process=process,
                kind=kind,
                starts_at=now + timedelta(days=30 * (i - current) - 1),
                ends_at=now + timedelta(days=30 * (i - current + 1) - 1),
                actions=list(DEFAULT_PHASE_ACTIONS[kind]),
            )
            for i, kind in enumerate(order)
        )
        budget = Budget.objects.create(
            process=process,
            title="2026년 종로구 주민참여예산",
            summary="30억원의 쓰임을 주민 투표로 정합니다.",
            total_amount=TOTAL_AMOUNT,
            ballot_style=BallotStyle.KNAPSACK,
            style_locked_at=now - timedelta(days=1),
        )
        author = voters[0] if voters else get_user_model().objects.order_by("pk").first()
        rows = []
        for i in range(projects):
            cost = rng.randrange(20, 600) * 1_000_000
            place = PLACES[i % len(PLACES)]
            rows.append(
                Project(
                    budget=budget,
                    author=author,
                    title=f"{place} {KINDS[i % len(KINDS)]} {i + 1}",
                    description=(
                        f"{place} 일대 주민이 함께 쓰는 공간을 고칩니다. 어르신과 어린이가 "
                        "안전하게 다닐 수 있도록 정비하고, 밤에도 밝게 합니다."
                    ),
                    location=f"종로구 {place}",
                    estimated_cost=cost,
                    official_cost=cost,
                    feasibility=Feasibility.FEASIBLE,
                    feasibility_reason="",
                    assessed_at=now - timedelta(days=10),
                    moderation_status=ModerationStatus.PUBLISHED,
                    submitted_at=now - timedelta(days=40),
                    moderated_at=now - timedelta(days=39),
                )
            )
        Project.objects.bulk_create(rows, batch_size=1000)
        if voters:
            get_user_model().objects.filter(pk__in=[v.pk for v in voters]).update(region=region)
            for voter in voters:
                voter.region = region
    return {
        "ballot_url": reverse("budgets:ballot", args=[budget.pk]),
        "budget_url": reverse("budgets:detail", args=[budget.pk]),
        "results_url": reverse("budgets:results", args=[budget.pk]),
        "budget": budget,
        "process": process,
        "projects": projects,
    }
