"""Proposal pages: list (sort, filter), detail (support button or the refusal), submitting
(errors keep input, double submit), the answer form (404 for others), answers due, query
counts, bad input."""

import re

import pytest

from nara.approvals.models import ApprovalLine
from nara.participation.models import ModerationStatus, PhaseKind
from nara.participation.moderation import moderation_decide
from nara.participation.proposals import services
from nara.participation.proposals.models import (
    AnswerKind,
    Proposal,
    ProposalComment,
    ProposalSettings,
    ProposalStatus,
)
from tests.conftest import make_user
from tests.participation_helpers import make_process, move_to_phase
from tests.test_participation_proposals import BODY, citizens, published

BASE = "/participation/proposals/ideas/"
# odd list parameters: a NUL is refused (400), anything else unknown is ignored
STATUS_OF_ODD = {
    "?sort=%00": 400,
    "?status=bogus": 200,
    "?page=abc": 200,
    "?page=99999999999999999999": 200,
}


@pytest.fixture
def client():
    """Pages in English (the site's default is Korean)."""
    from django.test import Client

    return Client(headers={"Accept-Language": "en"})


@pytest.fixture
def client_for(client_for):
    return lambda user, **headers: client_for(user, **{"Accept-Language": "en", **headers})


@pytest.fixture
def process(world):
    p = make_process(world.roads, current=PhaseKind.INPUT, slug="ideas")
    ProposalSettings.objects.create(process=p, support_threshold=3)
    return p


def test_list_sorts_and_filters(world, client, process, moderator):
    low = published(process, world.citizen, moderator, title="적게 지지받은 제안")
    high = published(process, world.citizen, moderator, title="많이 지지받은 제안")
    for user in citizens(3):
        services.proposal_support(proposal=high, by=user)
    services.proposal_submit(
        process=process, author=world.citizen, title="심사 대기 제안", body=BODY
    )
    body = client.get(BASE).content.decode()
    assert body.index(high.title) < body.index(low.title)
    assert "심사 대기 제안" not in body  # pending: not public
    newest = client.get(BASE + "?sort=newest").content.decode()
    assert newest.index(high.title) < newest.index(low.title)  # high was created later
    waiting = client.get(BASE + "?status=threshold").content.decode()
    assert high.title in waiting and low.title not in waiting
    for odd in ("?sort=%00", "?status=bogus", "?page=abc", "?page=99999999999999999999"):
        assert client.get(BASE + odd).status_code == STATUS_OF_ODD[odd], odd


def test_the_author_sees_their_pending_proposal_marked(world, client_for, process):
    proposal = services.proposal_submit(
        process=process, author=world.citizen, title="내 제안", body=BODY
    )
    page = client_for(world.citizen).get(proposal.get_absolute_url()).content.decode()
    assert "Only you can see this proposal" in page
    assert client_for(world.other_citizen).get(proposal.get_absolute_url()).status_code == 404
    assert client_for(None).get(proposal.get_absolute_url()).status_code == 404


def test_submit_keeps_input_on_error_and_creates_once(world, client_for, process):
    client = client_for(world.citizen)
    page = client.get(BASE + "new/").content.decode()
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    response = client.post(BASE + "new/", {"token": token, "title": "남겨둘 제목", "body": "짧음"})
    assert response.status_code == 400
    body = response.content.decode()
    assert (
        'value="남겨둘 제목"' in body
        and "짧음" in body
        and "Explain your proposal in at least 20 characters." in body
    )
    data = {"token": token, "title": "야간 조명", "body": BODY}
    assert client.post(BASE + "new/", data).status_code == 302
    assert client.post(BASE + "new/", data).status_code == 302  # double submit
    assert Proposal.objects.count() == 1
    assert Proposal.objects.get().moderation_status == ModerationStatus.PENDING


def test_submit_refused_outside_the_input_phase(world, client_for, process):
    move_to_phase(process, PhaseKind.VOTING)
    client = client_for(world.citizen)
    assert "This is not open in the current phase." in client.get(BASE + "new/").content.decode()
    response = client.post(BASE + "new/", {"title": "늦은 제안", "body": BODY})
    assert response.status_code == 403 and not Proposal.objects.exists()


