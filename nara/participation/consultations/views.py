"""Pages of consultations on drafts (입법예고): the draft, commenting, the comments, and the
"what we heard" report (public page and the agency's writing page). Thin: forms → services."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from nara.core.access import citizen_required, official_required, public
from nara.core.confirm import confirm_page
from nara.core.errors import InvalidTransition, NotAllowed
from nara.core.forms import apply_service_errors, new_form_token, page_number, query_param
from nara.core.pagecache import Moved, path_with, public_page
from nara.core.prepared import PreparedQuery
from nara.core.templatetags.memo import fingerprint
from nara.participation import policies
from nara.participation.models import Action, ModerationStatus

from . import selectors, services
from .forms import WHOLE_DRAFT, CommentForm, ReportForm, ThemeForm
from .models import Comment, Consultation, Paragraph, Stance, Theme

THEME_PICK_LIMIT = 100


_version_of = PreparedQuery(
    lambda pk: (
        Consultation.objects.filter(pk=pk)
        .values_list("version", "process__published")
        .order_by()[:1]
    )
)


PAGE_PARAMETERS = ("article", "stance", "page")  # what the public pages read of the URL


def _public_page(request, pk: int, build):
    """A public page of consultation `pk`, cached for anonymous visitors under its URL, the
    consultation's version (bumped when a comment is published or hidden, the report is
    published or the text edited) and its process's publication (`nara.core.pagecache`).
    A URL carrying anything but the parameters the pages read, in their order, is redirected
    to the one that does: made-up parameters neither bypass the cache nor fill it with copies,
    and no copy shows another visitor's URL (the language form's `next`)."""
    if not request.user.is_authenticated:
        known = {name: query_param(request, name, 20) for name in PAGE_PARAMETERS}
        page = page_number(request)
        known["page"] = str(page) if page > 1 else ""  # ?page=01, =0, =abc: page 1, one URL
        canonical = urlencode({name: value for name, value in known.items() if value})
        if request.META.get("QUERY_STRING", "") != canonical:
            return redirect(path_with(request.path, canonical))

    def key() -> str:  # only for anonymous visitors
        state = next(iter(_version_of.all(pk=pk)), None)
        return f"consultations:{pk}:{state}"

    return public_page(request, key=key, build=build)


def _detail_url(consultation) -> str:
    return reverse("consultations:detail", args=[consultation.pk])


def _int(value, default: int = 1) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _base_context(request, consultation):
    process = consultation.process
    phase = policies.current_phase(process)
    period = selectors.comment_period(consultation)
    report = selectors.report_published(consultation)
    is_official = policies.is_agency_official(request.user, process)
    return {
        "consultation": consultation,
        "process": process,
        "phase": phase,
        "period": period,
        "report": report,
        "is_agency_official": is_official,
        # the memo key of the header (_header.html): everything it shows
        "header_key": fingerprint(
            consultation, process, process.unit, phase, period, report, is_official
        ),
        "extra_css": True,
    }


# --- public pages ------------------------------------------------------------------------------


@public
@require_GET
def index(request):
    consultations = list(
        Consultation.objects.filter(process__published=True)
        .select_related("process__unit")
        .order_by("-created_at", "-id")[:50]
    )
    return render(
        request, "participation/consultations/index.html", {"consultations": consultations}
    )


@public
@require_GET
def detail(request, pk):
    return _public_page(request, pk, lambda: _detail(request, pk))


def _detail(request, pk):
    consultation = selectors.consultation_get_visible(user=request.user, pk=pk)
    context = _base_context(request, consultation)
    refusal = policies.refusal(request.user, consultation.process, Action.COMMENT)
    context.update(
        # called by the template only when its cached copy of the text is missing
        articles=lambda: selectors.draft_articles(consultation),
        can_comment=refusal is None,
        # anonymous visitors follow the links to the login page
        show_comment_links=refusal is None or not request.user.is_authenticated,
        refusal=refusal if request.user.is_authenticated else None,
        own_comments=selectors.own_unpublished_comments(
            user=request.user, consultation=consultation
        ),
    )
    return "participation/consultations/detail.html", context


@public
@require_GET
def comments(request, pk):
    return _public_page(request, pk, lambda: _comments(request, pk))


def _comments(request, pk):
    consultation = selectors.consultation_get_visible(user=request.user, pk=pk)
    raw_article = query_param(request, "article", 20)
    stance = query_param(request, "stance", 20)
    article = None
    errors = []
    articles = selectors.report_counts(consultation)
    if raw_article:
        article = next((a for a in articles if str(a.pk) == raw_article.strip()), None)
        if article is None:
            errors.append(_("There is no such article in this draft: showing all comments."))
    if stance and stance not in Stance.values:
        errors.append(_("Unknown position: showing all positions."))
        stance = ""
    asked = page_number(request)
    page, pages = selectors.comment_pages(
        consultation=consultation, article=article, stance=stance, page=asked
    )

    def page_list():  # called by the template only when its cached copy of the list is missing
        return selectors.published_comments(
            consultation=consultation, article=article, stance=stance, page=page
        )[0]

    context = _base_context(request, consultation)
    filters = {
        k: v for k, v in (("article", article.pk if article else ""), ("stance", stance)) if v
    }

    def page_url(n):
        return "?" + urlencode({**filters, "page": n})

    if errors or page != asked:  # a filter that is no filter, a page past the last: one URL
        for error in errors:  # the message makes the next page a fresh one, not cached
            messages.warning(request, error)
        query = urlencode({**filters, "page": page} if page > 1 and not errors else filters)
        raise Moved(path_with(request.path, query))

    context.update(
        comments=page_list,
        article=article,
        stance=stance,
        stances=Stance.choices,
        article_options=articles,
        page=page,
        pages=pages,
        prev_url=page_url(page - 1) if page > 1 else "",
        next_url=page_url(page + 1) if page < pages else "",
        own_comments=selectors.own_unpublished_comments(
            user=request.user, consultation=consultation
        ),
    )
    return "participation/consultations/comments.html", context


@public
@require_GET
def comment(request, pk, comment_id):
    consultation = selectors.consultation_get_visible(user=request.user, pk=pk)
    item = selectors.comment_get_visible(
        user=request.user, consultation=consultation, pk=comment_id
    )
    context = _base_context(request, consultation)
    report = context["report"]
    themes = list(Theme.objects.filter(report=report, comments=item)) if report else []
    context.update(comment=item, themes=themes)
    return render(request, "participation/consultations/comment.html", context)


@public
@require_GET
def report(request, pk):
    return _public_page(request, pk, lambda: _report(request, pk))


def _report(request, pk):
    consultation = selectors.consultation_get_visible(user=request.user, pk=pk)
    context = _base_context(request, consultation)
    if context["report"] is None:
        raise Http404
    context.update(
        themes=selectors.report_themes(context["report"]),
        article_counts=selectors.report_counts(consultation),
    )
    return "participation/consultations/report.html", context


# --- commenting --------------------------------------------------------------------------------


@citizen_required
@require_http_methods(["GET", "POST"])
def comment_new(request, pk):
    consultation = selectors.consultation_get_visible(user=request.user, pk=pk)
    context = _base_context(request, consultation)
    articles = selectors.draft_articles(consultation)
    refusal = policies.refusal(request.user, consultation.process, Action.COMMENT)
    context.update(refusal=refusal)
    if refusal is not None:
        return render(
            request,
            "participation/consultations/comment_form.html",
            context,
            status=403 if request.method == "POST" else 200,
        )
    if request.method != "POST":
        target = WHOLE_DRAFT
        if article := selectors.article_in(consultation, request.GET.get("article")):
            target = f"a{article.pk}"
        paragraph_id = _int(request.GET.get("paragraph"), 0)
        if (
            paragraph_id
            and Paragraph.objects.filter(
                pk=paragraph_id, article__consultation=consultation
            ).exists()
        ):
            target = f"p{paragraph_id}"
        form = CommentForm(articles=articles, initial={"token": new_form_token(), "target": target})
        return _render_comment_form(request, context, form)

    form = CommentForm(request.POST, articles=articles)
    if not form.is_valid():
        return _render_comment_form(request, context, form, status=400)
    data = form.cleaned_data
    article = paragraph = None
    by_id = {v.article.pk: v.article for v in articles}
    paragraphs = {pv.paragraph.pk: pv.paragraph for v in articles for pv in v.paragraphs}
    target = data["target"]
    if target.startswith("a"):
        article = by_id.get(_int(target[1:], 0))
    elif target.startswith("p"):
        paragraph = paragraphs.get(_int(target[1:], 0))
        article = by_id.get(paragraph.article_id) if paragraph else None
    try:
        item = services.comment_create(
            consultation=consultation,
            author=request.user,
            stance=data["stance"],
            body=data["body"],
            article=article,
            paragraph=paragraph,
            form_token=data["token"],
        )
    except ValidationError as error:
        apply_service_errors(form, error, field="target")
        return _render_comment_form(request, context, form, status=400)
    except NotAllowed as refused:
        context["refusal"] = refused.message
        return _render_comment_form(request, context, form, status=403)
    messages.success(
        request,
        _(
            "Thank you. Your comment was received and is awaiting moderation; it will be public once a moderator approves it."
        ),
    )
    return redirect(item.get_absolute_url())


def _render_comment_form(request, context, form, status=200):
    return render(
        request,
        "participation/consultations/comment_form.html",
        {**context, "form": form},
        status=status,
    )


# --- the agency's report -----------------------------------------------------------------------


def _agency_consultation(request, pk) -> Consultation:
    """The consultation for an official of its agency (or a unit above it); 404 to others."""
    consultation = selectors.consultation_get_visible(user=request.user, pk=pk)
    if not policies.is_agency_official(request.user, consultation.process):
        raise Http404
    return consultation


def _report_page(
    request, consultation, *, report_form=None, theme_form=None, edit_theme=None, status=200
):
    from .models import Report

    context = _base_context(request, consultation)
    report = Report.objects.filter(consultation=consultation).first()
    refusal = policies.refusal(request.user, consultation.process, Action.REPORT)
    article = selectors.article_in(consultation, request.GET.get("article"))
    stance = query_param(request, "stance", 20)
    stance = stance if stance in Stance.values else ""
    pick = Comment.objects.filter(
        consultation=consultation, moderation_status=ModerationStatus.PUBLISHED
    ).select_related("article")
    if article:
        pick = pick.filter(article=article)
    if stance:
        pick = pick.filter(stance=stance)
    pick = list(pick.order_by("id")[:THEME_PICK_LIMIT])
    checked: set[int] = set()
    if theme_form is not None and theme_form.is_bound:
        checked = {_int(v, 0) for v in theme_form.data.getlist("theme-comments")}
    elif edit_theme is not None:
        checked = set(edit_theme.comments.values_list("id", flat=True))
    if theme_form is None:
        initial = {}
        if edit_theme is not None:
            initial = {
                "title": edit_theme.title,
                "summary": edit_theme.summary,
                "reply": edit_theme.reply,
                "reply_text": edit_theme.reply_text,
            }
        theme_form = ThemeForm(initial=initial, prefix="theme")
    # Comments already chosen but outside the filtered list stay chosen (hidden inputs).
    shown = {c.pk for c in pick}
    context.update(
        draft=report,
        refusal=refusal,
        report_form=report_form
        or ReportForm(initial={"summary": report.summary if report else ""}),
        theme_form=theme_form,
        edit_theme=edit_theme,
        themes=selectors.report_themes(report, published_only=False) if report else [],
        pick=pick,
        checked=checked,
        kept_hidden=sorted(checked - shown),
        pick_article=article,
        pick_stance=stance,
        stances=Stance.choices,
        article_counts=selectors.report_counts(consultation),
        pick_limit=THEME_PICK_LIMIT,
        now=timezone.now(),
    )
    return render(request, "participation/consultations/report_write.html", context, status=status)


def _service_error(request, consultation, error):
    if isinstance(error, NotAllowed | InvalidTransition):
        messages.error(request, error.message)
    return redirect(reverse("consultations:report_write", args=[consultation.pk]))


@official_required
@require_http_methods(["GET", "POST"])
def report_write(request, pk):
    consultation = _agency_consultation(request, pk)
    if request.method != "POST":
        return _report_page(request, consultation)
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _report_page(request, consultation, report_form=form, status=400)
    try:
        services.report_save(
            consultation=consultation, by=request.user, summary=form.cleaned_data["summary"]
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return _report_page(request, consultation, report_form=form, status=400)
    except (NotAllowed, InvalidTransition) as error:
        return _service_error(request, consultation, error)
    messages.success(request, _("The summary was saved."))
    return redirect(reverse("consultations:report_write", args=[consultation.pk]))


@official_required
@require_http_methods(["GET", "POST"])
def theme_edit(request, pk, theme_id=None):
    consultation = _agency_consultation(request, pk)
    theme = None
    if theme_id is not None:
        theme = Theme.objects.filter(pk=theme_id, report__consultation=consultation).first()
        if theme is None:
            raise Http404
    if request.method != "POST":
        return _report_page(request, consultation, edit_theme=theme)
    form = ThemeForm(request.POST, prefix="theme")
    if not form.is_valid():
        return _report_page(request, consultation, theme_form=form, edit_theme=theme, status=400)
    data = form.cleaned_data
    try:
        services.theme_save(
            consultation=consultation,
            by=request.user,
            title=data["title"],
            summary=data["summary"],
            reply=data["reply"],
            reply_text=data["reply_text"],
            comment_ids=data["comments"],
            theme=theme,
        )
    except ValidationError as error:
        apply_service_errors(form, error)
        return _report_page(request, consultation, theme_form=form, edit_theme=theme, status=400)
    except (NotAllowed, InvalidTransition) as error:
        return _service_error(request, consultation, error)
    messages.success(request, _("The theme was saved."))
    return redirect(reverse("consultations:report_write", args=[consultation.pk]))


@official_required
@require_http_methods(["GET", "POST"])
def theme_delete(request, pk, theme_id):
    consultation = _agency_consultation(request, pk)
    theme = Theme.objects.filter(pk=theme_id, report__consultation=consultation).first()
    if theme is None:
        raise Http404
    back = reverse("consultations:report_write", args=[consultation.pk])
    if request.method != "POST":
        return confirm_page(
            request,
            question=_("Remove this theme from the report?"),
            consequence=_(
                "Its summary and the agency's reply are deleted; the comments it grouped stay."
            ),
            facts=[(_("Theme"), theme.title), (_("Draft for comment"), consultation.title)],
            button=_("Yes, remove it"),
            cancel=_("No, keep it"),
            back_url=back,
        )
    try:
        services.theme_delete(theme=theme, by=request.user)
    except (NotAllowed, InvalidTransition) as error:
        return _service_error(request, consultation, error)
    messages.success(request, _("The theme was removed."))
    return redirect(back)


@official_required
@require_POST
def report_publish(request, pk):
    consultation = _agency_consultation(request, pk)
    try:
        services.report_publish(consultation=consultation, by=request.user)
    except ValidationError:
        messages.error(request, _("Write a summary before publishing."))
        return redirect(reverse("consultations:report_write", args=[consultation.pk]))
    except (NotAllowed, InvalidTransition) as error:
        return _service_error(request, consultation, error)
    messages.success(request, _("The report is published."))
    return redirect(reverse("consultations:report", args=[consultation.pk]))
