"""Content in Korean and English: a field written by officials (a poll's question, its options)
has an English version beside it (`<field>_en`, blank when nobody wrote one). An English reader
gets the English; where there is none, the Korean, marked "Korean only" so that nobody answers
a question they cannot read without knowing why (and `lang="ko"` for screen readers).

`text(obj, "title")` for plain text (a form's label, a page's <title>); in templates
`{% load bilingual %}{% bi obj "title" %}` for HTML, `{% bi obj "summary" paragraphs=True %}`
for a text of several paragraphs."""

from django.utils.html import format_html, linebreaks
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _


def wants_english() -> bool:
    return (get_language() or "").startswith("en")


def version(obj, field: str) -> tuple[str, bool]:
    """(the field's text for the reader, whether it is the Korean shown in place of a missing
    English version)."""
    korean = getattr(obj, field) or ""
    if not wants_english():
        return korean, False
    english = getattr(obj, f"{field}_en", "") or ""
    if english or not korean:
        return english, False
    return korean, True


def text(obj, field: str, *, mark: bool = True) -> str:
    """The field in the reader's language, as plain text ("… (Korean only)" when the English is
    missing and `mark`)."""
    value, korean_only = version(obj, field)
    return f"{value} ({_('Korean only')})" if korean_only and mark else value


def excerpt(obj, field: str, shorten) -> str:
    """The field in the reader's language shortened by `shorten` (a function of the text), as
    HTML: Korean shown to an English reader is marked as Korean (`lang`); not "Korean only",
    which a shortened text could lose (the title beside it says so)."""
    value, korean_only = version(obj, field)
    value = shorten(value)
    return format_html('<span lang="ko">{}</span>', value) if korean_only else value


def html(obj, field: str, *, paragraphs: bool = False, mark: bool = True):
    """The field in the reader's language, as HTML (`paragraphs`: its lines as <p> and <br>):
    Korean shown to an English reader is marked as Korean (`lang`) and, with `mark`, as the
    only version there is (without: where the page already says so, e.g. a law's text)."""
    value, korean_only = version(obj, field)
    if paragraphs:
        value = mark_safe(linebreaks(value, autoescape=True))  # escaped by linebreaks
        if korean_only:
            return format_html(
                '<div lang="ko">{}</div><p class="korean-only">({})</p>', value, _("Korean only")
            )
        return value
    if not korean_only:
        return value
    if not mark:
        return format_html('<span lang="ko">{}</span>', value)
    return format_html(
        '<span lang="ko">{}</span> <span class="korean-only">({})</span>', value, _("Korean only")
    )
