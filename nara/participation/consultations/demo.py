"""Demo data for consultations: called by `nara.participation.demo.load`.

- a national draft (국토교통부 도로정책과) open for comment, with 30 published comments spread
  over its articles and stances and a few waiting for moderation;
- a local ordinance (서울특별시 공원녹지정책과) whose comment period has closed, with a
  published "what we heard" report whose themes cover its comments.

Everything goes through the services; only the closed ordinance's phases are moved back in
time (as if it had been published 25 days ago)."""

from datetime import timedelta

from django.utils import timezone

from nara.accounts.models import User
from nara.core.models import Region
from nara.participation.models import Phase
from nara.participation.moderation import moderation_decide

from . import services
from .models import Article, Reply, Scope, Stance
from .text import parse_articles

ROAD_DRAFT = """제1조(목적) 이 규칙은 「도로법」에 따라 도로 파손의 신고와 보수에 필요한 사항을 정함을 목적으로 한다.
제2조(정의) ① "포트홀"이란 도로 포장 표면이 움푹 파인 곳을 말한다.
② "긴급보수"란 신고를 받은 때부터 24시간 안에 하는 임시 보수를 말한다.
제3조(보수 기한) ① 도로관리청은 포트홀 신고를 받은 날부터 7일 안에 보수하여야 한다.
② 차로 한가운데의 포트홀은 긴급보수를 하여야 한다.
제4조(결과 공개) 도로관리청은 매 분기 보수 실적을 누리집에 공개하여야 한다.
"""
ROAD_CURRENT = {
    ("제3조", "①"): "도로관리청은 포트홀 신고를 받은 날부터 14일 안에 보수할 수 있다.",
    ("제3조", "②"): "차로 한가운데의 포트홀은 가능한 한 빨리 보수한다.",
}
PARK_DRAFT = """제1조(목적) 이 조례는 서울특별시 공원의 반려동물 동반 이용에 필요한 사항을 정함을 목적으로 한다.
제2조(동반 구역) ① 시장은 공원마다 반려동물과 함께 이용할 수 있는 구역을 정하여 알려야 한다.
② 어린이 놀이터에는 반려동물과 함께 들어갈 수 없다.
제3조(배설물 수거) 반려동물과 함께 공원을 이용하는 사람은 배설물을 즉시 수거하여야 한다.
"""
PARK_CURRENT = {("제2조", "①"): "시장은 공원에서 반려동물 동반 구역을 정할 수 있다."}
# the articles' headings in English (their text stays in Korean only, as the law is written)
HEADINGS_EN = {
    "목적": "Purpose",
    "정의": "Definitions",
    "보수 기한": "Time to repair",
    "결과 공개": "Publishing the record",
    "동반 구역": "Areas for pets",
    "배설물 수거": "Picking up after pets",
}

COMMENTS = [
    "기한을 7일로 줄이는 것에 찬성합니다. 출퇴근길 포트홀 때문에 타이어가 두 번 터졌습니다.",
    "인력과 예산이 뒷받침되지 않으면 7일 기한은 지키기 어렵습니다.",
    "긴급보수의 기준을 더 구체적으로 정해 주세요.",
    "보수 실적 공개는 좋지만 분기마다가 아니라 매달 공개하면 좋겠습니다.",
    "비 오는 날에는 임시 보수만 가능하니 예외를 두어야 합니다.",
    "신고자에게 보수 결과를 문자로 알려 주면 좋겠습니다.",
]


def _approve_all(comments, moderator) -> None:
    for comment in comments:
        moderation_decide(item=comment, by=moderator, decision="approve")


def _with_current(articles, current: dict):
    for article in articles:
        for paragraph in article.paragraphs:
            key = (article.number, paragraph.number)
            if key in current:
                paragraph.current_text = current[key]
    return articles


