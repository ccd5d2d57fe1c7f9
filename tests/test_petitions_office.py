"""The agency's petition pages: who may enter, and the official answer — drafted, submitted,
returned, approved and published — and the one extension, through the real views, forms and
services."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from nara.audit.models import EventType
from nara.petitions import signing
from nara.petitions.models import AnswerStatus, Petition, PetitionAnswer, Status
from tests import petition_helpers
from tests.conftest import login
from tests.petition_helpers import audited, in_review, opened, signers

EN = {"Accept-Language": "en"}
ANSWER = "We will repair Sejong-daero in May; the budget is approved."

# the shared fixtures, used by name
moderator = petition_helpers.moderator
small_type = petition_helpers.small_type


def url(name, petition=None):
    return reverse(
        f"office_petitions:{name}", kwargs={"pk": petition.pk} if petition is not None else None
    )


def to_signatures(petition, n):
    for user in signers(n):
        signing.petition_sign(petition=petition, by=user)
    return Petition.objects.get(pk=petition.pk)


@pytest.fixture
def referred(world, small_type, moderator):
    """Referred to roads at 3 signatures (small_type), no answer required yet."""
    petition = to_signatures(opened(world, small_type, moderator), 3)
    assert petition.status == Status.REFERRED
    return petition


@pytest.fixture
def awaiting(world, small_type, moderator):
    """Awaiting the official answer of roads at 5 signatures."""
    petition = to_signatures(opened(world, small_type, moderator), 5)
    assert petition.status == Status.AWAITING_ANSWER and petition.answer_due_at
    return petition


def client_as(world, moderator, persona):
    client = Client(headers=EN)
    if persona == "anonymous":
        return client
    if persona == "moderator_without_2fa":
        client.force_login(moderator)
        return client
    user = {
        "citizen": world.citizen,
        "moderator": moderator,
        "handler": world.handler,
        "approver": world.approver,
        "other_handler": world.other_handler,
        "other_approver": world.other_approver,
    }[persona]
    return login(client, user)


# --- who may enter --------------------------------------------------------------------------

PAGES = [
    ("inbox", "get", False),
    ("detail", "get", True),
    ("answer", "post", True),
    ("approve", "post", True),
    ("return", "post", True),
    ("extend", "post", True),
]
# persona -> expected status of (GET inbox, GET detail, POST with an empty form)
EXPECTED = {
    "citizen": (404, 404, 404),
    "moderator": (404, 404, 404),
    "handler": (200, 200, 400),
    "approver": (200, 200, 400),
    "other_handler": (200, 404, 404),  # their own (empty) list; another unit's petition: 404
    "other_approver": (200, 404, 404),
}
APPROVE_EMPTY = {("approve", "handler"): 403, ("approve", "approver"): 409}


@pytest.mark.parametrize(
    "persona",
    ["anonymous", "moderator_without_2fa", *EXPECTED],
)
@pytest.mark.parametrize("name,method,one", PAGES)
def test_permission_matrix(world, moderator, awaiting, persona, name, method, one):
    client = client_as(world, moderator, persona)
    response = getattr(client, method)(url(name, awaiting if one else None))
    if persona == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
    elif persona == "moderator_without_2fa":
        assert response.status_code == 302
        assert response["Location"] == reverse("accounts:2fa_verify")
    else:
        inbox, detail, post = EXPECTED[persona]
        expected = post if method == "post" else detail if one else inbox
        # an empty approval form is valid: the handler may not approve, and the approver
        # has nothing submitted to approve yet
        expected = APPROVE_EMPTY.get((name, persona), expected)
        assert response.status_code == expected
    assert not PetitionAnswer.objects.exists()
    assert not Petition.objects.get(pk=awaiting.pk).answer_extended


def test_handler_of_the_unit_is_404_on_moderation(world, moderator, awaiting):
    client = client_as(world, moderator, "handler")
    assert client.get(reverse("moderation:queue")).status_code == 404
    assert client.get(reverse("moderation:detail", kwargs={"pk": awaiting.pk})).status_code == 404


def test_unknown_and_absurd_numbers_are_404(world, moderator):
    client = client_as(world, moderator, "handler")
    assert client.get("/office/petitions/999999/").status_code == 404
    assert client.get("/office/petitions/99999999999999999999999/").status_code == 404


# --- the list ----------------------------------------------------------------------------------


def test_inbox_lists_the_units_petitions_with_the_answer_due_and_overdue_standing_out(
    world, small_type, moderator, referred
):
    late = to_signatures(opened(world, small_type, moderator, title="Late answer"), 5)
    Petition.objects.filter(pk=late.pk).update(answer_due_at=timezone.now() - timedelta(days=1))
    not_yet = opened(world, small_type, moderator, title="Only open")
    in_review(world, small_type, title="In review")

    response = client_as(world, moderator, "handler").get(url("inbox"))
    listed = [p.pk for p in response.context["page"].object_list]
    assert set(listed) == {late.pk, referred.pk}
    assert not_yet.pk not in listed
    html = response.content.decode()
    assert html.count('class="card overdue"') == 1
    assert "Overdue" in html
    assert "No official answer required yet" in html  # the referred one
    rows = {p.pk: p for p in response.context["page"].object_list}
    assert rows[late.pk].live == 5

    other = client_as(world, moderator, "other_handler").get(url("inbox"))
    assert list(other.context["page"].object_list) == []


def test_detail_shows_the_count_and_the_answer_state(world, moderator, awaiting):
    response = client_as(world, moderator, "handler").get(url("detail", awaiting))
    assert response.status_code == 200
    assert response.context["count"] == 5
    assert response.context["answer"] is None
    assert set(response.context["forms"]) == {"answer"}
    html = response.content.decode()
    assert "Not started" in html
    assert "Submit for approval" in html and "Save draft" in html

    approver = client_as(world, moderator, "approver").get(url("detail", awaiting))
    assert set(approver.context["forms"]) == {"extend"}


# --- the answer --------------------------------------------------------------------------------


def test_the_answer_flow_from_draft_to_publication(world, moderator, awaiting):
    handler = client_as(world, moderator, "handler")
    approver = client_as(world, moderator, "approver")

    # draft
    response = handler.post(
        url("answer", awaiting), {"answer-text": "First words", "intent": "draft"}
    )
    assert response.status_code == 302
    answer = PetitionAnswer.objects.get(petition=awaiting)
    assert answer.status == AnswerStatus.DRAFT
    page = handler.get(url("detail", awaiting))
    assert "First words" in page.content.decode()  # carried on in the form
    assert "The draft was saved" in page.content.decode()

    # submit
    handler.post(url("answer", awaiting), {"answer-text": "Draft answer", "intent": "submit"})
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.PENDING
    assert audited(awaiting, EventType.PETITION_ANSWER_SUBMITTED, world.handler)
    assert set(approver.get(url("detail", awaiting)).context["forms"]) == {
        "approve",
        "return",
        "extend",
    }

    # returned with a comment, which the drafter sees
    response = approver.post(url("return", awaiting), {"return-comment": "Give the date."})
    assert response.status_code == 302
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.RETURNED
    page = handler.get(url("detail", awaiting))
    html = page.content.decode()
    assert "Returned by the approver" in html and "Give the date." in html
    assert page.context["forms"]["answer"].initial["text"] == "Draft answer"

    # resubmitted, approved: published
    handler.post(url("answer", awaiting), {"answer-text": ANSWER, "intent": "submit"})
    answer.refresh_from_db()
    assert answer.status == AnswerStatus.PENDING
    response = approver.post(url("approve", awaiting))
    assert response.status_code == 302
    assert response["Location"] == url("detail", awaiting)
    awaiting.refresh_from_db()
    answer.refresh_from_db()
    assert awaiting.status == Status.ANSWERED
    assert awaiting.answered_at is not None
    assert answer.status == AnswerStatus.PUBLISHED
    assert answer.text == ANSWER
    assert answer.approved_by == world.approver
    assert audited(awaiting, EventType.PETITION_ANSWERED, world.approver)
    page = approver.get(url("detail", awaiting))
    assert ANSWER in page.content.decode()
    assert page.context["forms"] == {}


def test_an_empty_answer_is_refused_with_a_message(world, moderator, awaiting):
    response = client_as(world, moderator, "handler").post(
        url("answer", awaiting), {"answer-text": "   ", "intent": "submit"}
    )
    assert response.status_code == 400
    assert response.context["failed_form"].errors["text"]
    assert 'class="error-summary"' in response.content.decode()
    assert not PetitionAnswer.objects.exists()


def test_a_handler_cannot_approve(world, moderator, awaiting):
    handler = client_as(world, moderator, "handler")
    handler.post(url("answer", awaiting), {"answer-text": ANSWER, "intent": "submit"})
    response = handler.post(url("approve", awaiting))
    assert response.status_code == 403
    assert "Not allowed" in response.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.status == Status.AWAITING_ANSWER
    assert PetitionAnswer.objects.get().status == AnswerStatus.PENDING


def test_an_approver_of_another_unit_gets_404(world, moderator, awaiting):
    client_as(world, moderator, "handler").post(
        url("answer", awaiting), {"answer-text": ANSWER, "intent": "submit"}
    )
    other = client_as(world, moderator, "other_approver")
    assert other.get(url("detail", awaiting)).status_code == 404
    assert other.post(url("approve", awaiting)).status_code == 404
    assert PetitionAnswer.objects.get().status == AnswerStatus.PENDING


def test_approving_without_a_submitted_answer_is_a_conflict(world, moderator, awaiting):
    response = client_as(world, moderator, "approver").post(url("approve", awaiting))
    assert response.status_code == 409
    assert "No answer is awaiting approval." in response.content.decode()


def test_a_referred_petition_may_be_answered_but_not_extended(world, moderator, referred):
    approver = client_as(world, moderator, "approver")
    assert "extend" not in approver.get(url("detail", referred)).context["forms"]
    response = approver.post(url("extend", referred), {"extend-days": 5, "extend-reason": "x"})
    assert response.status_code == 409
    handler = client_as(world, moderator, "handler")
    response = handler.post(url("answer", referred), {"answer-text": ANSWER, "intent": "submit"})
    assert response.status_code == 302


# --- the extension -----------------------------------------------------------------------------


def test_the_answer_period_is_extended_once(world, moderator, awaiting):
    approver = client_as(world, moderator, "approver")
    due = awaiting.answer_due_at
    response = approver.post(
        url("extend", awaiting), {"extend-days": "10", "extend-reason": "Budget hearing first."}
    )
    assert response.status_code == 302
    awaiting.refresh_from_db()
    assert awaiting.answer_due_at == due + timedelta(days=10)
    assert awaiting.answer_extended and awaiting.extension_reason == "Budget hearing first."
    assert audited(awaiting, EventType.PETITION_ANSWER_EXTENDED, world.approver)
    page = approver.get(url("detail", awaiting))
    assert "extend" not in page.context["forms"]
    assert "Budget hearing first." in page.content.decode()

    response = approver.post(
        url("extend", awaiting), {"extend-days": "5", "extend-reason": "Once more"}
    )
    assert response.status_code == 409
    assert "only once" in response.content.decode()
    awaiting.refresh_from_db()
    assert awaiting.answer_due_at == due + timedelta(days=10)


@pytest.mark.parametrize(
    "days,reason,field",
    [
        ("", "why", "days"),
        ("abc", "why", "days"),
        ("0", "why", "days"),
        ("31", "why", "days"),
        ("99", "", "days"),  # both errors at once: the days too
        ("5", "", "reason"),
    ],
)
def test_a_bad_extension_is_refused_with_what_was_typed_kept(
    world, moderator, awaiting, days, reason, field
):
    response = client_as(world, moderator, "approver").post(
        url("extend", awaiting), {"extend-days": days, "extend-reason": reason}
    )
    assert response.status_code == 400
    assert response.context["failed_form"].errors[field]
    if days:
        assert f'value="{days}"' in response.content.decode()
    awaiting.refresh_from_db()
    assert not awaiting.answer_extended


def test_a_handler_cannot_extend(world, moderator, awaiting):
    response = client_as(world, moderator, "handler").post(
        url("extend", awaiting), {"extend-days": "5", "extend-reason": "why"}
    )
    assert response.status_code == 403
    awaiting.refresh_from_db()
    assert not awaiting.answer_extended


def test_pages_render_in_korean_and_the_inbox_reads_a_fixed_number_of_queries(
    world, small_type, moderator, awaiting
):
    client = Client()  # Korean, the default language
    client.force_login(world.approver)
    session = client.session
    session["nara_2fa_verified"] = True
    session.save()
    for path in (url("inbox"), url("detail", awaiting)):
        response = client.get(path)
        assert response.status_code == 200
        assert '<html lang="ko">' in response.content.decode()
    with CaptureQueriesContext(connection) as few:
        client.get(url("inbox"))
    for _ in range(3):
        to_signatures(opened(world, small_type, moderator), 3)
    with CaptureQueriesContext(connection) as more:
        response = client.get(url("inbox"))
    assert len(response.context["page"].object_list) == 4
    assert len(more) == len(few)
