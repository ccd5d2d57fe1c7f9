"""What a follower or a reporter may learn about a posted item once it, or its process, is out
of sight: the digest leaves out activities about posts hidden or rejected after they were
recorded, and the report ("flag") and follow pages answer 404 for a post whose process (its own,
or its parent's) is not published."""

from datetime import timedelta

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from time_machine import travel

from nara.notifications.messages import msg
from nara.notifications.models import OutboxMessage
from nara.participation import following, moderation, services, views_moderation
from nara.participation import views as participation_views
from nara.participation.http import safe_next
from nara.participation.models import Activity, Flag, ModerationStatus, Process
from tests import test_participation_moderation_helpers as helpers
from tests.participation_helpers import make_process
from tests.states import kst
from tests.test_participation_moderation_helpers import comment, contribution

# fixtures: a draft for comment in a published process, with the two kinds registered
consultation, only_two_kinds = helpers.consultation, helpers.only_two_kinds

MONDAY = kst(2026, 3, 9, 10, 0)  # after the 08:00 digest hour
HOUR = timedelta(hours=1)
WEEK = timedelta(days=7)
PUB = ModerationStatus.PUBLISHED


def _announce(process, text, *, target=None, source=None):
    following.record_activity(
        process=process,
        target=target,
        source=source,
        message=msg(_("New comment on the draft %(title)s"), {"title": text}),
        url="/participation/",
    )


def _hide(item, by):
    moderation.moderation_decide(
        item=item, by=by, decision="hide", reason_code="abuse", notify_author=False
    )


def _digest_texts(user) -> list[str]:
    """What the next weekly digest of `user` would list (English)."""
    return [
        a.text("en")
        for a in following.digest_activities(user, since=MONDAY, until=MONDAY + 2 * WEEK)
    ]


@pytest.fixture
def follower(world, consultation):
    """world.citizen follows the consultation's process from Monday on."""
    with travel(MONDAY, tick=False):
        services.follow_create(user=world.citizen, target=consultation.process)
    return world.citizen


# --- the digest ----------------------------------------------------------------------------------


def test_record_activity_stores_the_source_and_keeps_its_old_keywords(world, consultation):
    post = comment(consultation, world.other_citizen)
    _announce(consultation.process, "with source", target=consultation, source=post)
    _announce(consultation.process, "old call")  # no target, no source: as before
    with_source, old = Activity.objects.order_by("-id")[:2][::-1]
    assert (with_source.source, with_source.target) == (post, consultation)
    assert (old.source, old.target) == (None, None)


def test_a_post_hidden_after_its_activity_does_not_go_out_in_the_digest(
    world, moderator, consultation, follower
):
    kept = comment(consultation, world.other_citizen, state=PUB, by=moderator)
    hidden = comment(consultation, world.other_citizen, state=PUB, by=moderator)
    with travel(MONDAY + HOUR, tick=False):
        _announce(consultation.process, "kept", target=consultation, source=kept)
        _announce(consultation.process, "hidden", target=consultation, source=hidden)
        _announce(consultation.process, "hidden, no target", source=hidden)
    _hide(hidden, moderator)  # hidden after its activity was recorded
    assert _digest_texts(follower) == ["New comment on the draft kept"]
    with travel(MONDAY + WEEK, tick=False):
        assert following.digests_send() == 1
    body = OutboxMessage.objects.get(to_email=follower.email).body
    assert "kept" in body and "hidden" not in body


def test_a_followed_post_hidden_later_is_left_out(world, moderator, consultation, follower):
    """The target itself is a moderated post (followers of one contribution)."""
    post = contribution(consultation.process, world.other_citizen, state=PUB, by=moderator)
    with travel(MONDAY, tick=False):
        services.follow_create(user=follower, target=post)
    with travel(MONDAY + HOUR, tick=False):
        _announce(consultation.process, "answered", target=post)
    assert _digest_texts(follower) == ["New comment on the draft answered"]
    _hide(post, moderator)
    assert _digest_texts(follower) == []