def test_support_button_and_refusals(world, client_for, process, moderator):
    proposal = published(process, world.citizen, moderator)
    url = proposal.get_absolute_url()
    anonymous = client_for(None).get(url).content.decode()
    assert "Please log in to take part." in anonymous and "Support this proposal" not in anonymous
    author = client_for(world.citizen).get(url).content.decode()
    assert "You made this proposal" in author
    client = client_for(world.other_citizen)
    assert "Support this proposal" in client.get(url).content.decode()
    assert client.post(url + "support/").status_code == 302
    assert client.post(url + "support/").status_code == 302  # again: told, not counted
    proposal.refresh_from_db()
    assert proposal.support_count == 1
    assert "You support this proposal." in client.get(url).content.decode()
    assert client.get(url + "support/").status_code == 405


def test_comment_waits_for_moderation(world, client_for, process, moderator):
    proposal = published(process, world.citizen, moderator)
    client = client_for(world.other_citizen)
    bad = client.post(proposal.get_absolute_url() + "comment/", {"body": ""})
    assert bad.status_code == 400 and "Write your comment." in bad.content.decode()
    assert (
        client.post(proposal.get_absolute_url() + "comment/", {"body": "좋은 생각"}).status_code
        == 302
    )
    comment = ProposalComment.objects.get()
    assert "좋은 생각" not in client_for(None).get(proposal.get_absolute_url()).content.decode()
    moderation_decide(item=comment, by=moderator, decision="approve")
    assert "좋은 생각" in client_for(None).get(proposal.get_absolute_url()).content.decode()


def test_comments_never_show_the_account_name(world, client_for, process, moderator):
    proposal = published(process, world.citizen, moderator)
    world.other_citizen.name = "홍길동비밀"
    world.other_citizen.save()
    comment = services.proposal_comment(
        proposal=proposal, author=world.other_citizen, body="좋은 생각"
    )
    moderation_decide(item=comment, by=moderator, decision="approve")
    for viewer in (None, world.citizen, world.other_citizen):
        html = client_for(viewer).get(proposal.get_absolute_url()).content.decode()
        assert "좋은 생각" in html
        assert "홍길동비밀" not in html and world.other_citizen.email not in html
        assert "A participant" in html


def _reached(world, process, moderator):
    proposal = published(process, world.citizen, moderator)
    for user in citizens(3, "w"):
        services.proposal_support(proposal=proposal, by=user)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.THRESHOLD_REACHED
    return proposal


def test_answer_form_is_404_for_everyone_but_the_agency(world, client_for, process, moderator):
    proposal = _reached(world, process, moderator)
    url = proposal.get_absolute_url() + "answer/"
    assert client_for(None).get(url).status_code == 302  # to the login page
    for user in (world.citizen, world.other_handler, moderator):
        assert client_for(user).get(url).status_code == 404, user
    client = client_for(world.handler)
    assert client.get(url).status_code == 200
    bad = client.post(url, {"kind": "maybe", "text": "짧음"})
    assert bad.status_code == 400 and "짧음" in bad.content.decode()
    ok = client.post(url, {"kind": AnswerKind.ACCEPTED, "text": "내년 예산에 반영하겠습니다."})
    assert ok.status_code == 302
    page = client_for(None).get(proposal.get_absolute_url()).content.decode()
    assert "내년 예산에 반영하겠습니다." not in page  # not before its approval
    waiting = client.get(url).content.decode()
    assert "Answer awaiting approval" in waiting and 'value="approve"' not in waiting
    approver = client_for(world.approver)
    form = approver.get(url).content.decode()
    assert 'value="approve"' in form and "내년 예산에 반영하겠습니다." in form
    line = ApprovalLine.objects.get()
    returned = approver.post(url, {"decision": "return", "comment": "", "line": line.pk})
    assert returned.status_code == 400 and "Say what should change" in returned.content.decode()
    assert approver.post(url, {"decision": "approve", "line": line.pk}).status_code == 302
    page = client_for(None).get(proposal.get_absolute_url()).content.decode()
    assert "내년 예산에 반영하겠습니다." in page and "Accepted" in page
    assert client.get(url).status_code == 404  # a final answer stays


