# ruff: noqa: F811  (pytest fixtures imported from the helpers module)
"""Participation moderation pages: who may open them, the queue and its query count, decisions
and bulk decisions from the pages, double submits and conflicts, reports from users and the
"report this" control, posting blocks."""

import pytest
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from nara.audit.models import AuditEvent, EventType
from nara.participation.models import Flag, ModerationStatus, PostingBlock
from tests.conftest import make_user
from tests.test_participation_moderation_helpers import (  # noqa: F401  (fixtures)
    comment,
    consultation,
    contribution,
    make_moderator,
    only_two_kinds,
)


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source texts: pages and messages in English."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


P, PUB, REJ, HID = (
    ModerationStatus.PENDING,
    ModerationStatus.PUBLISHED,
    ModerationStatus.REJECTED,
    ModerationStatus.HIDDEN,
)
KIND = "consultations.comment"


def url(name, **kwargs):
    return reverse(f"participation_moderation:{name}", kwargs=kwargs)


def moderator_urls(item, person):
    """(method, url) of every moderators' page."""
    key = {"kind": KIND, "pk": item.pk}
    return [
        ("get", url("queue")),
        ("get", url("flagged")),
        ("get", url("decided")),
        ("post", url("bulk")),
        ("get", url("item", **key)),
        ("post", url("decide", **key)),
        ("post", url("dismiss_flags", **key)),
        ("get", url("blocks")),
        ("get", url("block", user_id=person.pk)),
        ("post", url("block", user_id=person.pk)),
        ("post", url("unblock", user_id=person.pk)),
    ]


@pytest.mark.parametrize("persona", ["anonymous", "citizen", "official", "operator"])
def test_moderation_pages_are_for_moderators_only(
    consultation, world, moderator, client_for, persona
):
    item = comment(consultation, world.citizen)
    person = {
        "anonymous": None,
        "citizen": world.other_citizen,
        "official": world.handler,
        "operator": world.operator,
    }[persona]
    client = client_for(person)
    for method, path in moderator_urls(item, world.other_citizen):
        response = getattr(client, method)(path, {"decision": "approve"})
        if person is None:
            assert response.status_code == 302 and "login" in response["Location"], path
        else:
            assert response.status_code == 404, path
    item.refresh_from_db()
    assert item.moderation_status == P
    assert not PostingBlock.objects.exists()


def test_moderators_open_every_page(consultation, world, moderator, client_for):
    item = comment(consultation, world.citizen)
    client = client_for(moderator)
    for method, path in moderator_urls(item, world.other_citizen):
        if method == "get":
            assert client.get(path).status_code == 200, path


