"""Every write to a consultation on a draft (입법예고): publishing a draft for comment,
commenting, counting published comments, and the agency's "what we heard" report.

Each write runs in one transaction: it checks the participation policy (`require_act`) inside
it, writes, audits, and tells the process's followers (`record_activity`)."""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from nara.audit.models import EventType
from nara.audit.services import audit_record
from nara.core.errors import InvalidTransition, NotAllowed, required
from nara.notifications.messages import localized, msg
from nara.participation import policies
from nara.participation.following import record_activity
from nara.participation.models import Action, ModerationStatus, Phase, PhaseKind, Process
from nara.participation.moderation import moderation_submit, post_once

from .models import (
    MIN_COMMENT_DAYS,
    Article,
    Comment,
    Consultation,
    Paragraph,
    Reply,
    Report,
    ReportStatus,
    Scope,
    Stance,
    Theme,
)
from .text import ParsedArticle

TITLE_MAX = 200
COMMENT_MAX = 3000
THEME_TITLE_MAX = 200
REPORT_MAX = 20000
THEME_TEXT_MAX = 5000
THEME_COMMENTS_MAX = 5000
# After the comment period the process stays in its results phase (the report may come late).
RESULTS_YEARS = 10

STANCE_FIELDS = {
    Stance.SUPPORT: "support_count",
    Stance.OPPOSE: "oppose_count",
    Stance.NEUTRAL: "neutral_count",
}


# --- publishing a draft ------------------------------------------------------------------------


def default_comment_days(scope: str) -> int:
    return MIN_COMMENT_DAYS[Scope(scope)]


def consultation_create(
    *,
    unit,
    title: str,
    summary: str,
    articles: Iterable[ParsedArticle],
    by=None,
    scope: str = Scope.NATIONAL,
    current_text_ref: str = "",
    region=None,
    opens_at: datetime | None = None,
    days: int | None = None,
    slug: str | None = None,
    title_en: str = "",
    summary_en: str = "",
) -> Consultation:
    """Publish a draft for comment (입법예고) in a new participation process of `unit` (which
    carries the draft's title and summary, in English too where written): an
    information phase until `opens_at` (when in the future), the comment period of `days`
    (default and minimum: 40 days for national rules, 20 for local ones; 행정절차법 §43),
    then the results phase in which the agency writes its report."""
    title = required(title, "title", _("Give the draft a title."))[:TITLE_MAX]
    summary = required(summary, "summary", _("Summarise the draft."))
    english = {
        "title_en": (title_en or "").strip()[:TITLE_MAX],
        "summary_en": (summary_en or "").strip(),
    }
    if scope not in Scope.values:
        raise ValidationError({"scope": _("Choose national or local.")})
    minimum = default_comment_days(scope)
    days = minimum if days is None else days
    if days < minimum:
        raise ValidationError(
            {"days": _("The comment period must be at least %(n)d days.") % {"n": minimum}}
        )
    articles = list(articles)
    if not articles:
        raise ValidationError({"articles": _("The draft needs at least one article.")})
    numbers = [a.number for a in articles]
    if len(set(numbers)) != len(numbers):
        raise ValidationError({"articles": _("Each article number may appear only once.")})
    now = timezone.now()
    opens_at = opens_at or now
    closes_at = opens_at + timedelta(days=days)
    with transaction.atomic():
        process = Process.objects.create(
            slug=slug
            or f"draft-{slugify(title, allow_unicode=False)[:40]}-{get_random_string(6)}".lower(),
            unit=unit,
            title=title,
            summary=summary,
            **english,
            region=region,
            published=True,
            created_by=by,
        )
        phases = []
        if opens_at > now:
            phases.append(
                Phase(
                    process=process,
                    kind=PhaseKind.INFORMATION,
                    starts_at=now,
                    ends_at=opens_at,
                    actions=[],
                )
            )
        phases.append(
            Phase(
                process=process,
                kind=PhaseKind.INPUT,
                starts_at=opens_at,
                ends_at=closes_at,
                actions=[Action.COMMENT],
            )
        )
        phases.append(
            Phase(
                process=process,
                kind=PhaseKind.RESULTS,
                starts_at=closes_at,
                ends_at=closes_at + timedelta(days=365 * RESULTS_YEARS),
                actions=[Action.REPORT],
            )
        )
        Phase.objects.bulk_create(phases)
        consultation = Consultation.objects.create(
            process=process,
            title=title,
            scope=scope,
            summary=summary,
            **english,
            current_text_ref=(current_text_ref or "").strip()[:300],
            created_by=by,
        )
        for order, parsed in enumerate(articles, start=1):
            article = Article.objects.create(
                consultation=consultation,
                number=parsed.number[:20],
                heading=(parsed.heading or "")[:200],
                order=order,
            )
            Paragraph.objects.bulk_create(
                Paragraph(
                    article=article,
                    number=p.number[:10],
                    order=i,
                    text=p.text,
                    current_text=p.current_text or "",
                )
                for i, p in enumerate(parsed.paragraphs, start=1)
            )
        audit_record(
            actor=by,
            event_type=EventType.PARTICIPATION_PROCESS_CREATED,
            target=process,
        )
        audit_record(
            actor=by,
            event_type=EventType.CONSULTATION_PUBLISHED,
            target=consultation,
            data={"scope": scope, "days": days, "closes_at": closes_at.isoformat()},
        )
    return consultation


