"""Consultation pages: who sees what (every view × every persona), the comment form, the
report pages, bad input, and query counts that do not grow with the comments."""

import pytest
from django.core.cache import cache, caches
from django.utils import translation

from nara.agencies.models import Membership
from nara.core.models import Region
from nara.participation.consultations import services
from nara.participation.consultations.models import (
    Comment,
    Consultation,
    Reply,
    ReportStatus,
    Scope,
    Stance,
)
from nara.participation.models import ModerationStatus, PhaseKind
from nara.participation.moderation import moderation_decide
from tests.conftest import login, make_user
from tests.participation_helpers import move_to_phase

from .test_participation_consultations import draft_articles, make_consultation


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source texts: pages and messages in English."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _no_cache():
    cache.clear()
    caches["pages"].clear()


@pytest.fixture
def personas(world, moderator):
    """anonymous, citizen, resident of another region, moderator, agency official, official of
    another agency."""
    elsewhere = Region.objects.get(code="26")
    return {
        "anonymous": None,
        "citizen": world.citizen,
        "outsider": make_user("busan@example.com", region=elsewhere),
        "moderator": moderator,
        "official": world.handler,
        "other_official": world.other_handler,
    }


def client_of(client, user):
    if user is not None:
        login(client, user)
    return client


def published(consultation, moderator, n, *, article=None, stance=None):
    from nara.accounts.models import User

    author = User.objects.filter(email="alice@example.com").get()
    out = []
    for i in range(n):
        comment = services.comment_create(
            consultation=consultation,
            author=author,
            stance=stance or [Stance.SUPPORT, Stance.OPPOSE, Stance.NEUTRAL][i % 3],
            body=f"의견 {i}",
            article=article,
        )
        out.append(moderation_decide(item=comment, by=moderator, decision="approve"))
    return out


def base(c):
    return f"/participation/consultations/{c.pk}/"


# --- the draft page ----------------------------------------------------------------------------


def test_the_draft_page_shows_the_text_the_diff_and_the_counts(client, world, moderator):
    consultation = make_consultation(world.roads)
    article = consultation.articles.get(number="제3조")
    published(consultation, moderator, 2, article=article, stance=Stance.OPPOSE)
    page = client.get(base(consultation)).content.decode()
    # an English page: the heading has no English version, so it is shown as Korean (unmarked:
    # the page says the whole text is Korean only)
    assert '제3조(<span lang="ko">보수 기한</span>)' in page
    assert "The text of the draft is in Korean only" in page
    assert "<del>" in page and "<ins>" in page
    assert 'class="visually-hidden" lang="en">deleted:' in page
    assert 'class="visually-hidden" lang="en">inserted:' in page
    assert "40 days left" in page or "39 days left" in page
    assert "Oppose 2" in page
    assert f"comment/?article={article.pk}" in page


def test_the_draft_page_in_korean(client, world):
    consultation = make_consultation(world.roads)
    page = client.get(base(consultation), HTTP_ACCEPT_LANGUAGE="ko").content.decode()
    assert "제1조(목적)" in page


@pytest.mark.parametrize(
    "who", ["anonymous", "citizen", "outsider", "moderator", "official", "other_official"]
)
def test_public_pages_for_every_persona(client, world, moderator, personas, who):
    consultation = make_consultation(world.roads)
    [comment] = published(consultation, moderator, 1)
    pending = services.comment_create(
        consultation=consultation, author=world.other_citizen, stance=Stance.SUPPORT, body="대기"
    )
    c = client_of(client, personas[who])
    assert c.get(base(consultation)).status_code == 200
    assert c.get(base(consultation) + "comments/").status_code == 200
    assert c.get(comment.get_absolute_url()).status_code == 200
    assert c.get(pending.get_absolute_url()).status_code == 404  # not theirs, not published
    assert c.get(base(consultation) + "report/").status_code == 404  # no report yet
    write = c.get(base(consultation) + "report/write/")
    if who == "anonymous":
        assert write.status_code == 302
    elif who == "official":
        assert write.status_code == 200
    else:
        assert write.status_code == 404
    form = c.get(base(consultation) + "comment/")
    if who == "anonymous":
        assert form.status_code == 302 and "/login" in form["Location"]
    else:
        assert form.status_code == 200
        assert b'name="body"' in form.content


