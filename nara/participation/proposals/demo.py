"""Demo data for proposals: called by `nara.participation.demo.load`. A national process open
for ideas, with proposals in every state: answered, awaiting the answer, gathering support
(with comments), waiting for moderation, and rejected with the moderator's reason."""

from datetime import timedelta

from django.utils import timezone

from nara.accounts.models import User
from nara.participation import services as participation
from nara.participation.models import PhaseKind
from nara.participation.moderation import moderation_decide

from . import answers, services
from .models import AnswerKind, ProposalSettings

IDEAS = [
    # title, body, supporters, target
    (
        "어린이 보호구역 과속 단속 카메라 확대",
        "초등학교 앞 어린이 보호구역에 과속 단속 카메라가 없는 곳이 많습니다. "
        "등하교 시간에 차량이 빠르게 지나가 아이들이 위험합니다. 모든 보호구역에 설치해 주세요.",
        24,
        "answered",
    ),
    (
        "심야 버스 노선 확대",
        "밤 늦게 퇴근하는 사람들이 많은데 심야 버스 노선이 부족합니다. "
        "주요 주거지와 업무 지구를 잇는 노선을 늘려 주시기 바랍니다.",
        21,
        "threshold",
    ),
    (
        "자전거 도로와 보행로 분리",
        "공원 옆 길에서 자전거와 보행자가 자주 부딪힙니다. "
        "색깔 포장이나 낮은 경계석으로 자전거 도로와 보행로를 나누면 좋겠습니다.",
        7,
        "open",
    ),
    (
        "횡단보도 대기 쉼터 설치",
        "여름철 횡단보도에서 신호를 기다리는 동안 햇볕이 너무 강합니다. "
        "그늘막이나 작은 쉼터를 설치해 주세요.",
        3,
        "open",
    ),
    (
        "도로 포트홀 신고 앱 개선",
        "포트홀을 신고할 때 사진과 위치를 한 번에 올릴 수 있으면 좋겠습니다. "
        "지금은 절차가 복잡해서 신고를 포기하게 됩니다.",
        0,
        "pending",
    ),
    (
        "무료 경품 이벤트 안내",
        "지금 바로 링크를 눌러 무료 경품을 받아 가세요! 한정 수량이니 서둘러 주세요.",
        0,
        "rejected",
    ),
]


def load(ctx) -> None:
    now = timezone.now()
    day = timedelta(days=1)
    unit = ctx.units["molit-roads"]
    process = participation.process_create(
        by=ctx.operator,
        unit=unit,
        slug="road-safety-ideas",
        title="더 안전한 도로를 위한 국민 제안",
        summary="도로와 교통 안전에 관한 생각을 제안하고 다른 사람의 제안을 지지해 주세요. "
        "지지가 20명을 넘은 제안에는 국토교통부가 30일 안에 답변합니다.",
        title_en="Your proposals for safer roads",
        summary_en="Propose ideas on road and traffic safety and support other people's. The "
        "Ministry of Land, Infrastructure and Transport answers every proposal with more than "
        "20 supporters within 30 days.",
        phases=[
            (PhaseKind.INFORMATION, now - 20 * day, now - 10 * day),
            (PhaseKind.INPUT, now - 10 * day, now + 20 * day),
            (PhaseKind.DELIBERATION, now + 20 * day, now + 30 * day),
            (PhaseKind.RESULTS, now + 30 * day, now + 60 * day),
        ],
        published=True,
    )
    ProposalSettings.objects.create(process=process, support_threshold=20, answer_days=30)
    handler = User.objects.filter(email=f"handler.{unit.code}@{ctx.domain}").first()
    approver = User.objects.filter(email=f"approver.{unit.code}@{ctx.domain}").first()
    people = ctx.citizens
    for i, (title, body, supporters, target) in enumerate(IDEAS):
        author = people[10 + i]
        proposal = services.proposal_submit(process=process, author=author, title=title, body=body)
        if target == "pending":
            continue
        if target == "rejected":
            moderation_decide(
                item=proposal,
                by=ctx.moderator,
                decision="reject",
                reason="광고성 게시물은 게시할 수 없습니다.",
            )
            continue
        moderation_decide(item=proposal, by=ctx.moderator, decision="approve")
        for supporter in people[40 : 40 + supporters]:
            if supporter.pk != author.pk:
                services.proposal_support(proposal=proposal, by=supporter)
        if i == 2:
            for j, text in enumerate(
                [
                    "좋은 생각입니다. 출퇴근길에 매일 위험을 느낍니다.",
                    "경계석은 휠체어 이용자에게 불편할 수 있어요.",
                ]
            ):
                comment = services.proposal_comment(
                    proposal=proposal, author=people[80 + j], body=text
                )
                moderation_decide(item=comment, by=ctx.moderator, decision="approve")
        if target == "answered" and handler is not None and approver is not None:
            answers.proposal_answer_submit(
                proposal=proposal,
                by=handler,
                kind=AnswerKind.ACCEPTED,
                text="좋은 제안에 감사드립니다. 내년까지 전국 어린이 보호구역의 단속 카메라 설치를 "
                "지방자치단체와 함께 단계적으로 완료하겠습니다.",
            )
            answers.proposal_answer_approve(proposal=proposal, by=approver)