# --- comments ----------------------------------------------------------------------------------


def comment_create(
    *,
    consultation: Consultation,
    author,
    stance: str,
    body: str,
    article: Article | None = None,
    paragraph: Paragraph | None = None,
    form_token: str = "",
) -> Comment:
    """Comment on the draft, on one of its articles or on one of its paragraphs. The comment
    waits for moderation; a second submission of the same form returns the first comment."""
    errors = {}
    body = (body or "").strip()
    if not body:
        errors["body"] = _("Write your comment.")
    elif len(body) > COMMENT_MAX:
        errors["body"] = _("A comment can be at most %(n)d characters.") % {"n": COMMENT_MAX}
    if stance not in Stance.values:
        errors["stance"] = _("Say whether you support or oppose the draft, or neither.")
    if paragraph is not None:
        if article is not None and paragraph.article_id != article.pk:
            errors["target"] = _("This paragraph is not in that article.")
        article = paragraph.article
    if article is not None and article.consultation_id != consultation.pk:
        errors["target"] = _("This article is not part of this draft.")
    if errors:
        raise ValidationError(errors)
    form_token = (form_token or "")[:64]

    def create() -> Comment:
        process = Process.objects.select_related("unit").get(pk=consultation.process_id)
        policies.require_act(author, process, Action.COMMENT)
        comment = Comment.objects.create(
            consultation=consultation,
            article=article,
            paragraph=paragraph,
            stance=stance,
            body=body,
            author=author,
            form_token=form_token,
        )
        return moderation_submit(item=comment)

    return post_once(Comment, author=author, token=form_token, create=create)


def consultation_touch(*, consultation_id: int) -> None:
    """Mark the pages of a consultation as changed (after an edit of its text in the admin):
    their cached fragments are rendered again."""
    Consultation.objects.filter(pk=consultation_id).update(version=F("version") + 1)


def comment_on_change(item: Comment, old: str, new: str) -> None:
    """Moderation callback (inside the decision's transaction): keep the published counts of
    the consultation and of the article in step, with F() updates that concurrent decisions
    cannot lose."""
    published = ModerationStatus.PUBLISHED
    if (old == published) == (new == published):
        return
    delta = 1 if new == published else -1
    field = STANCE_FIELDS[Stance(item.stance)]
    Consultation.objects.filter(pk=item.consultation_id).update(
        **{field: F(field) + delta}, version=F("version") + 1
    )
    if item.article_id:
        Article.objects.filter(pk=item.article_id).update(**{field: F(field) + delta})
    if delta > 0:
        consultation = Consultation.objects.select_related("process").get(pk=item.consultation_id)
        record_activity(
            process=consultation.process,
            target=consultation,
            source=item,
            message=msg(
                _("New comment on the draft %(title)s"),
                {"title": localized(consultation, "title")},
            ),
            url=item.get_absolute_url(),
        )


def counts_recompute(*, consultation: Consultation) -> None:
    """Recount the published comments from the comments themselves (repair tool, bench)."""
    from django.db.models import Count, Q

    published = Q(comments__moderation_status=ModerationStatus.PUBLISHED)
    aggregates = {
        f"n_{field}": Count("comments", filter=published & Q(comments__stance=stance))
        for stance, field in STANCE_FIELDS.items()
    }
    fields = list(STANCE_FIELDS.values())
    with transaction.atomic():
        row = Consultation.objects.filter(pk=consultation.pk).aggregate(**aggregates)
        Consultation.objects.filter(pk=consultation.pk).update(
            **{f: row[f"n_{f}"] for f in fields}, version=F("version") + 1
        )
        for article in Article.objects.filter(consultation=consultation).annotate(**aggregates):
            Article.objects.filter(pk=article.pk).update(
                **{f: getattr(article, f"n_{f}") for f in fields}
            )


# --- "what we heard" ---------------------------------------------------------------------------


