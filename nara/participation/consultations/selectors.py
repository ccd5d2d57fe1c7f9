"""Reads for consultations on drafts, scoped to what the user may see. Every page costs the same
number of queries whatever the number of comments: published counts are kept on the
consultation and its articles, comment lists are paginated."""

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch
from django.http import Http404
from django.utils import timezone

from nara.core.prepared import PreparedQuery
from nara.participation import policies
from nara.participation.models import Action, ModerationStatus

from .models import Article, Comment, Consultation, Paragraph, Report, ReportStatus, Theme
from .text import word_diff

PAGE_SIZE = 20
MAX_PAGE = 1000  # offset pagination, capped: narrow the list with the filters beyond it
OWN_COMMENTS_SHOWN = 20


# The two queries every consultation page runs, compiled once (nara.core.prepared).
_consultation_by_pk = PreparedQuery(
    lambda pk: (
        Consultation.objects.select_related("process__unit", "process__region", "report")
        .filter(pk=pk)
        .order_by()[:1]
    )
)
_own_unpublished = PreparedQuery(
    lambda consultation_id, author_id: (
        Comment.objects.filter(consultation_id=consultation_id, author_id=author_id)
        .exclude(moderation_status=ModerationStatus.PUBLISHED)
        .select_related("article", "paragraph")
        .order_by("-id")[:OWN_COMMENTS_SHOWN]
    )
)


def consultation_get_visible(*, user, pk: int) -> Consultation:
    """The consultation (with its process, agency and phases), or 404: an unpublished one is
    seen only by officials of its agency and operators."""
    consultation = _consultation_by_pk.first(pk=pk)
    if consultation is None:
        raise Http404
    policies.load_phases(consultation.process)
    if not consultation.process.published and not (
        getattr(user, "is_staff", False) or policies.is_agency_official(user, consultation.process)
    ):
        raise Http404
    return consultation


def report_of(consultation: Consultation) -> Report | None:
    """The report when select_related found one (no query)."""
    try:
        return consultation.report
    except Report.DoesNotExist:
        return None


@dataclass(frozen=True)
class Period:
    starts_at: datetime | None
    ends_at: datetime | None
    days_left: int | None  # None when not open now
    is_open: bool
    is_over: bool


def comment_period(consultation: Consultation, *, now: datetime | None = None) -> Period:
    """The comment period: the phase that allows commenting (the input phase)."""
    now = now or timezone.now()
    phases = [p for p in consultation.process.phases.all() if Action.COMMENT in (p.actions or [])]
    if not phases:
        return Period(None, None, None, False, False)
    starts, ends = min(p.starts_at for p in phases), max(p.ends_at for p in phases)
    is_open = any(p.starts_at <= now < p.ends_at for p in phases)
    days_left = math.ceil((ends - now).total_seconds() / 86400) if is_open else None
    return Period(starts, ends, days_left, is_open, now >= ends)


@dataclass
class ParagraphView:
    paragraph: Paragraph
    segments: list  # word diff against the current text, or [] when nothing changed


@dataclass
class ArticleView:
    article: Article
    paragraphs: list[ParagraphView]
    is_new: bool
    is_amended: bool


def draft_articles(consultation: Consultation) -> list[ArticleView]:
    """The draft's articles with their paragraphs and each paragraph's difference from the
    current text (two queries)."""
    articles = Article.objects.filter(consultation=consultation).prefetch_related(
        Prefetch("paragraphs", queryset=Paragraph.objects.order_by("order", "id"))
    )
    views = []
    for article in articles:
        paragraphs = []
        for p in article.paragraphs.all():
            paragraphs.append(
                ParagraphView(p, word_diff(p.current_text, p.text) if p.amends else [])
            )
        has_current = any(pv.paragraph.current_text for pv in paragraphs)
        views.append(
            ArticleView(
                article=article,
                paragraphs=paragraphs,
                is_new=bool(consultation.current_text_ref) and not has_current,
                is_amended=any(pv.segments for pv in paragraphs),
            )
        )
    return views


