"""Demo data for polls: called by `nara.participation.demo.load`. An open national survey with
one question of each kind and ~40 responses; its results are public while it runs."""

from datetime import timedelta

from django.utils import timezone

from nara.participation import services as participation
from nara.participation.models import PhaseKind

from . import services
from .models import Choice, Poll, Question, QuestionKind

K = QuestionKind
# (question in Korean and English, kind, limit, options in Korean and English)
QUESTIONS = [
    (
        ("평소 출퇴근에 주로 이용하는 교통수단은 무엇입니까?", "How do you usually get to work?"),
        K.SINGLE,
        None,
        [
            ("버스", "Bus"),
            ("지하철", "Subway"),
            ("자가용", "Car"),
            ("자전거·도보", "Bicycle or on foot"),
        ],
    ),
    (
        (
            "대중교통에서 가장 개선이 필요한 점을 골라 주십시오(최대 2개).",
            "What most needs improving in public transport? (up to 2)",
        ),
        K.MULTIPLE,
        2,
        [
            ("배차 간격", "How often buses and trains run"),
            ("환승 편의", "Easier transfers"),
            ("요금", "Fares"),
            ("혼잡도", "Crowding"),
            ("정류장 시설", "Stops and stations"),
        ],
    ),
    (
        (
            "예산을 먼저 써야 할 분야의 우선순위를 정해 주십시오(상위 3개).",
            "Rank where the budget should go first (top 3).",
        ),
        K.RANKING,
        3,
        [
            ("심야 버스", "Night buses"),
            ("저상 버스", "Low-floor buses"),
            ("광역 급행철도", "Regional express rail"),
            ("자전거 도로", "Cycle lanes"),
            ("공영 주차장", "Public car parks"),
        ],
    ),
    (
        ("그 밖에 하고 싶은 말씀이 있으면 적어 주십시오.", "Anything else you want to tell us?"),
        K.TEXT,
        None,
        [],
    ),
]
TEXTS = ["배차 간격이 너무 깁니다.", "환승 통로에 엘리베이터가 더 있으면 좋겠어요.", ""]


def load(ctx) -> None:
    now = timezone.now()
    day = timedelta(days=1)
    process = participation.process_create(
        by=ctx.operator,
        unit=ctx.units["molit"],
        slug="public-transport-survey",
        title="대중교통 이용 실태 설문조사",
        summary="대중교통을 더 편리하게 만들기 위해 여러분의 경험과 우선순위를 묻습니다.",
        title_en="Public transport use survey",
        summary_en="We ask about your experience and priorities to make public transport "
        "easier to use.",
        phases=[
            (PhaseKind.INPUT, now - 7 * day, now + 21 * day),
            (PhaseKind.RESULTS, now + 21 * day, now + 60 * day),
        ],
        published=True,
    )
    poll = Poll.objects.create(
        process=process,
        title="2026 대중교통 이용 설문",
        title_en="2026 public transport survey",
        description="응답에는 약 3분이 걸립니다. 자유 의견은 담당 부서만 읽습니다.",
        description_en="It takes about 3 minutes. Only the department reads what you write.",
        results_always_public=True,
    )
    for position, ((text, text_en), kind, limit, options) in enumerate(QUESTIONS, start=1):
        question = Question.objects.create(
            poll=poll,
            position=position,
            text=text,
            text_en=text_en,
            kind=kind,
            max_choices=limit,
            required=kind != K.TEXT,
        )
        for i, (label, label_en) in enumerate(options):
            Choice.objects.create(question=question, position=i, text=label, text_en=label_en)
    services.poll_publish(poll=poll, by=ctx.operator)
    questions = list(poll.questions.prefetch_related("choices"))
    for n, person in enumerate(ctx.citizens[100:140]):
        answers = {}
        for question in questions:
            ids = [c.pk for c in question.choices.all()]
            if question.kind == K.SINGLE:
                answers[question.pk] = str(ids[(n * 7 + n // 3) % len(ids)])
            elif question.kind == K.MULTIPLE:
                answers[question.pk] = [str(ids[n % len(ids)]), str(ids[(n * 3 + 1) % len(ids)])]
            elif question.kind == K.RANKING:
                order = ids[n % len(ids) :] + ids[: n % len(ids)]
                if n % 3 == 0:
                    order = [ids[0], ids[2], ids[1]]
                answers[question.pk] = {str(c): str(r) for r, c in enumerate(order[:3], start=1)}
            else:
                answers[question.pk] = TEXTS[n % len(TEXTS)]
        services.poll_respond(poll=poll, by=person, answers=answers)
