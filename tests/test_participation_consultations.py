"""Consultations on drafts (입법예고): services, counts under concurrency, the diff, the parser,
the report."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from nara.audit.models import AuditEvent, EventType
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.models import Region
from nara.participation.consultations import services
from nara.participation.consultations.models import (
    Article,
    Comment,
    Consultation,
    Reply,
    ReportStatus,
    Scope,
    Stance,
)
from nara.participation.consultations.selectors import comment_period, published_comments
from nara.participation.consultations.text import (
    ParsedArticle,
    ParsedParagraph,
    Segment,
    parse_articles,
    word_diff,
)
from nara.participation.models import Action, ModerationStatus, PhaseKind, PostingBlock
from nara.participation.moderation import moderation_decide
from nara.participation.policies import can_act, current_phase
from tests.conftest import make_user
from tests.helpers import together
from tests.participation_helpers import move_to_phase


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source texts: pages and messages in English."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


DRAFT = """제1조(목적) 이 규칙은 도로 보수의 절차를 정함을 목적으로 한다.
제2조(정의) ① "포트홀"이란 도로 표면이 파인 곳을 말한다.
② "긴급보수"란 24시간 안에 하는 보수를 말한다.
제3조(보수 기한) ① 관리청은 신고를 받은 날부터 7일 안에 보수하여야 한다.
"""


def draft_articles():
    articles = parse_articles(DRAFT)
    articles[2].paragraphs[0].current_text = "관리청은 신고를 받은 날부터 14일 안에 보수할 수 있다."
    return articles


def make_consultation(unit, by=None, *, scope=Scope.NATIONAL, region=None, **kwargs):
    return services.consultation_create(
        unit=unit,
        title="도로 보수 규칙 일부개정안",
        summary="포트홀 보수 기한을 줄입니다.",
        articles=draft_articles(),
        by=by,
        scope=scope,
        region=region,
        current_text_ref="도로 보수 규칙 (2020. 1. 1.)",
        **kwargs,
    )


def approve(comment, moderator):
    return moderation_decide(item=comment, by=moderator, decision="approve")


def counts(obj):
    obj.refresh_from_db()
    return (obj.support_count, obj.oppose_count, obj.neutral_count)


# --- the text ----------------------------------------------------------------------------------


def test_word_diff_marks_deleted_and_inserted_words():
    segments = word_diff("7일 안에 보수할 수 있다.", "3일 안에 보수하여야 한다.")
    assert Segment("delete", "7일") in segments
    assert Segment("insert", "3일") in segments
    assert Segment("equal", " 안에 ") in segments
    deleted = "".join(s.text for s in segments if s.op != "insert")
    inserted = "".join(s.text for s in segments if s.op != "delete")
    assert deleted == "7일 안에 보수할 수 있다."
    assert inserted == "3일 안에 보수하여야 한다."


def test_word_diff_of_equal_text_is_one_equal_segment():
    assert word_diff("같은 글", "같은 글") == [Segment("equal", "같은 글")]


def test_parse_articles_reads_numbers_headings_and_paragraphs():
    articles = parse_articles(DRAFT)
    assert [a.number for a in articles] == ["제1조", "제2조", "제3조"]
    assert [a.heading for a in articles] == ["목적", "정의", "보수 기한"]
    assert [p.number for p in articles[1].paragraphs] == ["①", "②"]
    assert articles[0].paragraphs[0].number == ""
    assert articles[0].paragraphs[0].text.startswith("이 규칙은")


def test_parse_articles_refuses_text_without_an_article():
    with pytest.raises(ValueError):
        parse_articles("목적 없는 글")


# --- publishing --------------------------------------------------------------------------------


def test_a_national_draft_is_open_for_40_days_and_a_local_one_for_20(world):
    national = make_consultation(world.roads, world.handler)
    local = make_consultation(world.parks, world.other_handler, scope=Scope.LOCAL)
    for consultation, days in ((national, 40), (local, 20)):
        period = comment_period(consultation)
        assert period.is_open
        assert period.ends_at - period.starts_at == timedelta(days=days)
        assert current_phase(consultation.process).kind == PhaseKind.INPUT
    assert AuditEvent.objects.filter(event_type=EventType.CONSULTATION_PUBLISHED).count() == 2


def test_a_comment_period_shorter_than_the_law_allows_is_refused(world):
    with pytest.raises(ValidationError) as error:
        make_consultation(world.roads, scope=Scope.NATIONAL, days=39)
    assert "days" in error.value.error_dict
    assert not Consultation.objects.exists()


def test_the_draft_keeps_its_structure(world):
    consultation = make_consultation(world.roads)
    articles = list(consultation.articles.order_by("order"))
    assert [str(a) for a in articles] == ["제1조(목적)", "제2조(정의)", "제3조(보수 기한)"]
    assert articles[1].paragraphs.count() == 2
    assert articles[2].paragraphs.get().amends


def test_duplicate_article_numbers_are_refused(world):
    articles = [ParsedArticle("제1조", "a", [ParsedParagraph("", "x")])] * 2
    with pytest.raises(ValidationError):
        services.consultation_create(unit=world.roads, title="t", summary="s", articles=articles)


# --- comments ----------------------------------------------------------------------------------


def test_comments_on_the_draft_an_article_and_a_paragraph(world):
    consultation = make_consultation(world.roads)
    article = consultation.articles.get(number="제2조")
    paragraph = article.paragraphs.get(number="②")
    whole = services.comment_create(
        consultation=consultation, author=world.citizen, stance=Stance.SUPPORT, body="좋습니다"
    )
    on_article = services.comment_create(
        consultation=consultation,
        author=world.citizen,
        stance=Stance.OPPOSE,
        body="정의가 좁습니다",
        article=article,
    )
    on_paragraph = services.comment_create(
        consultation=consultation,
        author=world.citizen,
        stance=Stance.NEUTRAL,
        body="24시간은 짧습니다",
        paragraph=paragraph,
    )
    assert whole.article is None and whole.paragraph is None
    assert on_article.article == article and on_article.paragraph is None
    assert on_paragraph.article == article and on_paragraph.paragraph == paragraph
    for comment in (whole, on_article, on_paragraph):
        assert comment.moderation_status == ModerationStatus.PENDING
    assert counts(consultation) == (0, 0, 0)  # nothing is counted before moderation


def test_an_article_of_another_consultation_is_refused_clearly(world):
    consultation = make_consultation(world.roads)
    other = make_consultation(world.roads)
    with pytest.raises(ValidationError) as error:
        services.comment_create(
            consultation=consultation,
            author=world.citizen,
            stance=Stance.SUPPORT,
            body="x",
            article=other.articles.first(),
        )
    assert "target" in error.value.error_dict
    paragraph = other.articles.get(number="제2조").paragraphs.first()
    with pytest.raises(ValidationError):
        services.comment_create(
            consultation=consultation,
            author=world.citizen,
            stance=Stance.SUPPORT,
            body="x",
            paragraph=paragraph,
        )
    assert not Comment.objects.exists()


@pytest.mark.parametrize(
    "stance,body,field",
    [
        (Stance.SUPPORT, "", "body"),
        (Stance.SUPPORT, "   ", "body"),
        (Stance.SUPPORT, "가" * (services.COMMENT_MAX + 1), "body"),
        ("maybe", "의견", "stance"),
    ],
)
def test_bad_comments_are_refused_with_a_clear_error(world, stance, body, field):
    consultation = make_consultation(world.roads)
    with pytest.raises(ValidationError) as error:
        services.comment_create(
            consultation=consultation, author=world.citizen, stance=stance, body=body
        )
    assert field in error.value.error_dict


def test_the_same_form_sent_twice_makes_one_comment(world):
    consultation = make_consultation(world.roads)
    token = "0b0e4b9e-7d2a-4a55-9a53-3c6c1f1e2a10"
    first = services.comment_create(
        consultation=consultation,
        author=world.citizen,
        stance=Stance.SUPPORT,
        body="한 번",
        form_token=token,
    )
    second = services.comment_create(
        consultation=consultation,
        author=world.citizen,
        stance=Stance.SUPPORT,
        body="한 번",
        form_token=token,
    )
    assert first.pk == second.pk
    assert Comment.objects.count() == 1


@pytest.mark.parametrize(
    "phase,allowed",
    [
        (PhaseKind.INFORMATION, False),
        (PhaseKind.INPUT, True),
        (PhaseKind.DELIBERATION, True),
        (PhaseKind.VOTING, False),
        (PhaseKind.RESULTS, False),
    ],
)
def test_commenting_is_open_only_in_the_phases_that_allow_it(world, phase, allowed):
    consultation = make_consultation(world.roads)
    move_to_phase(consultation.process, phase)
    consultation.process.refresh_from_db()

    def comment():
        return services.comment_create(
            consultation=consultation, author=world.citizen, stance=Stance.SUPPORT, body="의견"
        )

    if allowed:
        assert comment().pk
    else:
        with pytest.raises(NotAllowed):
            comment()
        assert not Comment.objects.exists()


def test_who_may_comment(world, moderator):
    region = Region.objects.get(code="11")
    elsewhere = Region.objects.get(code="26")
    consultation = make_consultation(world.parks, scope=Scope.LOCAL, region=region)
    process = consultation.process
    outsider = make_user("busan@example.com", region=elsewhere)
    blocked = make_user("spam@example.com", region=region)
    PostingBlock.objects.create(user=blocked, reason="spam")
    from django.contrib.auth.models import AnonymousUser

    assert not can_act(AnonymousUser(), process, Action.COMMENT)
    assert can_act(world.citizen, process, Action.COMMENT)
    # anyone may comment on a local ordinance (행정절차법 §44), not only residents
    assert can_act(outsider, process, Action.COMMENT)
    assert not can_act(blocked, process, Action.COMMENT)
    with pytest.raises(NotAllowed):
        services.comment_create(
            consultation=consultation, author=blocked, stance=Stance.OPPOSE, body="광고"
        )


# --- counts ------------------------------------------------------------------------------------


def test_published_counts_follow_moderation(world, moderator):
    consultation = make_consultation(world.roads)
    article = consultation.articles.get(number="제3조")
    comment = services.comment_create(
        consultation=consultation,
        author=world.citizen,
        stance=Stance.OPPOSE,
        body="7일은 짧습니다",
        article=article,
    )
    approve(comment, moderator)
    assert counts(consultation) == (0, 1, 0)
    assert counts(article) == (0, 1, 0)
    moderation_decide(item=comment, by=moderator, decision="hide", reason="개인정보")
    assert counts(consultation) == (0, 0, 0)
    assert counts(article) == (0, 0, 0)
    moderation_decide(item=comment, by=moderator, decision="restore")
    assert counts(article) == (0, 1, 0)
    rejected = services.comment_create(
        consultation=consultation, author=world.citizen, stance=Stance.SUPPORT, body="x"
    )
    moderation_decide(item=rejected, by=moderator, decision="reject", reason="중복")
    assert counts(consultation) == (0, 1, 0)


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_count_every_comment_once(world, moderator):
    consultation = make_consultation(world.roads)
    article = consultation.articles.get(number="제2조")
    stances = [Stance.SUPPORT, Stance.OPPOSE, Stance.NEUTRAL]
    comments = [
        services.comment_create(
            consultation=consultation,
            author=world.citizen,
            stance=stances[i % 3],
            body=f"의견 {i}",
            article=article if i % 2 else None,
        )
        for i in range(12)
    ]
    # every comment approved twice at once: one approval wins, the other is refused
    outcomes = together(24, lambda i: approve(comments[i // 2], moderator))
    assert sum(o is None for o in outcomes) == 12
    assert all(o is None or isinstance(o, InvalidTransition) for o in outcomes)
    assert counts(consultation) == (4, 4, 4)
    on_article = [c for i, c in enumerate(comments) if i % 2]
    expected = tuple(sum(c.stance == s for c in on_article) for s in stances)
    assert counts(article) == expected
    assert Comment.objects.filter(moderation_status=ModerationStatus.PUBLISHED).count() == 12


def test_counts_recompute_repairs_the_counts(world, moderator):
    consultation = make_consultation(world.roads)
    comment = services.comment_create(
        consultation=consultation, author=world.citizen, stance=Stance.SUPPORT, body="x"
    )
    approve(comment, moderator)
    Consultation.objects.filter(pk=consultation.pk).update(support_count=99)
    services.counts_recompute(consultation=consultation)
    assert counts(consultation) == (1, 0, 0)


def test_published_comments_are_paginated_and_filtered(world, moderator):
    consultation = make_consultation(world.roads)
    article = consultation.articles.get(number="제1조")
    for i in range(25):
        approve(
            services.comment_create(
                consultation=consultation,
                author=world.citizen,
                stance=Stance.SUPPORT if i % 5 else Stance.OPPOSE,
                body=f"의견 {i}",
                article=article,
            ),
            moderator,
        )
    services.comment_create(
        consultation=consultation, author=world.citizen, stance=Stance.SUPPORT, body="대기"
    )
    article.refresh_from_db()
    consultation.refresh_from_db()
    first, page, pages = published_comments(consultation=consultation, page=1)
    assert (len(first), page, pages) == (20, 1, 2)
    last, page, _pages = published_comments(consultation=consultation, page=99)
    assert (len(last), page) == (5, 2)
    opposed, _page, _pages = published_comments(
        consultation=consultation, article=article, stance=Stance.OPPOSE
    )
    assert len(opposed) == 5 and all(c.stance == Stance.OPPOSE for c in opposed)
    assert all(c.moderation_status == ModerationStatus.PUBLISHED for c in first + last)


# --- the report --------------------------------------------------------------------------------


def _closed(world, moderator, n=3):
    consultation = make_consultation(world.roads)
    comments = [
        approve(
            services.comment_create(
                consultation=consultation,
                author=world.citizen,
                stance=Stance.OPPOSE,
                body=f"반대 {i}",
                article=consultation.articles.get(number="제3조"),
            ),
            moderator,
        )
        for i in range(n)
    ]
    move_to_phase(consultation.process, PhaseKind.RESULTS)
    return consultation, comments


def test_the_agency_writes_and_publishes_the_report(world, moderator):
    consultation, comments = _closed(world, moderator)
    services.report_save(consultation=consultation, by=world.handler, summary="3건을 받았습니다.")
    theme = services.theme_save(
        consultation=consultation,
        by=world.approver,
        title="보수 기한",
        summary="7일은 짧다는 의견",
        reply=Reply.PARTLY,
        reply_text="10일로 조정합니다.",
        comment_ids=[c.pk for c in comments[:2]],
    )
    assert set(theme.comments.values_list("pk", flat=True)) == {c.pk for c in comments[:2]}
    report = services.report_publish(consultation=consultation, by=world.handler)
    assert report.status == ReportStatus.PUBLISHED and report.published_at
    assert AuditEvent.objects.filter(
        event_type=EventType.CONSULTATION_REPORT_PUBLISHED, actor=world.handler
    ).exists()
    with pytest.raises(InvalidTransition):
        services.report_save(consultation=consultation, by=world.handler, summary="바꿈")


def test_only_officials_of_the_agency_write_the_report(world, moderator):
    consultation, _comments = _closed(world, moderator)
    for outsider in (world.citizen, world.other_handler, moderator):
        with pytest.raises(NotAllowed):
            services.report_save(consultation=consultation, by=outsider, summary="x")
    # the ministry above the roads division is the same agency
    boss = make_user("boss@moi.example.com", official=True)
    from nara.agencies.models import Membership

    Membership.objects.create(user=boss, unit=world.ministry, role=Membership.Role.APPROVER)
    services.report_save(consultation=consultation, by=boss, summary="ok")


def test_the_report_waits_for_the_end_of_the_comment_period(world, moderator):
    consultation = make_consultation(world.roads)
    with pytest.raises(NotAllowed):
        services.report_save(consultation=consultation, by=world.handler, summary="이르다")


def test_a_theme_covers_only_published_comments_of_this_draft(world, moderator):
    consultation, comments = _closed(world, moderator)
    other, others = _closed(world, moderator, n=1)
    pending = Comment.objects.create(
        consultation=consultation, author=world.citizen, stance=Stance.SUPPORT, body="대기"
    )
    for ids in ([others[0].pk], [pending.pk], [999999]):
        with pytest.raises(ValidationError) as error:
            services.theme_save(
                consultation=consultation,
                by=world.handler,
                title="t",
                summary="s",
                reply=Reply.ACCEPTED,
                reply_text="r",
                comment_ids=ids,
            )
        assert "comments" in error.value.error_dict


def test_a_report_without_a_summary_is_not_published(world, moderator):
    consultation, _comments = _closed(world, moderator)
    with pytest.raises(ValidationError):
        services.report_publish(consultation=consultation, by=world.handler)


def test_a_closed_period_shows_as_over(world):
    consultation = make_consultation(world.roads)
    later = timezone.now() + timedelta(days=41)
    period = comment_period(consultation, now=later)
    assert period.is_over and not period.is_open
    assert Article.objects.filter(consultation=consultation).count() == 3


# --- demo and admin ----------------------------------------------------------------------------


def test_the_demo_loads_an_open_draft_and_a_closed_ordinance_with_its_report(db, moderator):
    from nara.agencies.models import Membership, Unit
    from nara.participation.consultations import demo
    from nara.participation.demo import DemoContext

    units = {}
    for code, parent in (
        ("molit", None),
        ("molit-roads", "molit"),
        ("seoul", None),
        ("seoul-parks", "seoul"),
    ):
        units[code] = Unit.objects.create(
            code=code, name_ko=code, kind=Unit.Kind.MINISTRY, parent=units.get(parent)
        )
    for code in ("molit-roads", "seoul-parks"):
        official = make_user(f"handler.{code}@demo.nara.kr", official=True)
        Membership.objects.create(user=official, unit=units[code], role=Membership.Role.HANDLER)
    citizens = [make_user(f"citizen{i}@demo.nara.kr") for i in range(1, 61)]
    operator = make_user("operator@demo.nara.kr", staff=True)
    demo.load(DemoContext(units, citizens, moderator, operator, "demo.nara.kr"))
    road, park = Consultation.objects.order_by("id")
    assert comment_period(road).is_open
    road.refresh_from_db()
    assert road.comment_count == 30
    assert Comment.objects.filter(consultation=road).count() == 33
    assert comment_period(park).is_over
    assert park.report.status == ReportStatus.PUBLISHED
    assert park.report.themes.count() == 2


def test_an_operator_publishes_a_draft_from_plain_text_in_the_admin(world, client_for):
    client = client_for(world.operator)
    response = client.post(
        "/admin/consultations/consultation/add/",
        {
            "unit": world.roads.pk,
            "title": "관리자 입력 개정안",
            "scope": "local",
            "summary": "요약",
            "current_text_ref": "",
            "draft_text": DRAFT,
            "days": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    consultation = Consultation.objects.get(title="관리자 입력 개정안")
    assert consultation.articles.count() == 3
    period = comment_period(consultation)
    assert period.ends_at - period.starts_at == timedelta(days=20)
    assert (
        client.get(f"/admin/consultations/consultation/{consultation.pk}/change/").status_code
        == 200
    )
    article = consultation.articles.first()
    assert client.get(f"/admin/consultations/article/{article.pk}/change/").status_code == 200
    bad = client.post(
        "/admin/consultations/consultation/add/",
        {
            "unit": world.roads.pk,
            "title": "x",
            "scope": "national",
            "summary": "s",
            "draft_text": "조문이 아님",
            "days": "10",
        },
    )
    assert bad.status_code == 200 and "제1조" in bad.content.decode()
    short = client.post(
        "/admin/consultations/consultation/add/",
        {
            "unit": world.roads.pk,
            "title": "x",
            "scope": "national",
            "summary": "s",
            "draft_text": DRAFT,
            "days": "10",
        },
    )
    assert short.status_code == 200 and "at least 40 days" in short.content.decode()
    assert Consultation.objects.count() == 1
