"""Masking personal data (개인정보) in text that is published.

A complaint is published only with its citizen's consent, and even then the personal data that
people tend to write into a complaint is masked: resident registration numbers (주민등록번호),
mobile and landline phone numbers, e-mail addresses, card-like 16-digit numbers and car number
plates. Digits are replaced by ``*`` (separators kept, so the reader still sees what was there);
e-mail addresses become ``***@***``. Strings the caller knows to be personal (the citizen's
name, e-mail, phone, address) can be masked as well with ``extra``.

Masking is a safety net, not a guarantee: an approver should still read what is published.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# Digits may not touch other digits: "(?<!\d)" / "(?!\d)" keep us from masking inside longer
# numbers in a way that leaves half of them readable; the longer patterns run first.
_SEP = r"[ \-.\u2010-\u2015]?"  # a space, hyphen, dot or typographic dash between groups

_RRN = re.compile(r"(?<!\d)\d{6}[ \-\u2010-\u2015]?[1-8]\d{6}(?!\d)")
_CARD = re.compile(r"(?<!\d)\d{4}(?:" + _SEP + r"\d{4}){3}(?!\d)")
_MOBILE = re.compile(
    r"(?<![\d+])(?:\+82[ \-]?0?1[016789]|01[016789])[ \-.)]?\d{3,4}" + _SEP + r"\d{4}(?!\d)"
)
# Landlines: 02 (Seoul), 0NN area codes (031–064), 070 (internet phone), 050X (virtual numbers).
_LANDLINE = re.compile(
    r"(?<![\d+])(?:\+82[ \-]?0?(?:2|[3-6][1-5]|70)|\(?0(?:2|[3-6][1-5]|70|50\d)\)?)"
    r"[ \-.)]?\d{3,4}" + _SEP + r"\d{4}(?!\d)"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+")
# Korean number plates: "12가 3456", "123가4567", "서울12가3456" (the registered set of letters).
_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호"
_PLATE = re.compile(r"(?<!\d)(?:[가-힣]{2})?\d{2,3}\s?[" + _PLATE_LETTERS + r"]\s?\d{4}(?!\d)")

EMAIL_MASK = "***@***"


def _stars(match: re.Match) -> str:
    return re.sub(r"[0-9A-Za-z가-힣]", "*", match.group(0))


def _digits_to_stars(match: re.Match) -> str:
    return re.sub(r"\d", "*", match.group(0))


def mask_personal_data(text: str | None, *, extra: Iterable[str | None] = ()) -> str:
    """`text` with personal data masked. `extra`: further strings to mask wherever they occur
    (the citizen's own name, e-mail, phone, address); empty or very short ones are ignored."""
    if not text:
        return ""
    text = str(text)
    for value in sorted({(v or "").strip() for v in extra}, key=len, reverse=True):
        if len(value) >= 2:
            text = re.sub(re.escape(value), "*" * min(len(value), 8), text, flags=re.IGNORECASE)
    text = _EMAIL.sub(EMAIL_MASK, text)
    text = _RRN.sub(_digits_to_stars, text)
    text = _CARD.sub(_digits_to_stars, text)
    text = _MOBILE.sub(_digits_to_stars, text)
    text = _LANDLINE.sub(_digits_to_stars, text)
    text = _PLATE.sub(_stars, text)
    return text
