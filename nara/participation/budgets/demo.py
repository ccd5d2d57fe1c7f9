"""Demo data for budgets: called by `nara.participation.demo.load`.

Two Seoul-wide budgets run by the Parks and Greenery Division (region 11, 서울특별시: demo
citizens living in any Seoul 구 are residents): one in its voting phase with 12 feasible projects,
one infeasible, one awaiting moderation and some ballots; one finished, showing its results.
Everything goes through the services: proposing, moderation, assessment, ballots."""

from datetime import timedelta

from django.utils import timezone

from nara.accounts.models import User
from nara.core.models import Region
from nara.participation.models import DEFAULT_PHASE_ACTIONS, Phase, PhaseKind, Process
from nara.participation.moderation import moderation_decide

from . import services
from .models import BallotStyle, Budget, Project

ORDER = [
    PhaseKind.INFORMATION,
    PhaseKind.INPUT,
    PhaseKind.DELIBERATION,
    PhaseKind.VOTING,
    PhaseKind.RESULTS,
]

PROJECTS = [
    # title, location, description, estimated cost (만원), official cost (만원) or None (not feasible)
    (
        "사직로 보행로 턱 낮추기",
        "종로구 사직로",
        "유모차와 휠체어가 다니기 쉽도록 횡단보도 앞 보도 턱을 낮춥니다.",
        8000,
        9000,
    ),
    (
        "북촌 골목 가로등 LED 교체",
        "종로구 북촌로",
        "어두운 골목길의 가로등을 밝은 LED로 바꿔 밤길을 안전하게 합니다.",
        12000,
        11000,
    ),
    (
        "낙산공원 쉼터 그늘막",
        "종로구 낙산공원",
        "여름 햇볕을 피할 그늘막과 벤치를 산책로 쉼터에 설치합니다.",
        5000,
        6000,
    ),
    (
        "청계천 자전거 보관대",
        "중구 청계천로",
        "자전거 이용자가 많은 청계천 입구에 보관대 40면을 설치합니다.",
        3000,
        3500,
    ),
    (
        "마포 어린이 놀이터 바닥 교체",
        "마포구 망원동",
        "낡은 놀이터 바닥을 충격을 흡수하는 탄성 포장으로 교체합니다.",
        15000,
        14000,
    ),
    (
        "한강공원 음수대 설치",
        "영등포구 여의도 한강공원",
        "운동하는 시민을 위해 한강공원 산책로에 음수대 6곳을 설치합니다.",
        6000,
        7200,
    ),
    (
        "성수동 골목 화단 가꾸기",
        "성동구 성수동",
        "주민이 함께 가꾸는 골목 화단을 만들고 물주기 모임을 지원합니다.",
        2000,
        2500,
    ),
    (
        "관악산 등산로 안내판 정비",
        "관악구 관악산",
        "낡은 등산로 안내판을 점자와 영어가 들어간 안내판으로 바꿉니다.",
        4000,
        4500,
    ),
    (
        "노원 초등학교 앞 옐로카펫",
        "노원구 상계동",
        "어린이가 신호를 기다리는 자리를 노랗게 칠해 운전자 눈에 띄게 합니다.",
        1500,
        1800,
    ),
    (
        "은평 경로당 운동기구",
        "은평구 불광동",
        "어르신들이 쓰기 쉬운 실내 운동기구를 경로당 5곳에 놓습니다.",
        9000,
        8000,
    ),
    (
        "강서 습지생태공원 관찰 데크",
        "강서구 습지생태공원",
        "철새를 가까이 볼 수 있는 관찰 데크를 만듭니다.",
        20000,
        22000,
    ),
    (
        "송파 공원 반려견 놀이터",
        "송파구 올림픽공원 인근",
        "반려견이 목줄 없이 뛰놀 수 있는 울타리 놀이터를 만듭니다.",
        18000,
        17000,
    ),
    (
        "광화문광장 분수 확장",
        "종로구 광화문광장",
        "광장 분수를 두 배로 넓혀 여름 놀이 공간을 만듭니다.",
        90000,
        None,
    ),
]

# the English versions the assessing official writes (title, description)
ENGLISH = {
    "사직로 보행로 턱 낮추기": (
        "Lower kerbs on Sajik-ro",
        "Lower the kerbs at the crossings so that prams and wheelchairs pass easily.",
    ),
    "북촌 골목 가로등 LED 교체": (
        "LED street lights in Bukchon's alleys",
        "Replace the dim alley lights with bright LEDs to make walking home at night safer.",
    ),
    "낙산공원 쉼터 그늘막": (
        "Shade over Naksan Park's rest areas",
        "Put up sunshades and benches at the rest areas along the walking trail.",
    ),
    "청계천 자전거 보관대": (
        "Bicycle racks at Cheonggyecheon",
        "Install 40 bicycle spaces at the busy entrance to Cheonggyecheon.",
    ),
    "마포 어린이 놀이터 바닥 교체": (
        "New playground surface in Mapo",
        "Replace the worn playground floor with shock-absorbing rubber paving.",
    ),
    "한강공원 음수대 설치": (
        "Drinking fountains in Hangang Park",
        "Install six drinking fountains along the park's trail for people exercising.",
    ),
    "성수동 골목 화단 가꾸기": (
        "Alley flower beds in Seongsu-dong",
        "Make flower beds that neighbours tend together, and support a watering group.",
    ),
    "관악산 등산로 안내판 정비": (
        "New trail signs on Gwanaksan",
        "Replace old trail signs with signs in braille and English.",
    ),
    "노원 초등학교 앞 옐로카펫": (
        "Yellow carpet at a Nowon primary school",
        "Paint the place where children wait for the lights yellow, so drivers see them.",
    ),
    "은평 경로당 운동기구": (
        "Exercise equipment for Eunpyeong's senior centres",
        "Place indoor exercise equipment that older people can use in five senior centres.",
    ),
    "강서 습지생태공원 관찰 데크": (
        "Bird-watching deck at Gangseo Wetland Park",
        "Build a deck for watching migratory birds up close.",
    ),
    "송파 공원 반려견 놀이터": (
        "Dog park in Songpa",
        "Build a fenced playground where dogs can run off the lead.",
    ),
    "광화문광장 분수 확장": (
        "Larger fountain at Gwanghwamun Square",
        "Double the square's fountain to make a summer play area.",
    ),
}

