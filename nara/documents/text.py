"""A document's text: the rich text an official may write (safe markup only), the personal data
it may hold, and its public form with the withheld passages blacked out."""

import html
import re
from dataclasses import dataclass

import nh3
from django.utils.translation import gettext_lazy as _

# What a document's body may contain: structure and emphasis, nothing that runs, loads or
# styles (no script, style, img, iframe, links' javascript:, attributes beyond a table's spans).
TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li", "h2", "h3", "h4",
    "blockquote", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}


def clean_html(raw: str) -> str:
    """The body as stored and shown: safe markup only. Plain text (no tag at all) becomes
    paragraphs, so that an official may type without markup."""
    raw = (raw or "").replace("\r\n", "\n").strip()
    if "<" not in raw:
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", raw) if p.strip()]
        raw = "".join(
            "<p>" + "<br>".join(html.escape(line) for line in p.split("\n")) + "</p>"
            for p in paragraphs
        )
    return nh3.clean(raw, tags=TAGS, attributes=ATTRIBUTES, link_rel=None, strip_comments=True)


def plain_text(body_html: str) -> str:
    """The body's words without markup (for searching and scanning)."""
    text = re.sub(r"<(br|/p|/li|/h\d|/tr|/blockquote)\s*/?>", "\n", body_html)
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


# --- personal data ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    kind: str  # "rrn", "phone", "email", "account"
    text: str

    @property
    def label(self) -> str:
        return str(KINDS[self.kind])


KINDS = {
    "rrn": _("Resident registration number"),
    "phone": _("Phone number"),
    "email": _("E-mail address"),
    "account": _("Bank account number"),
}
PATTERNS = [
    # 주민등록번호 and 외국인등록번호: birth date, then the sex/century digit 1–8
    ("rrn", re.compile(r"(?<!\d)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\s?-?\s?[1-8]\d{6}(?!\d)")),
    # mobile and area-code numbers, with or without hyphens, dots or spaces
    ("phone", re.compile(r"(?<!\d)(?:01[016789]|02|0[3-6][1-5]|070)[-.\s]?\d{3,4}[-.\s]?\d{4}(?!\d)")),
    ("email", re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")),
    # bank accounts: three or four groups of digits joined by hyphens, 10–16 digits in all
    ("account", re.compile(r"(?<![\d-])\d{2,6}-\d{2,6}-\d{2,7}(?:-\d{1,3})?(?![\d-])")),
]  # fmt: skip


def find_personal_data(text: str) -> list[Finding]:
    """Personal data in `text`, each distinct finding once, in order."""
    found: dict[tuple[str, str], Finding] = {}
    taken: list[tuple[int, int]] = []
    for kind, pattern in PATTERNS:
        for match in pattern.finditer(text):
            span = match.span()
            if any(a < span[1] and span[0] < b for a, b in taken):
                continue  # a phone number is not also an account number
            digits = re.sub(r"\D", "", match.group())
            if kind == "account" and not 10 <= len(digits) <= 16:
                continue
            taken.append(span)
            found.setdefault((kind, match.group()), Finding(kind, match.group()))
    return list(found.values())


def unresolved(findings: list[Finding], withheld: list[str], confirmed: list[str]) -> list[Finding]:
    """The findings neither inside a withheld passage nor confirmed by the drafter as meant
    to be public (an office's published phone number)."""
    return [
        f
        for f in findings
        if f.text not in confirmed and not any(f.text in passage for passage in withheld)
    ]


# --- the public form -------------------------------------------------------------------------


def black_bar(label: str) -> str:
    """A withheld passage's place on a page: a black bar of one width, naming its ground."""
    return (
        f'<span class="withheld" role="img" aria-label="{html.escape(str(_("Withheld")))}:'
        f' {html.escape(label)}">{"█" * 8}</span>'
        f' <span class="withheld-ground">[{html.escape(label)}]</span>'
    )


def redact_html(body_html: str, withheld: list[tuple[str, str]], mark=black_bar) -> str:
    """The body with each withheld passage replaced by `mark(label)` (HTML; by default the
    page's black bar): the passage's words are not in the result at all. The one place where
    passages are found and replaced, for the page, the search text and the PDF."""
    for passage, label in withheld:
        body_html = body_html.replace(html.escape(passage, quote=False), mark(label))
    return body_html


def passage_in(body_html: str, passage: str) -> bool:
    """Whether the passage occurs, as written, in the text of one stretch of the body."""
    return html.escape(passage, quote=False) in body_html


def same_words(text: str) -> str:
    """`text` with every run of white space (a no-break space, a line break) as one space: how
    a reader sees it, to find a withheld passage however it was spaced."""
    return " ".join(text.split())


def passage_left(body_html: str, passage: str) -> bool:
    """Whether the passage can still be read once redacted: written elsewhere in the body
    across markup (홍<b>길동</b>) or with other spacing (a no-break space), where
    `redact_html`, which replaces it as written, does not reach."""
    redacted = redact_html(body_html, [(passage, "")])
    return same_words(passage) in same_words(plain_text(redacted))
