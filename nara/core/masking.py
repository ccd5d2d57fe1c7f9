"""Masking personal data (개인정보) in text that is published.

A complaint is published only with its citizen's consent, and even then the personal data that
people tend to write into a complaint is masked: phone numbers (mobile, landline, +82),
resident and foreigner registration numbers (주민등록번호, 외국인등록번호), bank account numbers,
card numbers, e-mail addresses (also spelled out: "hong at example dot com", "hong(at)…",
"골뱅이"; "hong @ example . com", "hong＠example。com"; non-ASCII: "홍길동@한국.kr"), car number
plates, and the strings the caller knows to be personal (``extra``: the citizen's name, e-mail,
phone, address), also when written with spaces between the letters ("홍 길 동") and a name of
two or three words also in the other order ("Gildong Hong").

Detection runs on a normalised copy of the text: NFKC (full-width digits and letters become
ASCII, "＠" becomes "@"), every kind of dash a hyphen, zero-width characters dropped, a group of
Korean digit words next to digits read as digits ("공일공-1234-5678"), and digits grouped across
separators (up to 8 whitespace characters, line breaks too; hyphens, underscores, dots, slashes,
brackets, "~", ":", ",", "、", "一"); a number written digit by digit ("0 1 0 1 2 3 …") is
read as one. Each match is
mapped back to its span in the original, so the masked text keeps everything else as written:
digits become ``*`` (separators kept, the reader still sees what was there), e-mail addresses
``***@***``, known strings a row of ``*``.

Dates (2026-12-07, 2026.12.07 10:00), amounts (1,000,000원), receipt numbers (NR-261207-…),
and article or document numbers (제12조, 제2026-1234호) are left alone; a phone number has its
last four digits written together, so that "04524, 04525" (postcodes) or "10.0.0.1, 192.168.0.1"
are no phone number. The patterns have no nested unbounded repetition (a test checks), so a long
body is masked in linear time (`bench/masking.py`).

Masking is a safety net, not a guarantee: an approver reads the public text before it is
published (the office's handling page shows it).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

EMAIL_MASK = "***@***"

# --- normalising ------------------------------------------------------------------------------

_DASHES = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\u2043\ufe58\ufe63\uff0d\u30fc\uff70"
_DOTS = "\u00b7\u2022\u2027\u2219\u22c5\u30fb\uff65"  # middle dots: "010·1234·5678"
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"


def _normal_char(char: str) -> str:
    if char in _INVISIBLE:
        return ""
    if char in _DASHES:
        return "-"
    if char in _DOTS:
        return "·"
    text = unicodedata.normalize("NFKC", char)
    if len(text) == 1 and not text.isascii() and unicodedata.decimal(text, None) is not None:
        return str(unicodedata.decimal(text))  # other scripts' digits
    return text


@dataclass(frozen=True)
class _Normalised:
    """`text` normalised, with `origin[i]` the index in the original of the i-th character."""

    text: str
    origin: list[int]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """The original span of the normalised span [start, end)."""
        return self.origin[start], self.origin[end - 1] + 1


def _normalise(text: str) -> _Normalised:
    parts, origin = [], []
    for index, char in enumerate(text):
        normal = _normal_char(char)
        parts.append(normal)
        origin.extend([index] * len(normal))
    return _Normalised("".join(parts), origin)


# --- what is never personal: dates, times, amounts, receipt and article numbers ----------------

_YEAR, _MONTH, _DAY = r"(?:19|20)\d\d", r"(?:0?[1-9]|1[0-2])", r"(?:0?[1-9]|[12]\d|3[01])"
_NOT_PERSONAL = re.compile(
    "|".join(
        (
            rf"(?<!\d){_YEAR} ?[-./년] ?{_MONTH} ?[-./월] ?{_DAY}(?!\d)",  # 2026-12-07, 2026. 12. 7
            rf"(?<![\d-]){_YEAR}(?: ?[-~] ?{_YEAR})+(?![-_./]?\d)",  # 2020-2026-2030
            r"(?<!\d)\d{1,2}:\d\d(?::\d\d)?(?!\d)",  # 10:00
            r"(?<!\d)\d{1,3}(?:,\d{3})+(?:\.\d+)?(?!\d)",  # 1,000,000 (not "010,1234,5678")
            # 1000000원, 30%; a number of its own ("010-1234-5678만" is a phone number)
            r"(?<![\d\-_./·~:,、一])(?<![\d\-_./·~:,、一] )(?!0)\d+ ?(?:원|만|억|천|달러|%|won\b|krw\b)",
            r"(?<![A-Za-z0-9])[A-Za-z]{1,6}-\d{6}-[0-9A-Za-z]{6}(?![A-Za-z0-9])",  # NR-261207-2K3M4P
            r"제 ?\d[\d-]* ?(?:조|항|호|목|편|장|절)",  # 제12조, 제2026-1234호
        )
    ),
    re.IGNORECASE,
)

# --- numbers ----------------------------------------------------------------------------------

# between digit groups: a little punctuation (also "~", ":", ",", "、" and "一" used as a dash),
# or a short run of whitespace (line breaks too)
_SEPARATOR = r"(?:\s{0,3}[-_./·()\[\]~:,、一]{1,2}\s{0,3}|\s{1,8})"
_CHAIN = re.compile(r"(?:\+[ \t]?)?[0-9](?:[0-9]|" + _SEPARATOR + r"(?=[0-9]))*")
_GROUP = re.compile(r"[0-9]+")
_PHONE = re.compile(r"01[016789]\d{7,8}|02\d{7,8}|0[3-6][1-5]\d{7,8}|070\d{8}|050\d{8,9}")
_BANK = re.compile(
    r"(?:은행|뱅크|농협|수협|신협|새마을금고|우체국|계좌|입금|송금|bank|account|a/c|acct)[^0-9\n]{0,12}$",
    re.IGNORECASE,
)
_FEWEST, _LONGEST = 9, 16  # the fewest and most digits of the kinds of numbers below
_MOST_GROUPS = 6  # more only when written digit by digit: "0 1 0 1 2 3 4 5 6 7 8"

# Korean digit words ("공일공-1234-5678"), read as digits when a whole group is written in them
# next to a group of digits (so that ordinary words stay words)
_DIGIT_WORDS = {"공": "0", "영": "0", "일": "1", "이": "2", "삼": "3", "사": "4", "오": "5"}
_DIGIT_WORDS |= {"육": "6", "칠": "7", "팔": "8", "구": "9"}
_WORD_GROUP = re.compile("(?<![가-힣])[" + "".join(_DIGIT_WORDS) + "]{2,4}(?![가-힣])")
_DIGITS_AFTER = re.compile(_SEPARATOR + "[0-9]")
_DIGITS_BEFORE = re.compile("[0-9]" + _SEPARATOR + r"\Z")


def _read_digit_words(text: str) -> str:
    """`text` with the groups of Korean digit words next to digit groups as digits (the same
    length: one digit for one word)."""
    out = list(text)
    for match in _WORD_GROUP.finditer(text):
        start, end = match.span()
        if _DIGITS_AFTER.match(text, end) or _DIGITS_BEFORE.search(
            text[max(0, start - 16) : start]
        ):
            out[start:end] = [_DIGIT_WORDS[char] for char in match.group(0)]
    return "".join(out)


@dataclass(frozen=True)
class _Window:
    """Some consecutive digit groups of a chain: their digits and the separators between."""

    groups: tuple[str, ...]
    separators: tuple[str, ...]
    international: bool  # written after a "+"
    bank_named: bool  # a bank or an account is named just before

    @property
    def digits(self) -> str:
        return "".join(self.groups)

    @property
    def cuts(self) -> set[int]:
        """Where the groups meet, counted in digits from the start."""
        cuts, total = set(), 0
        for group in self.groups[:-1]:
            total += len(group)
            cuts.add(total)
        return cuts


def _is_date(yymmdd: str) -> bool:
    return 1 <= int(yymmdd[2:4]) <= 12 and 1 <= int(yymmdd[4:6]) <= 31


def _is_phone(window: _Window) -> bool:
    """A phone number, its last four digits written together ("04524, 04525" are postcodes)."""
    digits = window.digits
    last_cut = max(window.cuts, default=0)
    if last_cut and last_cut != len(digits) - 4 and last_cut > len(digits) - 7:
        return False
    if window.international and digits.startswith("82"):
        digits = digits[2:]
    elif digits.startswith("0082"):
        digits = digits[4:]
    else:
        return bool(_PHONE.fullmatch(digits))
    return bool(_PHONE.fullmatch(digits if digits.startswith("0") else "0" + digits))


def _is_registration_number(window: _Window) -> bool:
    """Resident (1–4) and foreigner (5–8) registration numbers: YYMMDD-GXXXXXX."""
    digits = window.digits
    return (
        len(digits) == 13
        and window.cuts <= {2, 4, 6}
        and _is_date(digits[:6])
        and digits[6] in "12345678"
    )


def _is_card_number(window: _Window) -> bool:
    digits, cuts = window.digits, window.cuts
    return (len(digits) == 16 and cuts <= {4, 8, 12}) or (len(digits) == 15 and cuts <= {4, 10})


def _is_account_number(window: _Window) -> bool:
    """Korean bank accounts: 10–14 digits, whole or in a few groups joined by hyphens
    (국민 6-2-6, 신한 3-3-6, 농협 3-4-4-2, 카카오뱅크 4-2-7, …); after a bank's name also joined
    by spaces or dots."""
    digits, groups = window.digits, window.groups
    if not 10 <= len(digits) <= 14 or max(len(g) for g in groups) > (7 if len(groups) > 1 else 14):
        return False
    if len(digits) >= 8 and re.fullmatch(_YEAR + r"(?:0[1-9]|1[0-2])(?:[0-2]\d|3[01])", digits[:8]):
        return False  # a date and time written without separators: 20261207103000
    if window.bank_named:
        return len(groups) <= 6
    return len(groups) <= 5 and all(
        set(s.strip()) <= {"-", "_"} and s.strip() for s in window.separators
    )


_NUMBER_KINDS = (_is_phone, _is_registration_number, _is_card_number, _is_account_number)
# written digit by digit, only these; and not with the punctuation of a list between the digits
_DIGIT_BY_DIGIT_KINDS = (_is_phone, _is_registration_number)
_LIST_PUNCTUATION = frozenset(",、:~")


def _number_spans(text: str, blocked: list[bool]) -> Iterable[tuple[int, int]]:
    """Spans (in `text`) of the numbers that are personal data."""
    for chain in _CHAIN.finditer(text):
        international = chain.group(0).startswith("+")
        bank_named = bool(_BANK.search(text, max(0, chain.start() - 40), chain.start()))
        groups = list(_GROUP.finditer(text, chain.start(), chain.end()))
        # a group that is part of a date, an amount, … splits the chain
        runs, run = [], []
        for group in groups:
            if any(blocked[group.start() : group.end()]):
                runs.append(run)
                run = []
            else:
                run.append(group)
        runs.append(run)
        for run in runs:
            after_plus = international and bool(run) and run[0] is groups[0]
            yield from _personal_numbers(text, run, after_plus, bank_named)


def _personal_numbers(text: str, run: list[re.Match], international: bool, bank_named: bool):
    """Every window of `run`'s consecutive groups that is a personal number (they may overlap:
    "1-1-010-1234-5678" is an account number and a phone number, both masked)."""
    gaps = [text[a.end() : b.start()] for a, b in pairwise(run)]
    for i in range(len(run)):
        digits = ""
        for j in range(i, min(i + _LONGEST, len(run))):
            digits += run[j].group(0)
            count = j - i + 1
            if len(digits) > _LONGEST or (count > _MOST_GROUPS and len(digits) > count):
                break  # too long, or more groups than a number has and not digit by digit
            if len(digits) < _FEWEST:
                continue
            if count <= _MOST_GROUPS:
                groups = tuple(g.group(0) for g in run[i : j + 1])
                window = _Window(groups, tuple(gaps[i:j]), international and i == 0, bank_named)
                kinds = _NUMBER_KINDS
            elif (_PHONE.fullmatch(digits) or len(digits) == 13 or (international and i == 0)) and (
                not _LIST_PUNCTUATION.intersection("".join(gaps[i:j]))  # "1, 0, 1, 0, 1, 2, …"
            ):
                window = _Window((digits,), (), international and i == 0, bank_named)
                kinds = _DIGIT_BY_DIGIT_KINDS
            else:
                continue
            if any(is_kind(window) for is_kind in kinds):
                yield run[i].start(), run[j].end()


# --- e-mail addresses, plates, known strings --------------------------------------------------

_AT = r"(?:\s{0,2}@\s{0,2}|\s{0,2}[(\[{<]\s?(?:at|골뱅이|앳)\s?[)\]}>]\s{0,2}|\s{1,2}(?:at|앳)\s{1,2}|\s{0,2}골뱅이\s{0,2})"
# after the "@": ".", "。", "·" or " . " (spaced on both sides: "example.com. Then" is no label)
_DOT = r"(?:[.。·]|\s{1,2}[.。·]\s{1,2}|\s{0,2}[(\[{<]\s?(?:dot|점|닷)\s?[)\]}>]\s{0,2}|\s{1,2}(?:dot|점|닷)\s{1,2})"
# the local part: ASCII, or other letters ("홍길동@…"; ASCII letters then do not mix in, so that
# "메일은hong@…" masks "hong@…" only)
_LOCAL = (
    r"(?:(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}"
    r"|(?<![\w.%+\-])[^\W_A-Za-z](?:[^\W_A-Za-z]|[._%+\-]){0,63})"
)
_LABEL = r"[^\W_](?:[\w\-]{0,62}[^\W_])?"  # internationalised too: "한국"
_EMAIL = re.compile(
    _LOCAL
    + _AT
    + _LABEL
    + r"(?:"
    + _DOT
    + _LABEL
    + r")*"
    + _DOT
    + r"(?:xn--[A-Za-z0-9\-]{1,59}|[A-Za-z]{2,24})(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# Korean number plates: "12가 3456", "123가4567", "서울12가3456" (the registered set of letters).
_PLATE_LETTERS = "가나다라마거너더러머버서어저고노도로모보소오조구누두루무부수우주아바사자배하허호"
_PLATE = re.compile(r"(?<!\d)(?:[가-힣]{2})?\d{2,3}\s?[" + _PLATE_LETTERS + r"]\s?\d{4}(?!\d)")
# what may stand between the letters of a known string: "홍 길 동", "홍-길-동", "010.1234.5678"
_GAP = r"[\s\-_./·()]{0,3}"


# the top-level domains an address spelled out ("hong at example dot com") may end with: "at"
# and "dot" are English words, and "I was at home.Then" is no address
_SPELLED_TLDS = frozenset(
    "com net org edu gov mil int biz info name kr jp cn tw hk us uk ca au nz de fr io me co".split()
)


def _is_email(address: str) -> bool:
    if not re.search(r"\s(?:at|앳)\s", address, re.IGNORECASE):
        return True  # "@", "(at)", "[at]", "골뱅이": nobody writes these in a sentence
    return re.split(r"[\s.]", address)[-1].lower() in _SPELLED_TLDS


def _known_variants(value: str) -> set[str]:
    """`value`, and a name of two or three words also in the reverse order ("Gildong Hong")."""
    words = value.split()
    if 2 <= len(words) <= 3 and all(word.replace("-", "").isalpha() for word in words):
        return {value, " ".join(reversed(words))}
    return {value}


def _known_pattern(value: str) -> tuple[re.Pattern, int] | None:
    """A pattern for a known string with anything of `_GAP` between its letters, and how many
    letters it has."""
    letters = [c for c in _normalise(value).text if c.isalnum() or c in "@+"]
    if len(letters) < 2:
        return None
    pattern = _GAP.join(re.escape(c) for c in letters)
    if letters[0].isascii():  # "Park" is not in "parking"; "홍길동님" is 홍길동
        pattern = r"(?<![A-Za-z0-9])" + pattern
    if letters[-1].isascii():
        pattern += r"(?![A-Za-z0-9])"
    return re.compile(pattern, re.IGNORECASE), len(letters)


# --- masking ----------------------------------------------------------------------------------


def _is_digit(char: str) -> bool:
    """A digit of a number: in any script, or a Korean digit word (only read so next to digits)."""
    return char.isdigit() or char in _DIGIT_WORDS


def mask_personal_data(text: str | None, *, extra: Iterable[str | None] = ()) -> str:
    """`text` with personal data masked. `extra`: further strings to mask wherever they occur
    (the citizen's own name, e-mail, phone, address); empty or one-letter ones are ignored."""
    if not text:
        return ""
    text = str(text)
    normal = _normalise(text)
    norm = _read_digit_words(normal.text)
    replace: dict[int, str] = {}  # the start of a span replaced as a whole → its replacement
    covered = [False] * len(text)  # inside a span replaced as a whole
    stars = [False] * len(text)  # a letter or digit to show as "*"

    def whole(start: int, end: int, replacement: str) -> None:
        start, end = normal.span(start, end)
        if any(covered[start:end]):
            return
        replace[start] = replacement
        covered[start:end] = [True] * (end - start)

    for match in _EMAIL.finditer(norm):
        if _is_email(match.group(0)):
            whole(match.start(), match.end(), EMAIL_MASK)
    values = {variant for v in extra for variant in _known_variants((v or "").strip())}
    known = filter(None, map(_known_pattern, values))
    for pattern, letters in sorted(known, key=lambda known: known[1], reverse=True):
        for match in pattern.finditer(norm):
            whole(match.start(), match.end(), "*" * min(letters, 8))

    blocked = [False] * len(norm)
    for match in _NOT_PERSONAL.finditer(norm):
        blocked[match.start() : match.end()] = [True] * (match.end() - match.start())
    spans = [(s, e, _is_digit) for s, e in _number_spans(norm, blocked)]
    spans += [(m.start(), m.end(), str.isalnum) for m in _PLATE.finditer(norm)]
    for start, end, shown_as_star in spans:
        start, end = normal.span(start, end)
        for index in range(start, end):
            stars[index] = stars[index] or shown_as_star(text[index])

    out = []
    for index, char in enumerate(text):
        if index in replace:
            out.append(replace[index])
        elif not covered[index]:
            out.append("*" if stars[index] else char)
    return "".join(out)