def test_report_page_is_for_signed_in_users(consultation, world, moderator, client_for):
    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    path = url("flag", kind=KIND, pk=item.pk)
    response = client_for(None).post(path, {"reason": "spam"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert client_for(world.other_citizen).get(path).status_code == 200
    pending = comment(consultation, world.citizen)
    assert (
        client_for(world.other_citizen).get(url("flag", kind=KIND, pk=pending.pk)).status_code
        == 404
    )
    assert client_for(world.other_citizen).get(url("flag", kind="nope.x", pk=1)).status_code == 404


def test_queue_shows_every_kind_oldest_target_first_with_advice(
    consultation, world, moderator, client_for
):
    first = comment(consultation, world.citizen, "고수익 부업 무료 상담 010-1234-5678 http://x.kr")
    second = contribution(consultation.process, world.other_citizen)
    world.citizen.name = ""
    page = client_for(moderator).get(url("queue")).content.decode()
    assert page.index(f'value="{KIND}:{first.pk}"') < page.index(
        f'value="contributions.contribution:{second.pk}"'
    )
    assert "Spam score 0.9" in page and "likely spam" in page
    assert "Alice" in page and "alice@example.com" not in page  # display name, never e-mail
    filtered = client_for(moderator).get(url("queue"), {"kind": "contributions.contribution"})
    assert f"{KIND}:{first.pk}" not in filtered.content.decode()


def test_overdue_items_are_marked_in_words(consultation, world, moderator, client_for):
    from datetime import timedelta

    from django.utils import timezone

    item = comment(consultation, world.citizen)
    type(item).objects.filter(pk=item.pk).update(
        moderation_due_at=timezone.now() - timedelta(hours=1)
    )
    client = client_for(moderator)
    client.cookies["django_language"] = "en"
    page = client.get(url("queue")).content.decode()
    assert "Overdue" in page and "past the target" in page


def test_queue_query_count_does_not_grow(
    consultation, world, moderator, client_for, django_assert_max_num_queries
):
    client = client_for(moderator)
    client.get(url("queue"))  # warm the session, content types
    comment(consultation, world.citizen)
    contribution(consultation.process, world.citizen)
    with django_assert_max_num_queries(12) as small:
        assert client.get(url("queue")).status_code == 200
    for i in range(15):
        comment(consultation, make_user(f"c{i}@example.com"), f"의견 {i}")
        contribution(consultation.process, world.other_citizen)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url("queue")).status_code == 200
    for name in ("flagged", "decided"):
        with django_assert_max_num_queries(12):
            assert client.get(url(name)).status_code == 200


def test_approve_from_the_queue_row_and_double_submit(consultation, world, moderator, client_for):
    item = comment(consultation, world.citizen)
    client = client_for(moderator)
    for _ in range(2):
        response = client.post(url("decide", kind=KIND, pk=item.pk), {"decision": "approve"})
        assert response.status_code == 302
    item.refresh_from_db()
    assert item.moderation_status == PUB
    assert AuditEvent.objects.filter(event_type=EventType.PARTICIPATION_APPROVED).count() == 1


def test_reject_from_the_item_page_keeps_input_on_error(consultation, world, moderator, client_for):
    item = comment(consultation, world.citizen)
    client = client_for(moderator)
    path = url("decide", kind=KIND, pk=item.pk)
    response = client.post(
        path, {"decision": "reject", "reject-decision": "reject", "reject-note": "설명 보존"}
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose the reason: the author will see it." in page and "설명 보존" in page
    response = client.post(
        path,
        {
            "decision": "reject",
            "reject-decision": "reject",
            "reject-reason_code": "off_topic",
            "reject-note": "다른 과정에 올려 주세요.",
        },
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.moderation_status == REJ
    assert item.moderation_reason.endswith("다른 과정에 올려 주세요.")


def test_a_second_moderator_gets_a_clear_conflict_page(consultation, world, moderator, client_for):
    item = comment(consultation, world.citizen)
    other = make_moderator()
    assert (
        client_for(moderator)
        .post(url("decide", kind=KIND, pk=item.pk), {"decision": "approve"})
        .status_code
        == 302
    )
    response = client_for(other).post(
        url("decide", kind=KIND, pk=item.pk), {"decision": "reject", "reason_code": "spam"}
    )
    assert response.status_code == 409
    page = response.content.decode()
    assert "already" in page and "Moon Moderator" in page
    item.refresh_from_db()
    assert item.moderation_status == PUB


def test_bulk_approve_and_reject(consultation, world, moderator, client_for):
    items = [comment(consultation, world.citizen, f"의견 {i}") for i in range(4)]
    client = client_for(moderator)
    keys = [f"{KIND}:{i.pk}" for i in items]
    response = client.post(url("bulk"), {"bulk-items": keys[:2], "bulk-decision": "approve"})
    assert response.status_code == 302
    response = client.post(
        url("bulk"), {"bulk-items": keys[2:], "bulk-decision": "reject", "bulk-note": "보존"}
    )
    assert response.status_code == 400  # no reason: the selection and the note are kept
    page = response.content.decode()
    assert "보존" in page and f'value="{keys[2]}" id="pick-1" checked' in page
    response = client.post(
        url("bulk"),
        {"bulk-items": keys[1:], "bulk-decision": "reject", "bulk-reason_code": "duplicate"},
    )
    assert response.status_code == 302
    statuses = [type(i).objects.get(pk=i.pk).moderation_status for i in items]
    assert statuses == [PUB, PUB, REJ, REJ]
    assert client.post(url("bulk"), {"bulk-decision": "approve"}).status_code == 400


def test_flag_through_the_page_then_dismiss(consultation, world, moderator, client_for, settings):
    settings.NARA_FLAGS_TO_REVIEW = 1
    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    client = client_for(world.other_citizen)
    path = url("flag", kind=KIND, pk=item.pk)
    assert client.post(path, {"note": "보존된 메모"}).status_code == 400
    for _ in range(2):  # the second is harmless
        response = client.post(path, {"reason": "abuse", "next": "/participation/"})
        assert response.status_code == 302 and response["Location"] == "/participation/"
    assert Flag.objects.count() == 1
    own = client_for(world.citizen).post(path, {"reason": "abuse"})
    assert own.status_code == 302 and Flag.objects.count() == 1
    page = client_for(moderator).get(url("flagged")).content.decode()
    assert f"/items/{KIND}/{item.pk}/" in page and "Abusive or hateful (1)" in page
    client_for(moderator).post(url("dismiss_flags", kind=KIND, pk=item.pk))
    page = client_for(moderator).get(url("flagged")).content.decode()
    assert f"/items/{KIND}/{item.pk}/" not in page


def test_off_site_next_is_ignored(consultation, world, moderator, client_for):
    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    response = client_for(world.other_citizen).post(
        url("flag", kind=KIND, pk=item.pk), {"reason": "spam", "next": "https://evil.example/"}
    )
    assert "evil" not in response["Location"]


def _partial(item, user):
    request = RequestFactory().get("/participation/")
    request.user = user
    return render_to_string(
        "participation/moderation/_flag.html", {"item": item, "user": user}, request=request
    )


def test_report_link_is_the_same_for_everyone_and_only_on_published_posts(
    consultation, world, moderator, client_for
):
    """The link is identical for every visitor (lists showing it are cached); the report page
    asks anonymous visitors to log in and refuses authors their own posts."""
    from django.contrib.auth.models import AnonymousUser

    item = comment(consultation, world.citizen, state=PUB, by=moderator)
    link = url("flag", kind=KIND, pk=item.pk)
    html = _partial(item, world.other_citizen)
    assert link in html and "Report this" in html
    assert _partial(item, world.citizen) == html == _partial(item, AnonymousUser())
    pending = comment(consultation, world.citizen)
    assert "Report this" not in _partial(pending, world.other_citizen)
    assert client_for(None).get(link).status_code == 302  # to the login page
    own = client_for(world.citizen).post(link, {"reason": "spam"})
    assert own.status_code == 302
    item.refresh_from_db()
    assert item.flag_count == 0


def test_block_and_unblock_from_the_pages(consultation, world, moderator, client_for):
    spammer = make_user("spammer@example.com", name="Spammer")
    item = comment(consultation, spammer, state=PUB, by=moderator)
    client = client_for(moderator)
    page = client.get(url("block", user_id=spammer.pk)).content.decode()
    assert "1" in page
    assert client.post(url("block", user_id=spammer.pk), {"reason": ""}).status_code == 400
    response = client.post(url("block", user_id=spammer.pk), {"reason": "광고"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.moderation_status == HID
    assert "Spammer" in client.get(url("blocks")).content.decode()
    assert client.post(url("unblock", user_id=spammer.pk)).status_code == 302
    assert not PostingBlock.objects.exists()
    decided = client.get(url("decided")).content.decode()
    assert f"/items/{KIND}/{item.pk}/" in decided  # restore from here
