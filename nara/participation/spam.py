"""A simple spam classifier: a score from 0 (clean) to 1 (spam), shown to moderators as advice.
It never decides alone: every item waits for a moderator, whatever its score.

Two parts, added as log-odds:
- cold-start heuristics that need no training: links, phone numbers and messenger IDs, long runs
  of one character, shouting, and known spam phrases in Korean and English;
- a naive Bayes over words and character bigrams/trigrams (which also works for Korean, written
  without spaces between many words), learned from moderators' decisions: items rejected or
  hidden as spam versus items approved (`SpamExample`, written by `moderation`). Its weight
  grows with the number of examples, so a few decisions cannot swing the score.

The learned counts are kept in memory per process and brought up to date cheaply (one small
query per score; only new examples are read)."""

import math
import re
import threading
from collections import Counter
from dataclasses import dataclass, field

MAX_CHARS = 2000  # enough to judge; keeps scoring well under 2 ms
BASE_LOGIT = -2.5  # a text with nothing suspicious: about 0.08
FULL_WEIGHT_EXAMPLES = 40  # the learned part counts fully from this many examples of each kind

URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|kr|xyz|top|io|me|shop|co)\b", re.I)
PHONE = re.compile(
    r"(?:\+?82[-\s]?|0)1[016789][-\s.]?\d{3,4}[-\s.]?\d{4}|\b\d{2,4}-\d{3,4}-\d{4}\b"
)
MESSENGER = re.compile(
    r"(?:카톡|카카오톡|텔레그램|텔레|라인|kakao|telegram|whatsapp)\s*(?:id|아이디)?\s*[:：]?\s*@?\w+",
    re.I,
)
REPEATS = re.compile(r"(.)\1{5,}")
EXCLAIMS = re.compile(r"[!！]{3,}")
WORD = re.compile(r"\w+")
SPAM_PHRASES = (
    # English
    "buy now",
    "click here",
    "free money",
    "make money",
    "earn $",
    "work from home",
    "limited offer",
    "act now",
    "casino",
    "viagra",
    "crypto",
    "bitcoin",
    "loan",
    "100% free",
    "winner",
    "discount",
    # Korean
    "무료",
    "대출",
    "카지노",
    "바카라",
    "토토",
    "수익 보장",
    "수익보장",
    "고수익",
    "부업",
    "클릭",
    "상담 문의",
    "문의 주세요",
    "성인",
    "할인",
    "당첨",
    "코인",
    "즉시 입금",
)


def heuristic_logit(text: str) -> float:
    """Log-odds of spam from what needs no training."""
    lowered = text.lower()
    logit = BASE_LOGIT
    logit += min(len(URL.findall(text)), 3) * 1.3
    logit += min(len(PHONE.findall(text)), 2) * 1.5
    logit += min(len(MESSENGER.findall(text)), 2) * 1.5
    logit += 1.0 if REPEATS.search(text) else 0.0
    logit += 0.6 if EXCLAIMS.search(text) else 0.0
    letters = [ch for ch in text if ch.isascii() and ch.isalpha()]
    if len(letters) >= 12 and sum(ch.isupper() for ch in letters) / len(letters) > 0.6:
        logit += 1.2  # shouting
    logit += min(sum(phrase in lowered for phrase in SPAM_PHRASES), 3) * 1.1
    return logit


def features(text: str) -> set[str]:
    """Words and character bigrams/trigrams (without spaces), lowercased, each counted once."""
    text = text[:MAX_CHARS].lower()
    found = {"w:" + word for word in WORD.findall(text)}
    compact = "".join(ch for ch in text if not ch.isspace())
    for n in (2, 3):
        found.update(compact[i : i + n] for i in range(len(compact) - n + 1))
    return found


@dataclass
class Model:
    """Document counts of each feature in spam and in clean texts (Bernoulli-style)."""

    spam_docs: int = 0
    ham_docs: int = 0
    spam: Counter = field(default_factory=Counter)
    ham: Counter = field(default_factory=Counter)
    last_id: int = 0
    rows: int = 0

    def learn(self, text: str, *, is_spam: bool, weight: int = 1) -> None:
        counts = self.spam if is_spam else self.ham
        for feature in features(text):
            counts[feature] += weight
        if is_spam:
            self.spam_docs += weight
        else:
            self.ham_docs += weight

    def logit(self, text: str) -> float:
        """Log-likelihood ratio of the text's known features, weighted by how much was learned
        (0 without examples of both kinds)."""
        if self.spam_docs <= 0 or self.ham_docs <= 0:
            return 0.0
        total = 0.0
        spam_n, ham_n = self.spam_docs + 2, self.ham_docs + 2
        found = features(text)
        for feature in found:
            s, h = self.spam.get(feature, 0), self.ham.get(feature, 0)
            if s <= 0 and h <= 0:
                continue
            total += math.log((max(s, 0) + 1) / spam_n) - math.log((max(h, 0) + 1) / ham_n)
        # Many correlated features: damp the sum so it stays a log-odds of sensible size.
        total /= max(1.0, math.sqrt(len(found)) / 2)
        confidence = min(1.0, min(self.spam_docs, self.ham_docs) / FULL_WEIGHT_EXAMPLES)
        return max(-6.0, min(6.0, total)) * confidence


def score_with(model: Model | None, text: str) -> float:
    logit = heuristic_logit(text[: MAX_CHARS * 2]) + (model.logit(text) if model else 0.0)
    return round(1 / (1 + math.exp(-logit)), 4)


_lock = threading.Lock()
_model = Model()


def learned_model() -> Model:
    """The model learned from every `SpamExample`, brought up to date: reads only the examples
    added since the last call (or everything again when rows appeared out of order or were
    deleted)."""
    from django.db.models import Count, Max

    from .models import SpamExample

    global _model
    state = SpamExample.objects.aggregate(rows=Count("id"), last=Max("id"))
    rows, last = state["rows"], state["last"] or 0
    with _lock:
        if rows == _model.rows and last == _model.last_id:
            return _model
        model = _model if (rows > _model.rows and last > _model.last_id) else Model()
        _read(model, SpamExample.objects.filter(id__gt=model.last_id))
        if model.rows != rows:  # an example committed late with a smaller id: read all again
            model = Model()
            _read(model, SpamExample.objects.all())
        _model = model
        return model


def _read(model: Model, examples) -> None:
    rows = examples.order_by("id").values_list("id", "text", "is_spam", "weight")
    for pk, text, is_spam, weight in rows.iterator():
        model.learn(text, is_spam=is_spam, weight=weight)
        model.last_id, model.rows = pk, model.rows + 1


def spam_score(text: str) -> float:
    """How likely `text` is spam, from 0 to 1. Advice for moderators only."""
    return score_with(learned_model(), text or "")


def spam_verdict(score: float):
    """How the score reads to a moderator (translatable)."""
    from django.utils.translation import gettext_lazy as _

    if score >= 0.8:
        return _("likely spam")
    if score >= 0.5:
        return _("possibly spam")
    return _("probably not spam")