def _lock_report(consultation: Consultation, by) -> Report:
    process = Process.objects.select_related("unit").get(pk=consultation.process_id)
    policies.require_act(by, process, Action.REPORT)
    report, _created = Report.objects.get_or_create(consultation=consultation)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if report.is_published:
        raise InvalidTransition(_("The report is published and can no longer be changed."))
    return report


def report_save(*, consultation: Consultation, by, summary: str) -> Report:
    """Write or change the draft report's summary (officials of the agency, once the comment
    period is over)."""
    summary = (summary or "").strip()
    if len(summary) > REPORT_MAX:
        raise ValidationError(
            {"summary": _("The summary can be at most %(n)d characters.") % {"n": REPORT_MAX}}
        )
    with transaction.atomic():
        report = _lock_report(consultation, by)
        report.summary = summary
        report.updated_by = by
        report.updated_at = timezone.now()
        report.save(update_fields=["summary", "updated_by", "updated_at"])
    return report


def theme_save(
    *,
    consultation: Consultation,
    by,
    title: str,
    summary: str,
    reply: str,
    reply_text: str,
    comment_ids: Iterable[int] = (),
    theme: Theme | None = None,
) -> Theme:
    """Add a theme to the draft report (or change `theme`): what people said, the agency's
    reply, and the published comments of this draft that it covers."""
    errors = {}
    title, summary, reply_text = (
        (title or "").strip(),
        (summary or "").strip(),
        (reply_text or "").strip(),
    )
    if not title:
        errors["title"] = _("Give the theme a title.")
    elif len(title) > THEME_TITLE_MAX:
        errors["title"] = _("The title can be at most %(n)d characters.") % {"n": THEME_TITLE_MAX}
    if not summary:
        errors["summary"] = _("Summarise what people said on this theme.")
    elif len(summary) > THEME_TEXT_MAX:
        errors["summary"] = _("This text can be at most %(n)d characters.") % {"n": THEME_TEXT_MAX}
    if reply not in Reply.values:
        errors["reply"] = _("Choose whether the agency accepts this.")
    if not reply_text:
        errors["reply_text"] = _("Write the agency's reply.")
    elif len(reply_text) > THEME_TEXT_MAX:
        errors["reply_text"] = _("This text can be at most %(n)d characters.") % {
            "n": THEME_TEXT_MAX
        }
    ids = sorted({int(i) for i in comment_ids})
    if len(ids) > THEME_COMMENTS_MAX:
        errors["comments"] = _("A theme can cover at most %(n)d comments.") % {
            "n": THEME_COMMENTS_MAX
        }
    if ids and not errors:
        found = Comment.objects.filter(
            pk__in=ids,
            consultation=consultation,
            moderation_status=ModerationStatus.PUBLISHED,
        ).count()
        if found != len(ids):
            errors["comments"] = _("Choose published comments on this draft only.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        report = _lock_report(consultation, by)
        if theme is not None and theme.report_id != report.pk:
            raise NotAllowed()
        if theme is None:
            theme = Theme(report=report, order=report.themes.count() + 1)
        theme.title, theme.summary = title, summary
        theme.reply, theme.reply_text = reply, reply_text
        theme.save()
        theme.comments.set(ids)
        report.updated_by, report.updated_at = by, timezone.now()
        report.save(update_fields=["updated_by", "updated_at"])
    return theme


def theme_delete(*, theme: Theme, by) -> None:
    with transaction.atomic():
        report = _lock_report(theme.report.consultation, by)
        Theme.objects.filter(pk=theme.pk, report=report).delete()


def report_publish(*, consultation: Consultation, by) -> Report:
    """Publish the report: the public sees the counts, the summary and the replies; followers
    are told."""
    with transaction.atomic():
        report = _lock_report(consultation, by)
        if not report.summary:
            raise ValidationError({"summary": _("Write a summary before publishing.")})
        report.status = ReportStatus.PUBLISHED
        report.published_at = timezone.now()
        report.updated_by = by
        report.save(update_fields=["status", "published_at", "updated_by"])
        consultation_touch(consultation_id=report.consultation_id)
        audit_record(
            actor=by,
            event_type=EventType.CONSULTATION_REPORT_PUBLISHED,
            target=report,
            from_state=ReportStatus.DRAFT,
            to_state=ReportStatus.PUBLISHED,
            data={"themes": report.themes.count()},
        )
        record_activity(
            process=consultation.process,
            target=consultation,
            message=msg(
                _("What we heard on the draft %(title)s"),
                {"title": localized(consultation, "title")},
            ),
            url=f"{consultation.get_absolute_url()}report/",
        )
    return report
