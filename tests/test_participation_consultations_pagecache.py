"""Consultation pages for anonymous visitors come from the page cache (nara.core.pagecache):
what is cached, what changes a copy at once, and what never reaches another visitor."""

import pytest
from django.urls import reverse

from nara.participation.consultations import services
from nara.participation.consultations.models import Stance
from nara.participation.moderation import moderation_decide
from tests.conftest import login

from .test_participation_consultations import make_consultation
from .test_participation_consultations_web import (  # noqa: F401  (autouse fixtures)
    _english,
    _no_cache,
    base,
    published,
)


def test_anonymous_pages_come_from_the_cache_and_signed_in_ones_do_not(
    client, world, moderator, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.NARA_PUBLIC_CACHE_SECONDS = 30
    consultation = make_consultation(world.roads)
    published(consultation, moderator, 1, stance=Stance.OPPOSE)
    client.get(base(consultation))
    with CaptureQueriesContext(connection) as ctx:
        page = client.get(base(consultation))
    assert "Oppose 1" in page.content.decode()
    # only the version lookup that keys the cached copy, not the page's own queries
    touching = [q["sql"] for q in ctx.captured_queries if "consultations_" in q["sql"]]
    assert len(touching) == 1 and '"version"' in touching[0]
    assert 'name="csrfmiddlewaretoken" value="naraSlot' not in page.content.decode()
    login(client, world.citizen)
    with CaptureQueriesContext(connection) as ctx:
        client.get(base(consultation))
    assert any("consultations_" in q["sql"] for q in ctx.captured_queries)


def test_cached_text_and_lists_change_when_a_comment_is_published_or_hidden(
    client_for, world, moderator
):
    """The draft's text and the comment lists are cached under the consultation's version: a
    moderation decision shows on the next page view, for signed-in users too."""
    consultation = make_consultation(world.roads)
    article = consultation.articles.order_by("order").first()
    reader = client_for(world.other_citizen)
    comments_url = reverse("consultations:comments", args=[consultation.pk])
    detail_url = reverse("consultations:detail", args=[consultation.pk])
    assert "No published comment yet." in reader.get(comments_url).content.decode()
    reader.get(detail_url)
    item = services.comment_create(
        consultation=consultation,
        author=world.citizen,
        body="캐시 확인용 의견입니다.",
        stance=Stance.SUPPORT,
        article=article,
    )
    moderation_decide(item=item, by=moderator, decision="approve")
    assert "캐시 확인용 의견입니다." in reader.get(comments_url).content.decode()
    assert f"comments/?article={article.pk}" in reader.get(detail_url).content.decode()
    moderation_decide(item=item, by=moderator, decision="hide", reason="spam")
    assert "캐시 확인용 의견입니다." not in reader.get(comments_url).content.decode()
    assert f"comments/?article={article.pk}" not in reader.get(detail_url).content.decode()


def test_anonymous_copies_follow_moderation_and_publication_at_once(
    client, world, moderator, settings
):
    """A comment hidden, or the process unpublished, shows on the next anonymous view: the
    cached copy is keyed by the consultation's version and its process's publication."""
    settings.NARA_PUBLIC_CACHE_SECONDS = 30
    consultation = make_consultation(world.roads)
    (item,) = published(consultation, moderator, 1, stance=Stance.OPPOSE)
    comments_url = reverse("consultations:comments", args=[consultation.pk])
    assert item.body in client.get(comments_url).content.decode()
    moderation_decide(item=item, by=moderator, decision="hide", reason="spam")
    assert item.body not in client.get(comments_url).content.decode()
    assert client.get(base(consultation)).status_code == 200
    consultation.process.published = False
    consultation.process.save(update_fields=["published"])
    assert client.get(base(consultation)).status_code == 404


def test_a_cached_page_fills_only_its_own_slots_not_text_people_posted(
    client, world, moderator, settings
):
    """The placeholder for the CSRF token on cached pages comes from SECRET_KEY: a comment
    quoting a placeholder-like text is shown as written, never with a visitor's token."""
    from nara.core.pagecache import slot

    settings.NARA_PUBLIC_CACHE_SECONDS = 30
    consultation = make_consultation(world.roads)
    comment = services.comment_create(
        consultation=consultation,
        author=world.citizen,
        stance=Stance.SUPPORT,
        body="see https://evil.example/?t=naraCsrfSlot7f3c91",
    )
    moderation_decide(item=comment, by=moderator, decision="approve")
    comments_url = reverse("consultations:comments", args=[consultation.pk])
    client.get(comments_url)
    html = client.get(comments_url).content.decode()
    assert "?t=naraCsrfSlot7f3c91" in html
    assert slot("csrf") not in html and slot("csrf").startswith("naraSlot")


def test_made_up_query_parameters_are_redirected_to_the_cached_copy(
    client, world, moderator, settings
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.NARA_PUBLIC_CACHE_SECONDS = 30
    consultation = make_consultation(world.roads)
    comments = reverse("consultations:comments", args=[consultation.pk])
    client.get(base(consultation))
    response = client.get(base(consultation) + "?utm_source=x&junk=1")
    assert response.status_code == 302 and response["Location"] == base(consultation)
    response = client.get(comments + "?page=2&junk=1&stance=oppose")
    assert response.status_code == 302
    assert response["Location"] == comments + "?stance=oppose&page=2"  # the pages' order
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(base(consultation)).status_code == 200
    assert len(ctx.captured_queries) == 1  # the version lookup: served from the cached copy


@pytest.mark.parametrize("view", ["detail", "comments"])
def test_no_visitor_is_served_a_copy_made_for_another_url(client, world, moderator, settings, view):
    """The cached copy shows its URL (the language form sends the visitor back to it). Before,
    the key read only the pages' parameters: the first visitor's URL, made-up parameters
    included, was in the copy every later visitor got."""
    settings.NARA_PUBLIC_CACHE_SECONDS = 30
    consultation = make_consultation(world.roads)
    url = reverse(f"consultations:{view}", args=[consultation.pk])
    client.get(url + "?stance=oppose&ref=attacker-campaign", follow=True)
    page = client.get(url + "?stance=oppose").content.decode()
    assert f'name="next" value="{url}?stance=oppose"' in page
    assert "attacker-campaign" not in page


@pytest.mark.parametrize("off", [frozenset(), frozenset({"pagecache"})])
def test_pagecache_in_nara_off_renders_every_page(client, world, settings, off):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    settings.NARA_PUBLIC_CACHE_SECONDS = 30
    settings.NARA_OFF = off
    consultation = make_consultation(world.roads)
    client.get(base(consultation))
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(base(consultation)).status_code == 200
    touching = [q["sql"] for q in ctx.captured_queries if "consultations_" in q["sql"]]
    # the version lookup alone (served from the copy), or the page's own queries
    from_the_copy = touching[0].startswith('SELECT "consultations_consultation"."version" AS')
    assert from_the_copy == (not off)