def test_a_source_whose_own_process_is_withdrawn_is_left_out(
    world, moderator, consultation, follower
):
    elsewhere = make_process(world.roads, slug="elsewhere")
    post = contribution(elsewhere, world.other_citizen, state=PUB, by=moderator)
    with travel(MONDAY + HOUR, tick=False):
        _announce(consultation.process, "cross", source=post)
    assert _digest_texts(follower) == ["New comment on the draft cross"]
    Process.objects.filter(pk=elsewhere.pk).update(published=False)
    assert _digest_texts(follower) == []


def test_pending_or_rejected_sources_never_go_out(world, moderator, consultation, follower):
    pending = comment(consultation, world.other_citizen)
    with travel(MONDAY + HOUR, tick=False):
        _announce(consultation.process, "early", source=pending)
    assert _digest_texts(follower) == []


def test_the_digest_query_count_does_not_grow_with_the_activities(
    world, moderator, consultation, follower, django_assert_max_num_queries
):
    def count(n):
        for i in range(n):
            post = comment(consultation, world.other_citizen, state=PUB, by=moderator)
            with travel(MONDAY + HOUR, tick=False):
                _announce(consultation.process, f"c{i}", target=consultation, source=post)
        with django_assert_max_num_queries(4):
            return len(_digest_texts(follower))

    assert count(2) == 2
    assert count(10) == 12


# --- the process behind a post -------------------------------------------------------------------


def test_every_registered_kind_leads_to_its_process(world, moderator):
    """Each model registered for moderation has a way to its process (its own or its
    parent's); a kind registered without one would make its posts unreportable."""
    helpers._ensure_registered()
    for kind, registration in moderation.REGISTRY.items():
        path = moderation.process_path(registration.model)
        assert path and path.endswith("process"), kind


def test_item_process_follows_the_parent(world, moderator, consultation):
    post = comment(consultation, world.other_citizen)
    assert moderation.process_path(type(post)) == "consultation__process"
    assert moderation.item_process(post) == consultation.process
    own = contribution(consultation.process, world.other_citizen)
    assert moderation.item_process(own) == consultation.process


def test_report_page_is_404_for_a_post_in_an_unpublished_process(
    world, moderator, consultation, client_for
):
    post = comment(consultation, world.other_citizen, "비공개 과정의 댓글", state=PUB, by=moderator)
    path = reverse("participation_moderation:flag", args=["consultations.comment", post.pk])
    client = client_for(world.citizen)
    assert client.get(path).status_code == 200
    Process.objects.filter(pk=consultation.process_id).update(published=False)
    response = client.get(path)
    assert response.status_code == 404
    assert "비공개 과정의 댓글" not in response.content.decode()
    assert client.post(path, {"reason": "spam"}).status_code == 404
    assert not Flag.objects.exists()


def test_a_post_in_an_unpublished_process_cannot_be_followed(
    world, moderator, consultation, client_for
):
    post = comment(consultation, world.other_citizen, state=PUB, by=moderator)
    path = reverse("participation:follow", args=["consultations.comment", post.pk])
    client = client_for(world.citizen)
    Process.objects.filter(pk=consultation.process_id).update(published=False)
    assert client.post(path, {"action": "follow"}).status_code == 404
    Process.objects.filter(pk=consultation.process_id).update(published=True)
    assert client.post(path, {"action": "follow"}).status_code == 302


# --- one safe "next" -----------------------------------------------------------------------------


def test_one_safe_next_for_every_participation_view():
    assert not hasattr(participation_views, "_safe_next")
    assert not hasattr(views_moderation, "_safe_next")
    assert participation_views.safe_next is views_moderation.safe_next is safe_next


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"next": "/participation/p/x/"}, "/participation/p/x/"),
        ({"next": "https://evil.example/"}, "/fallback/"),
        ({"next": "//evil.example/"}, "/fallback/"),
        ({}, "/fallback/"),
    ],
)
def test_safe_next_only_goes_back_to_this_site(data, expected):
    factory = RequestFactory()
    assert safe_next(factory.post("/", data), "/fallback/") == expected
    assert safe_next(factory.get("/", data), "/fallback/") == expected
