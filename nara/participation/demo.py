"""Demo data for policy participation, loaded by `manage.py demo_data` after the agencies,
accounts, complaints and petitions. Each kind of participation loads its own part; the core
adds an upcoming and a finished process (so every list has something) and a follower."""

from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nara.accounts.models import User
from nara.agencies.models import Unit


@dataclass
class DemoContext:
    units: dict[str, Unit]  # by unit code (see demo_data.UNITS)
    citizens: list[User]  # citizen1 … citizen200, in order (citizens[0] is citizen1)
    moderator: User  # moderator@demo.nara.kr (TOTP like the officials)
    operator: User
    domain: str  # "demo.nara.kr"; officials are handler.<code>@domain, approver.<code>@domain


def _core(ctx: DemoContext) -> None:
    from nara.core.models import Region
    from nara.notifications.messages import msg

    from . import following, services
    from .models import DigestFrequency, PhaseKind

    day = timedelta(days=1)
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    upcoming = services.process_create(
        by=ctx.operator,
        unit=ctx.units["seoul"],
        slug="seoul-2040-plan",
        title="2040 서울도시기본계획 시민 의견 수렴",
        summary="서울의 2040년 도시 공간 계획에 대해 시민 여러분의 의견을 듣습니다. "
        "설명회 자료가 먼저 공개되고, 이어서 의견 제출과 숙의가 진행됩니다.",
        title_en="Seoul 2040 urban plan: tell us what you think",
        summary_en="We want to hear from residents about Seoul's spatial plan for 2040. The "
        "briefing materials come first, then comments and deliberation.",
        region=Region.objects.filter(code="11").first(),
        phases=[
            (PhaseKind.INFORMATION, today + 10 * day, today + 20 * day),
            (PhaseKind.INPUT, today + 20 * day, today + 50 * day),
            (PhaseKind.DELIBERATION, today + 50 * day, today + 60 * day),
            (PhaseKind.RESULTS, today + 60 * day, today + 120 * day),
        ],
        published=True,
    )
    finished = services.process_create(
        by=ctx.operator,
        unit=ctx.units["mois"],
        slug="digital-service-charter",
        title="디지털 정부 서비스 헌장 제정",
        summary="국민이 디지털 정부 서비스에서 기대할 수 있는 약속을 함께 정했습니다. "
        "의견 수렴과 결과 보고가 모두 끝났습니다.",
        title_en="A charter for digital government services",
        summary_en="Together we set out what people can expect of digital government "
        "services. Comments and the report are both finished.",
        phases=[
            (PhaseKind.INFORMATION, today - 90 * day, today - 80 * day),
            (PhaseKind.INPUT, today - 80 * day, today - 50 * day),
            (PhaseKind.DELIBERATION, today - 50 * day, today - 40 * day),
            (PhaseKind.RESULTS, today - 40 * day, today - 10 * day),
        ],
        published=True,
    )
    follower = ctx.citizens[0]
    for process in (upcoming, finished):
        services.follow_create(user=follower, target=process)
    services.digest_frequency_set(user=follower, frequency=DigestFrequency.DAILY)
    following.record_activity(
        process=upcoming,
        message=msg(_("Briefing materials have been published.")),
        url=upcoming.get_absolute_url(),
    )


def load(ctx: DemoContext) -> None:
    from .budgets import demo as budgets
    from .consultations import demo as consultations
    from .contributions import demo as contributions
    from .polls import demo as polls
    from .proposals import demo as proposals

    _core(ctx)
    for part in (consultations, proposals, polls, budgets, contributions):
        part.load(ctx)
