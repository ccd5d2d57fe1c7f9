"""Korean particles after words only known at run time (a name, a title, a number).

A Korean particle depends on the sound the word before it ends with: 이/가, 을/를, 은/는, 과/와
and (으)로 change with whether its last syllable has a final consonant (받침). A catalogue entry
cannot know that for "%(name)s", so translators write the particle's both forms, as Korean
software traditionally does ("%(name)s이(가)"), and `particles` picks the right one once the
name is in: "파일이", "사진이", "HWP가", "2026년이", "10이" (십), "Kim은".

The sound is read from the last character that is not closing punctuation (quotes, brackets):
a Hangul syllable's own final consonant; a number as it is read in Korean (일, 이, 삼 … 십, 백,
천, 만, 억); a Latin word by its usual transcription (Kim 킴, Park 박, Lee 리, Alice 앨리스) and
capital abbreviations by the letters' names (KTX 케이티엑스, URL 유알엘). Anything else keeps both
forms, which any reader understands.
"""

import html
import re

# both forms as translators write them → (after a final consonant, after none)
PAIRS = {
    "이(가)": ("이", "가"),
    "가(이)": ("이", "가"),
    "을(를)": ("을", "를"),
    "를(을)": ("을", "를"),
    "은(는)": ("은", "는"),
    "는(은)": ("은", "는"),
    "과(와)": ("과", "와"),
    "와(과)": ("과", "와"),
    "(으)로": ("으로", "로"),  # 로 after ㄹ as well: 서울로
    "이라는(라는)": ("이라는", "라는"),
}
_CLOSERS = "\"'”’」』)]>》〉›» "
_PATTERN = re.compile(r"(?<=\S)(?:" + "|".join(re.escape(p) for p in PAIRS) + ")")
_TAG = re.compile(r"<[^>]*>")

# the final consonant's kind: None (no final consonant), "ㄹ", or "other"
NONE, RIEUL, OTHER = None, "ㄹ", "other"

# 0–9 read as Sino-Korean numbers: 영 일 이 삼 사 오 육 칠 팔 구
_DIGIT = [OTHER, RIEUL, NONE, OTHER, NONE, NONE, OTHER, RIEUL, RIEUL, NONE]
# letter names: A 에이, B 비 … L 엘, M 엠, N 엔, R 알 (the others end in a vowel)
_LETTER = {"L": RIEUL, "M": OTHER, "N": OTHER, "R": RIEUL}
# romanized Korean names the spelling rules below would read wrongly (Park 박, not 파크)
_NAMES = {"park": OTHER}


def _hangul(char: str):
    code = ord(char) - 0xAC00
    if not 0 <= code < 11172:
        return False, NONE
    final = code % 28
    return True, NONE if final == 0 else RIEUL if final == 8 else OTHER


def _number(digits: str):
    digits = digits.lstrip("0")
    if not digits:
        return OTHER  # 영
    zeros = len(digits) - len(digits.rstrip("0"))
    if zeros == 0:
        return _DIGIT[int(digits[-1])]
    # ending in zeros, a number is read by its last unit: 십 (ㅂ), 백 (ㄱ), 천 (ㄴ), 만 (ㄴ) and
    # its multiples, 억 (ㄱ) and its multiples; 조 (no final consonant) from 10¹²
    return OTHER if zeros < 12 else NONE


def _latin(word: str):
    if (word.isupper() and len(word) <= 5) or not re.search("[aeiouy]", word, re.I):
        # an abbreviation, read letter by letter (KTX, URL, .kr)
        return _LETTER.get(word[-1].upper(), NONE)
    w = word.lower()
    if w in _NAMES:
        return _NAMES[w]
    if w.endswith("ng") or w[-1] in "mn":
        return OTHER  # Kim 킴, John 존, Young 영
    if w[-1] == "l":
        return RIEUL  # Paul 폴, Michael 마이클
    if w.endswith(("ck", "k", "b", "p")) and len(w) > 1 and w[-2] in "aeiouc":
        return OTHER  # Park 박, Jack 잭, Bob 밥
    return NONE  # Lee 리, Alice 앨리스, Smith 스미스, Peter 피터


def final_sound(text: str):
    """(known, kind) of the sound `text` ends with: kind is None (a vowel), "ㄹ" or "other"."""
    text = text.rstrip(_CLOSERS)
    if not text:
        return False, NONE
    is_hangul, kind = _hangul(text[-1])
    if is_hangul:
        return True, kind
    number = re.search(r"[0-9][0-9,]*$", text)
    if number:
        return True, _number(number.group().replace(",", ""))
    word = re.search(r"[A-Za-z]+$", text)
    if word:
        return True, _latin(word.group())
    return False, NONE


def particle(word: str, pair: str) -> str:
    """The particle `pair` ("이(가)", "을(를)" …) as it follows `word`; both forms if unknown."""
    known, kind = final_sound(word)
    if not known:
        return pair
    after_consonant, after_vowel = PAIRS[pair]
    if pair == "(으)로" and kind == RIEUL:
        return after_vowel
    return after_vowel if kind is NONE else after_consonant


def particles(text: str) -> str:
    """`text` with every particle written in both forms chosen after the word before it. HTML
    is fine: tags and character references before the particle are looked through."""
    if "(" not in text:
        return text

    def choose(match: re.Match) -> str:
        before = match.string[max(0, match.start() - 80) : match.start()]
        return particle(html.unescape(_TAG.sub("", before)), match.group())

    return _PATTERN.sub(choose, text)


class WithParticles:
    """A message whose formatting chooses the particles after the values: for a
    `ValidationError(WithParticles(_("%(name)s이(가)…")), params=…)`, which Django formats with `%`
    when the error is shown (in the language of the page that shows it)."""

    def __init__(self, message):
        self.message = message

    def __mod__(self, params):
        return particles(str(self.message) % params)

    def __str__(self) -> str:
        return str(self.message)