def load(ctx) -> None:
    handler_roads = User.objects.filter(email=f"handler.molit-roads@{ctx.domain}").first()
    handler_parks = User.objects.filter(email=f"handler.seoul-parks@{ctx.domain}").first()
    stances = [Stance.SUPPORT, Stance.OPPOSE, Stance.NEUTRAL, Stance.SUPPORT]

    # 1. A national draft open for comment.
    road = services.consultation_create(
        unit=ctx.units["molit-roads"],
        title="도로 파손 신고 및 보수에 관한 규칙 일부개정령안",
        summary=(
            "포트홀 보수 기한을 14일에서 7일로 줄이고, 차로 한가운데의 포트홀은 24시간 안에 "
            "긴급보수하도록 하며, 보수 실적을 공개합니다."
        ),
        articles=_with_current(parse_articles(ROAD_DRAFT), ROAD_CURRENT),
        scope=Scope.NATIONAL,
        current_text_ref="도로 파손 신고 및 보수에 관한 규칙 (국토교통부령, 2021. 3. 2.)",
        title_en="Partial amendment to the rules on reporting and repairing road damage",
        summary_en=(
            "Shortens the time to repair a pothole from 14 days to 7, requires an emergency "
            "repair within 24 hours for a pothole in the middle of a lane, and publishes the "
            "repair record."
        ),
        opens_at=timezone.now() - timedelta(days=12),
        by=handler_roads,
        slug="demo-road-repair-rule",
    )
    articles = [None, *road.articles.order_by("order")]
    made = []
    for i in range(30):
        made.append(
            services.comment_create(
                consultation=road,
                author=ctx.citizens[i],
                stance=stances[i % len(stances)],
                body=COMMENTS[i % len(COMMENTS)],
                article=articles[i % len(articles)],
            )
        )
    _approve_all(made, ctx.moderator)
    for i in range(30, 33):  # waiting for moderation
        services.comment_create(
            consultation=road,
            author=ctx.citizens[i],
            stance=Stance.OPPOSE,
            body="보수 기한을 줄이면 부실 공사가 늘어날까 걱정됩니다.",
            article=articles[3],
        )

    # 2. A local ordinance whose comment period is over, with its report published.
    park = services.consultation_create(
        unit=ctx.units["seoul-parks"],
        title="서울특별시 공원 반려동물 동반 이용 조례안",
        summary="공원마다 반려동물 동반 구역을 정하고 배설물 수거 의무를 둡니다.",
        articles=_with_current(parse_articles(PARK_DRAFT), PARK_CURRENT),
        scope=Scope.LOCAL,
        current_text_ref="서울특별시 도시공원 조례 (2019. 5. 16.)",
        title_en="Seoul ordinance on visiting parks with pets",
        summary_en="Sets an area for pets in each park and requires owners to pick up after them.",
        region=Region.objects.filter(code="11").first(),
        opens_at=timezone.now() - timedelta(days=19),
        by=handler_parks,
        slug="demo-park-pets-ordinance",
    )
    park_articles = list(park.articles.order_by("order"))
    texts = [
        (Stance.SUPPORT, 1, "동반 구역을 알려 주면 갈등이 줄어들 것입니다."),
        (Stance.OPPOSE, 1, "작은 공원에는 동반 구역을 따로 둘 공간이 없습니다."),
        (Stance.SUPPORT, 2, "배설물 수거 의무에 찬성합니다. 단속도 해 주세요."),
        (Stance.NEUTRAL, 2, "수거 봉투함을 공원 입구마다 설치해 주세요."),
        (Stance.OPPOSE, 1, "놀이터 출입 금지는 보호자 동반 시에도 너무 엄격합니다."),
    ]
    park_comments = [
        services.comment_create(
            consultation=park,
            author=ctx.citizens[40 + i],
            stance=stance,
            body=body,
            article=park_articles[index],
        )
        for i, (stance, index, body) in enumerate(texts)
    ]
    _approve_all(park_comments, ctx.moderator)
    # The comment period ended yesterday.
    shift = timedelta(days=2)
    for phase in Phase.objects.filter(process=park.process):
        phase.starts_at -= shift
        phase.ends_at -= shift
        phase.save(update_fields=["starts_at", "ends_at"])
    services.report_save(
        consultation=park,
        by=handler_parks,
        summary=(
            "20일 동안 5건의 의견을 받았습니다. 동반 구역 지정에는 찬반이 나뉘었고, 배설물 "
            "수거 의무에는 대체로 찬성하셨습니다. 받은 의견과 서울시의 답변을 주제별로 "
            "정리했습니다."
        ),
    )
    by_id = {c.pk: c for c in park_comments}
    ids = list(by_id)
    services.theme_save(
        consultation=park,
        by=handler_parks,
        title="동반 구역의 범위",
        summary="작은 공원과 어린이 놀이터의 출입 제한이 지나치다는 의견이 있었습니다.",
        reply=Reply.PARTLY,
        reply_text="면적 1만㎡ 미만의 공원은 동반 구역을 정하지 않을 수 있도록 고치겠습니다.",
        comment_ids=[ids[0], ids[1], ids[4]],
    )
    services.theme_save(
        consultation=park,
        by=handler_parks,
        title="배설물 수거",
        summary="수거 의무에 찬성하며 수거 봉투함 설치를 요청하셨습니다.",
        reply=Reply.ACCEPTED,
        reply_text="2027년까지 모든 공원 입구에 수거 봉투함을 설치하겠습니다.",
        comment_ids=[ids[2], ids[3]],
    )
    services.report_publish(consultation=park, by=handler_parks)
    for heading, english in HEADINGS_EN.items():
        Article.objects.filter(consultation__in=[road, park], heading=heading).update(
            heading_en=english
        )