MAN = 10_000  # 만원


def _phases(process: Process, current: str) -> None:
    Phase.objects.filter(process=process).delete()
    now = timezone.now()
    index = ORDER.index(current)
    for i, kind in enumerate(ORDER):
        start = now + timedelta(days=14 * (i - index)) - timedelta(days=3)
        Phase.objects.create(
            process=process,
            kind=kind,
            starts_at=start,
            ends_at=start + timedelta(days=14),
            actions=list(DEFAULT_PHASE_ACTIONS[kind]),
        )


def _fresh(budget: Budget) -> Budget:
    return Budget.objects.select_related("process").get(pk=budget.pk)


def _budget(ctx, *, slug, title, summary, english, total, style, votes, end_phase, ballots):
    """`english`: the title and summary in English."""
    if Process.objects.filter(slug=slug).exists():
        return
    seoul = Region.objects.get(code="11")
    unit = ctx.units["seoul-parks"]
    official = User.objects.get(email=f"handler.seoul-parks@{ctx.domain}")
    residents = [c for c in ctx.citizens if c.region_id and c.region.parent_id == seoul.pk]
    process = Process.objects.create(
        slug=slug,
        unit=unit,
        title=title,
        summary=summary,
        title_en=english[0],
        summary_en=english[1],
        region=seoul,
        published=True,
        created_by=ctx.operator,
    )
    _phases(process, PhaseKind.INPUT)
    budget = services.budget_create(
        process=process,
        by=ctx.operator,
        title=title,
        summary=summary,
        title_en=english[0],
        summary_en=english[1],
        total_amount=total,
        ballot_style=style,
        approval_votes=votes,
    )
    projects = []
    for i, (name, where, text, estimate, cost) in enumerate(PROJECTS):
        project = services.project_propose(
            budget=_fresh(budget),
            author=residents[i % len(residents)],
            title=name,
            description=text,
            location=where,
            estimated_cost=estimate * MAN,
        )
        moderation_decide(item=project, by=ctx.moderator, decision="approve")
        services.project_assess(
            project=project,
            by=official,
            feasible=cost is not None,
            official_cost=cost * MAN if cost else None,
            reason=""
            if cost
            else "문화재 보호구역이라 분수를 넓힐 수 없고, 비용이 예산 전체를 넘습니다.",
        )
        services.project_english_set(
            project=project, by=official, title_en=ENGLISH[name][0], description_en=ENGLISH[name][1]
        )
        projects.append(project)
    # one more, still waiting for the moderator
    services.project_propose(
        budget=_fresh(budget),
        author=residents[-1],
        title="동네 도서관 야간 개방",
        description="퇴근 후에도 이용할 수 있도록 구립 도서관을 밤 10시까지 엽니다.",
        location="서대문구",
        estimated_cost=7000 * MAN,
    )
    _phases(process, PhaseKind.VOTING)
    budget = _fresh(budget)
    feasible = [p for p in projects if Project.objects.on_ballot().filter(pk=p.pk).exists()]
    for n, voter in enumerate(residents[:ballots]):
        chosen, spent = [], 0
        limit = votes if style == BallotStyle.APPROVAL else len(feasible)
        for k in range(len(feasible)):
            project = feasible[(n * 3 + k * (n % 4 + 1)) % len(feasible)]
            cost = Project.objects.get(pk=project.pk).official_cost
            if project.pk in chosen or len(chosen) >= limit:
                continue
            if style == BallotStyle.KNAPSACK and spent + cost > total:
                continue
            chosen.append(project.pk)
            spent += cost
        services.ballot_cast(budget=budget, voter=voter, project_ids=chosen)
    if end_phase != PhaseKind.VOTING:
        _phases(process, end_phase)


def load(ctx) -> None:
    _budget(
        ctx,
        slug="seoul-pb-2026",
        title="2026 서울시 주민참여예산: 공원과 골목",
        summary="서울 시민이 제안한 공원·골목 사업 가운데 어떤 사업에 5억원을 쓸지 투표로 정합니다.",
        english=(
            "Seoul participatory budget 2026: parks and alleys",
            "Vote on which of the parks and alleys projects Seoul's residents proposed get "
            "the 500 million won.",
        ),
        total=50_000 * MAN,
        style=BallotStyle.KNAPSACK,
        votes=3,
        end_phase=PhaseKind.VOTING,
        ballots=8,
    )
    _budget(
        ctx,
        slug="seoul-pb-2025",
        title="2025 서울시 주민참여예산: 우리 동네 쉼터",
        summary="지난해 시민 투표로 뽑은 쉼터 사업입니다. 결과를 확인하세요.",
        english=(
            "Seoul participatory budget 2025: places to rest",
            "The rest-area projects residents chose by vote last year. See the results.",
        ),
        total=40_000 * MAN,
        style=BallotStyle.APPROVAL,
        votes=3,
        end_phase=PhaseKind.RESULTS,
        ballots=15,
    )