def test_comments_list_shows_only_published_comments(client, world, moderator):
    consultation = make_consultation(world.roads)
    published(consultation, moderator, 1)
    services.comment_create(
        consultation=consultation, author=world.citizen, stance=Stance.SUPPORT, body="숨은 의견"
    )
    page = client.get(base(consultation) + "comments/").content.decode()
    assert "의견 0" in page and "숨은 의견" not in page
    login(client, world.citizen)
    page = client.get(base(consultation) + "comments/").content.decode()
    assert "Awaiting moderation" in page  # the author sees their own, marked


def test_unpublished_consultation_is_404_but_to_its_agency(client, world):
    consultation = make_consultation(world.roads)
    consultation.process.published = False
    consultation.process.save()
    assert client.get(base(consultation)).status_code == 404
    login(client, world.citizen)
    assert client.get(base(consultation)).status_code == 404
    login(client, world.handler)
    assert client.get(base(consultation)).status_code == 200
    assert client.get("/participation/consultations/999999/").status_code == 404


# --- commenting --------------------------------------------------------------------------------


def test_a_citizen_comments_on_an_article(client, world):
    consultation = make_consultation(world.roads)
    article = consultation.articles.get(number="제2조")
    login(client, world.citizen)
    form = client.get(base(consultation) + f"comment/?article={article.pk}").content.decode()
    assert f'value="a{article.pk}" selected' in form
    response = client.post(
        base(consultation) + "comment/",
        {
            "target": f"a{article.pk}",
            "stance": "oppose",
            "body": "정의가 좁습니다",
            "token": "0b0e4b9e-7d2a-4a55-9a53-3c6c1f1e2a10",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "awaiting moderation" in response.content.decode()
    comment = Comment.objects.get()
    assert comment.article == article and comment.stance == Stance.OPPOSE
    assert comment.moderation_status == ModerationStatus.PENDING
    # the same form sent again makes nothing new
    client.post(
        base(consultation) + "comment/",
        {
            "target": f"a{article.pk}",
            "stance": "oppose",
            "body": "정의가 좁습니다",
            "token": "0b0e4b9e-7d2a-4a55-9a53-3c6c1f1e2a10",
        },
    )
    assert Comment.objects.count() == 1


def test_a_comment_on_a_paragraph(client, world):
    consultation = make_consultation(world.roads)
    paragraph = consultation.articles.get(number="제2조").paragraphs.get(number="②")
    login(client, world.citizen)
    client.post(
        base(consultation) + "comment/",
        {"target": f"p{paragraph.pk}", "stance": "neutral", "body": "의견"},
    )
    assert Comment.objects.get().paragraph == paragraph


@pytest.mark.parametrize(
    "data,message",
    [
        ({"target": "", "stance": "support", "body": ""}, "Write your comment."),
        ({"target": "", "stance": "support", "body": "가" * 3001}, "at most 3000"),
        ({"target": "", "stance": "", "body": "의견"}, "support or oppose"),
        ({"target": "a999999", "stance": "support", "body": "의견"}, "Choose the whole draft"),
        ({"target": "zz\x00", "stance": "support", "body": "의견"}, "Choose the whole draft"),
    ],
)
def test_bad_comments_are_shown_again_with_a_clear_error(client, world, data, message):
    consultation = make_consultation(world.roads)
    login(client, world.citizen)
    response = client.post(base(consultation) + "comment/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in page
    if data["body"] and len(data["body"]) < 100:
        assert data["body"] in page  # what was typed is kept
    assert not Comment.objects.exists()


def test_an_article_of_another_consultation_in_the_form_is_an_error(client, world):
    consultation = make_consultation(world.roads)
    other = make_consultation(world.roads)
    login(client, world.citizen)
    response = client.post(
        base(consultation) + "comment/",
        {"target": f"a{other.articles.first().pk}", "stance": "support", "body": "의견"},
    )
    assert response.status_code == 400
    assert "Choose the whole draft" in response.content.decode()
    # and in the comments filter: a clear message, not a 500
    comments = base(consultation) + "comments/"
    page = client.get(f"{comments}?article={other.articles.first().pk}&page=2", follow=True)
    assert page.redirect_chain == [(comments, 302)]  # to what there is: one URL, one copy
    assert page.status_code == 200
    assert "no such article" in page.content.decode()
    for bad in ("abc", "-1", "1" * 30):
        response = client.get(f"{comments}?article={bad}&page={bad}", follow=True)
        assert response.redirect_chain == [(comments, 302)]
        assert response.status_code == 200
    assert client.get(base(consultation) + "comments/?article=%00").status_code == 400
    response = client.get(f"{comments}?stance=maybe", follow=True)
    assert response.redirect_chain == [(comments, 302)]
    assert "Unknown position" in response.content.decode()


@pytest.mark.parametrize("phase", [PhaseKind.INFORMATION, PhaseKind.RESULTS])
def test_outside_the_comment_period_the_form_shows_why(client, world, phase):
    consultation = make_consultation(world.roads)
    move_to_phase(consultation.process, phase)
    login(client, world.citizen)
    page = client.get(base(consultation) + "comment/")
    assert "not open in the current phase" in page.content.decode()
    response = client.post(
        base(consultation) + "comment/", {"target": "", "stance": "support", "body": "늦음"}
    )
    assert response.status_code == 403
    assert not Comment.objects.exists()
    detail = client.get(base(consultation)).content.decode()
    assert "Comment on this article" not in detail


# --- the report --------------------------------------------------------------------------------


def closed_with_comments(world, moderator, n=3):
    consultation = make_consultation(world.roads)
    comments = published(consultation, moderator, n, article=consultation.articles.first())
    move_to_phase(consultation.process, PhaseKind.RESULTS)
    return consultation, comments


def test_the_official_writes_and_publishes_the_report(client, world, moderator):
    consultation, comments = closed_with_comments(world, moderator)
    login(client, world.handler)
    url = base(consultation) + "report/"
    page = client.get(url + "write/").content.decode()
    assert f'value="{comments[0].pk}"' in page
    assert client.post(url + "write/", {"summary": "세 건을 받았습니다."}).status_code == 302
    response = client.post(
        url + "themes/new/",
        {
            "theme-title": "보수 기한",
            "theme-summary": "짧다는 의견",
            "theme-reply": "partly",
            "theme-reply_text": "10일로 조정합니다.",
            "theme-comments": [comments[0].pk, comments[1].pk],
        },
    )
    assert response.status_code == 302
    assert client.get(url).status_code == 404  # still a draft
    assert client.post(url + "publish/").status_code == 302
    report = client.get(url).content.decode()
    assert "세 건을 받았습니다." in report and "10일로 조정합니다." in report
    assert f"/comments/{comments[0].pk}/" in report
    assert '<th scope="col"' in report and '<th scope="row"' in report
    assert Consultation.objects.get(pk=consultation.pk).report.status == ReportStatus.PUBLISHED
    # the comment's page links back to its theme
    assert "보수 기한" in client.get(comments[0].get_absolute_url()).content.decode()


def test_theme_form_errors_keep_what_was_typed(client, world, moderator):
    consultation, comments = closed_with_comments(world, moderator)
    other, others = closed_with_comments(world, moderator, n=1)
    login(client, world.handler)
    response = client.post(
        base(consultation) + "report/themes/new/",
        {
            "theme-title": "제목 남김",
            "theme-summary": "",
            "theme-reply": "nope",
            "theme-reply_text": "답",
            "theme-comments": [others[0].pk, "x"],
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "제목 남김" in page
    response = client.post(
        base(consultation) + "report/themes/new/",
        {
            "theme-title": "제목",
            "theme-summary": "요약",
            "theme-reply": "accepted",
            "theme-reply_text": "답",
            "theme-comments": [others[0].pk],
        },
    )
    assert response.status_code == 400
    assert "published comments on this draft only" in response.content.decode()


@pytest.mark.parametrize("who", ["anonymous", "citizen", "outsider", "moderator", "other_official"])
def test_others_cannot_write_the_report(client, world, moderator, personas, who):
    consultation, comments = closed_with_comments(world, moderator)
    c = client_of(client, personas[who])
    url = base(consultation) + "report/"
    expected = 302 if who == "anonymous" else 404
    assert c.post(url + "write/", {"summary": "x"}).status_code == expected
    assert c.post(url + "themes/new/", {"title": "x"}).status_code == expected
    assert c.post(url + "publish/").status_code == expected
    from nara.participation.consultations.models import Report

    assert not Report.objects.exists()


def test_the_report_page_before_the_period_ends_shows_why(client, world):
    consultation = make_consultation(world.roads)
    login(client, world.handler)
    page = client.get(base(consultation) + "report/write/").content.decode()
    assert "not open in the current phase" in page
    assert client.post(base(consultation) + "report/write/", {"summary": "x"}).status_code == 302


# --- query counts ------------------------------------------------------------------------------


def _bulk(consultation, n):
    from nara.accounts.models import User

    author = User.objects.get(email="alice@example.com")
    articles = list(consultation.articles.all())
    stances = [Stance.SUPPORT, Stance.OPPOSE, Stance.NEUTRAL]
    Comment.objects.bulk_create(
        Comment(
            consultation=consultation,
            article=articles[i % len(articles)],
            stance=stances[i % 3],
            body=f"의견 {i}",
            author=author,
            moderation_status=ModerationStatus.PUBLISHED,
        )
        for i in range(n)
    )
    services.counts_recompute(consultation=consultation)


def _page_queries(client, urls) -> list[int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for url in urls:
        client.get(url)  # warm (session, content types)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_query_counts_do_not_grow_with_the_comments(client, world, moderator):
    """The same number of queries per page with 20 and with 600 comments (and a theme covering
    all of them): no N+1."""
    consultation, _comments = closed_with_comments(world, moderator, n=1)
    _bulk(consultation, 40)
    services.report_save(consultation=consultation, by=world.handler, summary="요약")
    theme = services.theme_save(
        consultation=consultation,
        by=world.handler,
        title="t",
        summary="s",
        reply=Reply.ACCEPTED,
        reply_text="r",
        comment_ids=list(Comment.objects.values_list("pk", flat=True)),
    )
    article = consultation.articles.first()
    urls = [
        base(consultation),
        base(consultation) + f"comments/?article={article.pk}&stance=support",
        base(consultation) + "comments/?page=2",  # a page that exists at both sizes
        base(consultation) + "report/write/",
    ]
    public_urls = [*urls[:3], base(consultation) + "report/"]
    login(client, world.handler)
    small_write = _page_queries(client, urls)
    _bulk(consultation, 580)
    theme.comments.set(Comment.objects.values_list("pk", flat=True))
    large_write = _page_queries(client, urls)
    assert small_write == large_write
    assert max(large_write) <= 16
    services.report_publish(consultation=consultation, by=world.handler)
    login(client, world.citizen)
    large_public = _page_queries(client, public_urls)
    first_30 = Comment.objects.filter(consultation=consultation).order_by("pk")[:30]
    Comment.objects.filter(consultation=consultation).exclude(
        pk__in=[c.pk for c in first_30]
    ).delete()
    services.counts_recompute(consultation=consultation)
    small_public = _page_queries(client, public_urls)
    assert small_public == large_public
    assert max(large_public) <= 12


def test_a_local_ordinance_is_open_to_anyone(client, world, personas):
    seoul = Region.objects.get(code="11")
    consultation = make_consultation(world.parks, scope=Scope.LOCAL, region=seoul)
    login(client, personas["outsider"])
    client.post(
        base(consultation) + "comment/", {"target": "", "stance": "support", "body": "의견"}
    )
    assert Comment.objects.filter(author=personas["outsider"]).exists()


def test_an_official_above_the_unit_may_write_the_report(client, world, moderator):
    consultation, _comments = closed_with_comments(world, moderator)
    boss = make_user("boss@moi.example.com", official=True)
    Membership.objects.create(user=boss, unit=world.ministry, role=Membership.Role.APPROVER)
    login(client, boss)
    assert client.get(base(consultation) + "report/write/").status_code == 200


def test_unused_draft_articles_helper_matches_the_model(world):
    assert len(draft_articles()) == make_consultation(world.roads).articles.count()


def test_an_id_too_large_for_the_database_is_a_404(client):
    assert client.get("/participation/consultations/99999999999999999999/").status_code == 404
    assert (
        client.get("/participation/consultations/99999999999999999999/comments/").status_code == 404
    )