def test_answers_due_lists_the_overdue_first_for_the_agency(world, client_for, process, moderator):
    from datetime import timedelta

    from django.utils import timezone

    proposal = _reached(world, process, moderator)
    Proposal.objects.filter(pk=proposal.pk).update(answer_due_at=timezone.now() - timedelta(days=1))
    page = client_for(world.handler).get("/participation/proposals/office/answers/")
    assert page.status_code == 200
    body = page.content.decode()
    assert proposal.title in body and "Overdue" in body
    other = client_for(world.other_handler).get("/participation/proposals/office/answers/")
    assert proposal.title not in other.content.decode()
    assert (
        client_for(world.citizen).get("/participation/proposals/office/answers/").status_code == 404
    )
    detail = client_for(world.handler).get(proposal.get_absolute_url()).content.decode()
    assert "Overdue" in detail and "Answer this proposal" in detail


@pytest.mark.parametrize("page", ["list", "detail"])
def test_query_counts_do_not_grow_with_the_data(
    world, client_for, process, moderator, page, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    target = published(process, world.citizen, moderator, title="대상")
    url = BASE if page == "list" else target.get_absolute_url()

    def add(n, prefix):
        for i in range(n):
            p = published(process, world.citizen, moderator, title=f"{prefix} {i}")
            supporter = make_user(f"{prefix}{i}@example.com")
            services.proposal_support(proposal=p, by=supporter)
            comment = services.proposal_comment(proposal=target, author=supporter, body="의견")
            moderation_decide(item=comment, by=moderator, decision="approve")

    add(2, "a")
    client = client_for(world.other_citizen)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    add(25, "b")
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_bad_urls_are_404(client, process):
    assert client.get(BASE + "999999/").status_code == 404
    assert client.get("/participation/proposals/unknown/").status_code == 404
    assert client.get(BASE + "1/answer/x").status_code == 404


def test_demo_data_loads_every_state(world, moderator, client):
    """The proposals and polls demo loaders run through the services and show every state."""
    from nara.agencies.models import Membership, Unit
    from nara.participation.demo import DemoContext
    from nara.participation.polls import demo as polls_demo
    from nara.participation.polls.models import Poll
    from nara.participation.proposals import demo as proposals_demo

    molit = Unit.objects.create(code="molit", name_ko="국토교통부", kind=Unit.Kind.MINISTRY)
    roads = Unit.objects.create(
        code="molit-roads", name_ko="도로정책과", kind=Unit.Kind.DEPARTMENT, parent=molit
    )
    handler = make_user("handler.molit-roads@demo.nara.kr", official=True)
    Membership.objects.create(user=handler, unit=roads, role=Membership.Role.HANDLER)
    approver = make_user("approver.molit-roads@demo.nara.kr", official=True)
    Membership.objects.create(user=approver, unit=roads, role=Membership.Role.APPROVER)
    ctx = DemoContext(
        units={"molit": molit, "molit-roads": roads},
        citizens=[make_user(f"citizen{i}@demo.nara.kr") for i in range(1, 141)],
        moderator=moderator,
        operator=world.operator,
        domain="demo.nara.kr",
    )
    proposals_demo.load(ctx)
    polls_demo.load(ctx)
    statuses = set(Proposal.objects.values_list("status", flat=True))
    assert statuses == {"open", "threshold", "answered"}
    moderation = set(Proposal.objects.values_list("moderation_status", flat=True))
    assert moderation == {"published", "pending", "rejected"}
    poll = Poll.objects.get()
    assert poll.published and poll.response_count == 40
    assert (
        client.get(f"/participation/polls/public-transport-survey/{poll.pk}/results/").status_code
        == 200
    )
    assert client.get("/participation/proposals/road-safety-ideas/").status_code == 200
