"""Demo documents (called by `manage.py demo_data`): document types, records classifications and a
delegation table, and documents of the road policy division in every state — registered and
published in each grade, one waiting for its approver, one draft — all through the services."""

from nara.accounts.models import User

from . import publication, services
from .grounds import Grade, Ground
from .models import Classification, Delegation, DocumentType, Level, Retention

TYPES = [
    ("plan", "계획", "Plan", Level.PARENT, False),
    ("notice", "알림", "Notice", Level.UNIT, False),
    ("report", "보고", "Report", Level.UNIT, True),
    ("reply", "회신", "Reply", Level.UNIT, False),
]
SERIES = [
    ("road-maintenance", "도로 유지관리", "Road maintenance", Retention.Y10),
    ("road-safety", "도로 안전", "Road safety", Retention.Y5),
    ("general-affairs", "일반 서무", "General affairs", Retention.Y3),
]
DOCUMENTS = [
    # title, type, series, grade, body, withheld, ground
    (
        "2027년 어린이 보호구역 도로 안전 개선 계획",
        "plan",
        "road-safety",
        Grade.OPEN,
        "<h3>추진 배경</h3><p>어린이 보호구역 교통사고를 줄이기 위해 과속 방지 시설과 "
        "횡단보도 조명을 확충한다.</p><h3>주요 내용</h3><ul><li>과속 단속 카메라 1,200대 "
        "설치</li><li>횡단보도 집중 조명 3,000곳 설치</li><li>통학로 보도 정비</li></ul>"
        "<p>소요 예산: 480억 원 (국비 50%, 지방비 50%)</p>",
        "",
        "",
    ),
    (
        "국도 제3호선 포트홀 긴급 보수 결과 알림",
        "notice",
        "road-maintenance",
        Grade.OPEN,
        "<p>장마철에 발생한 국도 제3호선 포트홀 214곳의 긴급 보수를 마쳤음을 알립니다.</p>"
        "<p>보수 기간: 2026. 7. 20. ~ 8. 5.</p>",
        "",
        "",
    ),
    (
        "도로 파손 민원 현장 확인 결과 보고",
        "report",
        "road-maintenance",
        Grade.PARTIAL,
        "<p>도로 파손 민원에 대한 현장 확인 결과를 보고합니다.</p><p>민원인 김민수 "
        "(010-2345-6789)이 신고한 교차로 파손을 확인하였고, 이번 주 안에 보수한다.</p>",
        "김민수 (010-2345-6789)",
        Ground.PERSONAL,
    ),
    (
        "도로 포장 공사 입찰 예정가격 검토",
        "report",
        "general-affairs",
        Grade.CLOSED,
        "<p>다음 달 입찰 예정인 도로 포장 공사의 예정가격 산정 내역을 검토하였다.</p>",
        "",
        Ground.IN_PROGRESS,
    ),
]


def load(units: dict, domain: str) -> None:
    types = {}
    for code, ko, en, level, post in TYPES:
        types[code] = DocumentType.objects.create(code=code, name_ko=ko, name_en=en)
        Delegation.objects.create(document_type=types[code], level=level, post_approval=post)
    series = {
        code: Classification.objects.create(code=code, name_ko=ko, name_en=en, retention=r)
        for code, ko, en, r in SERIES
    }
    unit = units["molit-roads"]
    handler = User.objects.get(email=f"handler.{unit.code}@{domain}")
    approver = User.objects.get(email=f"approver.{unit.code}@{domain}")
    head = User.objects.get(email=f"approver.molit@{domain}")
    for title, kind, serie, grade, body, passage, ground in DOCUMENTS:
        document = services.document_save(
            by=handler,
            data={
                "unit": unit,
                "document_type": types[kind],
                "classification": series[serie],
                "title": title,
                "body": body,
                "grade": grade,
                "grounds": [ground] if grade == Grade.CLOSED else [],
                "cooperating_units": [units["police-traffic"]] if kind == "plan" else [],
            },
            withheld=[(passage, ground)] if grade == Grade.PARTIAL else [],
        )
        services.document_submit(document=document, by=handler)
        if kind == "plan":  # the police cooperate, the director general decides (국장 전결)
            cooperating = User.objects.get(email=f"approver.police-traffic@{domain}")
            services.document_decide(document=document, by=cooperating, decision="approve")
        services.document_decide(
            document=document, by=head if kind == "plan" else approver, decision="approve"
        )
        publication.publish(document.pk)
    waiting = services.document_save(
        by=handler,
        data={
            "unit": unit,
            "document_type": types["reply"],
            "classification": series["road-maintenance"],
            "title": "가로등 고장 신고에 대한 회신",
            "body": "<p>신고하신 가로등은 이번 주 안에 수리하겠습니다.</p>",
            "grade": Grade.OPEN,
        },
    )
    services.document_submit(document=waiting, by=handler)
    services.document_save(
        by=handler,
        data={
            "unit": unit,
            "document_type": types["notice"],
            "classification": series["general-affairs"],
            "title": "연말 도로 제설 대비 점검 알림 (작성 중)",
            "body": "<p>작성 중입니다.</p>",
            "grade": Grade.OPEN,
        },
    )
