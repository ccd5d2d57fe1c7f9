"""Demo data for contributions: called by `nara.participation.demo.load`.

A call for contributions by Seoul's Transport Policy Division (“cooler bus stops”), open now:
three contributions published (with small pictures drawn here, credited by name and location,
by name only, and anonymously), one awaiting moderation, one rejected with a reason. Everything
goes through the services: the draft, the pictures' checks, the final submit, moderation."""

import io
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from nara.participation.models import DEFAULT_PHASE_ACTIONS, Phase, PhaseKind, Process
from nara.participation.moderation import moderation_decide

from . import services
from .images import picture_clean

SLUG = "cooler-bus-stops"

CONTRIBUTIONS = [
    # title, text, credit name, credit location, picture captions, decision
    (
        "정류장 지붕에 나무 그늘을",
        "광화문 정류장은 한낮에 햇볕을 피할 곳이 없습니다. 정류장 옆에 키 큰 나무를 심고 "
        "지붕에 덩굴 식물을 올리면 그늘이 생기고 더위도 덜할 것 같습니다.",
        "김서연",
        "서울 종로구",
        ["한낮의 광화문 정류장", "덩굴 지붕 스케치"],
        "approve",
    ),
    (
        "물안개 분사기를 시범 설치해 주세요",
        "다른 도시에서 본 물안개 분사기가 시원했습니다. 이용객이 많은 정류장 몇 곳에 시범으로 "
        "설치하고 효과를 알려 주세요.",
        "박준호",
        "",
        ["다른 도시의 물안개 분사기"],
        "approve",
    ),
    (
        "벤치를 그늘 쪽으로 옮겨 주세요",
        "지금 벤치는 햇볕이 가장 강한 쪽에 있습니다. 위치만 바꿔도 어르신들이 훨씬 편하게 "
        "기다릴 수 있습니다.",
        "",
        "",
        [],
        "approve",
    ),
    (
        "정류장마다 온도계를 달아 주세요",
        "정류장 온도를 알 수 있으면 더위가 심한 곳부터 대책을 세울 수 있을 것 같습니다.",
        "이하은",
        "서울 마포구",
        ["정류장 온도계 예시", "", "온도 기록표"],
        None,  # waits for moderation
    ),
    (
        "광고 문의",
        "정류장 그늘막 광고를 싸게 해 드립니다. 연락 주세요 010-0000-0000.",
        "",
        "",
        [],
        "reject",
    ),
]


def _drawing(n: int, caption: str) -> SimpleUploadedFile:
    """A small picture: sky, a bus-stop roof, the sun."""
    image = Image.new("RGB", (960, 640), (150 + 20 * n, 200, 235))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 460, 960, 640), fill=(120, 120, 120))
    draw.rectangle((240, 200, 720, 230), fill=(40, 90, 60 + 30 * n))
    draw.rectangle((260, 230, 280, 460), fill=(60, 60, 60))
    draw.rectangle((680, 230, 700, 460), fill=(60, 60, 60))
    draw.ellipse((780, 40, 900, 160), fill=(255, 210, 60))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return SimpleUploadedFile(f"demo-{n}.jpg", buffer.getvalue(), content_type="image/jpeg")


def load(ctx) -> None:
    unit = ctx.units.get("seoul-traffic") or next(iter(ctx.units.values()))
    process, _created = Process.objects.get_or_create(
        slug=SLUG,
        defaults={
            "unit": unit,
            "title": "시원한 버스 정류장을 위한 여러분의 의견",
            "summary": (
                "여름철 버스 정류장을 더 시원하게 만들 아이디어와 사진을 보내 주세요. 보내 주신 "
                "의견은 내년 정류장 개선 계획에 반영합니다."
            ),
            "title_en": "Your ideas for cooler bus stops",
            "summary_en": (
                "Send us ideas and photos for keeping bus stops cool in summer. What you send "
                "goes into next year's plan for improving bus stops."
            ),
            "published": True,
            "created_by": ctx.operator,
        },
    )
    Phase.objects.filter(process=process).delete()
    now = timezone.now()
    Phase.objects.create(
        process=process,
        kind=PhaseKind.INFORMATION,
        starts_at=now - timedelta(days=20),
        ends_at=now - timedelta(days=10),
        actions=list(DEFAULT_PHASE_ACTIONS[PhaseKind.INFORMATION]),
    )
    Phase.objects.create(
        process=process,
        kind=PhaseKind.INPUT,
        starts_at=now - timedelta(days=10),
        ends_at=now + timedelta(days=20),
        actions=list(DEFAULT_PHASE_ACTIONS[PhaseKind.INPUT]),
    )
    Phase.objects.create(
        process=process,
        kind=PhaseKind.RESULTS,
        starts_at=now + timedelta(days=20),
        ends_at=now + timedelta(days=50),
        actions=list(DEFAULT_PHASE_ACTIONS[PhaseKind.RESULTS]),
    )
    for index, (title, text, name, location, captions, decision) in enumerate(CONTRIBUTIONS):
        author = ctx.citizens[40 + index]
        pictures = {
            slot: picture_clean(_drawing(slot + index, caption))
            for slot, caption in enumerate(captions, start=1)
        }
        draft = services.draft_save(
            user=author,
            process=process,
            data=services.DraftInput(
                title=title,
                text=text,
                credit_name=name,
                credit_location=location,
                consent=True,
                captions=dict(enumerate(captions, start=1)),
                pictures=pictures,
                ready=True,
            ),
        )
        contribution = services.contribution_submit(user=author, token=draft.token)
        if decision == "approve":
            moderation_decide(item=contribution, by=ctx.moderator, decision="approve")
        elif decision == "reject":
            moderation_decide(
                item=contribution,
                by=ctx.moderator,
                decision="reject",
                reason="광고는 게시하지 않습니다(제출 지침: 광고·스팸).",
            )