def article_in(consultation: Consultation, article_id) -> Article | None:
    """One article of this consultation, or None."""
    try:
        article_id = int(article_id)
    except (TypeError, ValueError):
        return None
    return Article.objects.filter(consultation=consultation, pk=article_id).first()


def comment_pages(
    *, consultation: Consultation, article: Article | None = None, stance: str = "", page: int = 1
) -> tuple[int, int]:
    """The page asked (kept within bounds) and the number of pages, from the kept counts."""
    counts = article or consultation
    total = getattr(counts, f"{stance}_count") if stance else counts.comment_count
    pages = max(1, min(MAX_PAGE, math.ceil(total / PAGE_SIZE)))
    return max(1, min(page, pages)), pages


def published_comments(
    *, consultation: Consultation, article: Article | None = None, stance: str = "", page: int = 1
) -> tuple[list[Comment], int, int]:
    """One page of published comments (oldest first) and the number of pages. The total comes
    from the kept counts, not from COUNT(*)."""
    page, _pages = comment_pages(
        consultation=consultation, article=article, stance=stance, page=page
    )
    qs = Comment.objects.filter(
        consultation=consultation, moderation_status=ModerationStatus.PUBLISHED
    )
    if article is not None:
        qs = qs.filter(article=article)
    if stance:
        qs = qs.filter(stance=stance)
    qs = qs.select_related("article", "paragraph").only(
        "id",
        "consultation_id",
        "author_id",
        "stance",
        "body",
        "submitted_at",
        "moderation_status",
        "flag_count",
        "article__id",
        "article__number",
        "article__heading",
        "article__heading_en",
        "paragraph__id",
        "paragraph__number",
    )
    start = (page - 1) * PAGE_SIZE
    return list(qs.order_by("id")[start : start + PAGE_SIZE]), page, _pages


def own_unpublished_comments(*, user, consultation: Consultation) -> list[Comment]:
    """The signed-in author's comments that are not (or no longer) public, newest first."""
    if not getattr(user, "is_authenticated", False):
        return []
    return _own_unpublished.all(consultation_id=consultation.pk, author_id=user.pk)


def comment_get_visible(*, user, consultation: Consultation, pk: int) -> Comment:
    """A published comment, or the user's own in any state; else 404."""
    comment = (
        Comment.objects.select_related("article", "paragraph")
        .filter(consultation=consultation, pk=pk)
        .first()
    )
    if comment is None:
        raise Http404
    if comment.moderation_status != ModerationStatus.PUBLISHED and comment.author_id != getattr(
        user, "pk", None
    ):
        raise Http404
    return comment


def report_published(consultation: Consultation) -> Report | None:
    report = report_of(consultation)
    return report if report is not None and report.status == ReportStatus.PUBLISHED else None


def report_themes(report: Report, *, published_only: bool = True) -> list[Theme]:
    """The report's themes with the ids of the comments they cover (two queries)."""
    comments = Comment.objects.only("id", "consultation_id", "stance", "moderation_status")
    if published_only:
        comments = comments.filter(moderation_status=ModerationStatus.PUBLISHED)
    return list(
        Theme.objects.filter(report=report)
        .prefetch_related(Prefetch("comments", queryset=comments.order_by("id")))
        .order_by("order", "id")
    )


_article_counts = PreparedQuery(
    lambda consultation_id: (
        Article.objects.filter(consultation_id=consultation_id)
        .only(
            "id",
            "number",
            "heading",
            "heading_en",
            "order",
            "support_count",
            "oppose_count",
            "neutral_count",
            "consultation_id",
        )
        .order_by("order", "id")
    )
)


def report_counts(consultation: Consultation) -> list[Article]:
    """Articles with their published counts, for the report's table (one query)."""
    return _article_counts.all(consultation_id=consultation.pk)
