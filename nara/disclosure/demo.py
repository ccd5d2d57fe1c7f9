"""Demo data for information-disclosure requests (called by the portal's demo_data command):
requests in the public register in most states — decided 공개, 부분공개 (with a third party) and
비공개 (with an objection being examined), one extended, one transferred, one deemed refused
(backdated, demo only) — and one the requester kept out of the register."""

from datetime import timedelta

from django.utils import timezone

from nara.accounts.models import User
from nara.core.uploads import CleanFile

from . import decisions, services
from .models import DisclosureRequest, Opinion

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

REQUESTS = [
    # unit, title, body, form, target
    (
        "molit-roads",
        "2025년 도로 포장 보수 공사 계약서",
        "2025년에 체결한 국도 포장 보수 공사 계약서 전체와 단가 내역을 요청합니다.",
        "electronic",
        "partial",
    ),
    (
        "seoul-parks",
        "2025년 가로수 가지치기 작업 일지",
        "2025년 서울시 가로수 가지치기 작업 일지(작업 장소, 날짜, 수량)를 요청합니다.",
        "electronic",
        "open",
    ),
    (
        "me-air",
        "미세먼지 측정소 위치와 2025년 시간별 측정 자료",
        "전국 도시대기 측정소의 위치와 2025년 시간별 PM2.5 측정 자료를 파일로 요청합니다.",
        "electronic",
        "extended",
    ),
    (
        "mois-civil",
        "어린이보호구역 교통사고 통계 (2023–2025)",
        "시군구별 어린이보호구역 교통사고 발생 건수와 사상자 수를 요청합니다.",
        "copy",
        "transferred",
    ),
    (
        "police-traffic",
        "과속 단속 카메라 설치 기준 내부 지침",
        "과속 단속 카메라 설치 장소를 정하는 내부 지침과 심의 회의록을 요청합니다.",
        "view",
        "objected",
    ),
    (
        "busan-env",
        "해수욕장 수질 검사 결과 2025",
        "2025년 부산 해수욕장별 수질 검사 결과를 요청합니다.",
        "electronic",
        "deemed",
    ),
    (
        "mohw-welfare",
        "기초생활수급자 선정 기준 해설 자료",
        "기초생활수급자 선정 기준을 설명하는 내부 해설 자료를 요청합니다.",
        "electronic",
        "private",
    ),
]


def _official(role: str, code: str, domain: str) -> User:
    return User.objects.get(email=f"{role}.{code}@{domain}")


def _pdf(name: str) -> CleanFile:
    return CleanFile(name=name, content_type="application/pdf", data=PDF)


def load(*, units: dict, citizens: list, domain: str) -> None:
    for n, (code, title, body, form, target) in enumerate(REQUESTS):
        requester = citizens[150 + n]
        r = services.request_file(
            requester=requester,
            unit=units[code],
            title=title,
            body=body,
            purpose="연구" if n % 2 else "",
            form=form,
            delivery="online",
            published_in_register=target != "private",
        )
        handler, approver = _official("handler", code, domain), _official("approver", code, domain)
        if target == "partial":
            party = services.third_party_notify(
                request=r, by=handler, name="한일건설 주식회사", contact="부산광역시 해운대구"
            )
            services.third_party_opinion(
                request=r, by=handler, party_id=party.pk, opinion=Opinion.AGREES, text=""
            )
            decisions.decision_submit(
                request=r,
                by=handler,
                grade="partial",
                grounds=["7"],
                reasons="계약서는 공개하고, 업체의 단가 산출 내역은 영업상 비밀(§9 ① 7호)이어서 "
                "가렸습니다.",
                pages=24,
                files=[_pdf("contracts-2025-redacted.pdf")],
            )
            decisions.decision_decide(request=r, by=approver, approve=True)
        elif target == "open":
            decisions.decision_submit(
                request=r,
                by=handler,
                grade="open",
                pages=8,
                release_note="온라인으로 내려받을 수 있습니다.",
                files=[_pdf("street-tree-pruning-2025.pdf")],
            )
            decisions.decision_decide(request=r, by=approver, approve=True)
        elif target == "extended":
            services.request_extend(
                request=r, by=handler, days=10, reason="측정소 600여 곳의 자료를 모으고 있습니다."
            )
        elif target == "transferred":
            services.request_transfer(
                request=r,
                by=handler,
                to_unit=units["police-traffic"],
                reason="교통사고 통계는 경찰청이 보유하고 있습니다.",
            )
        elif target == "objected":
            decisions.decision_submit(
                request=r,
                by=handler,
                grade="closed",
                grounds=["4"],
                reasons="설치 기준이 알려지면 단속을 피할 수 있어 범죄 예방에 지장이 있습니다.",
            )
            decisions.decision_decide(request=r, by=approver, approve=True)
            services.objection_file(
                request=r, by=requester, reasons="설치 기준은 이미 여러 지자체가 공개하고 있습니다."
            )
        elif target == "deemed":
            past = timezone.now() - timedelta(days=35)  # demo backdating only
            DisclosureRequest.objects.filter(pk=r.pk).update(
                received_at=past,
                clock_started_at=past,
                due_at=past + timedelta(days=14),
                deemed_refusal_at=past + timedelta(days=28),
            )
    services.requests_deem_refused()
