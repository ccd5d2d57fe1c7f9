"""The draft's text: a word-level difference against the current text, and a parser that turns
plain text ("제1조(목적) ① …") into articles and paragraphs."""

import difflib
import re
from dataclasses import dataclass, field

TOKEN = re.compile(r"\s+|[^\s]+")
ARTICLE = re.compile(r"^\s*(제\s*\d+\s*조(?:의\s*\d+)?)\s*(?:\(([^)]*)\))?\s*(.*)$")
PARAGRAPH_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
PARAGRAPH = re.compile(rf"^\s*([{PARAGRAPH_MARKS}])\s*(.*)$")


@dataclass(frozen=True)
class Segment:
    op: str  # "equal", "delete", "insert"
    text: str


def word_diff(old: str, new: str) -> list[Segment]:
    """The changes from `old` to `new`, word by word (spaces kept), as equal / delete / insert
    segments in reading order (a replaced run: its deletion, then its insertion)."""
    a, b = TOKEN.findall(old or ""), TOKEN.findall(new or "")
    segments: list[Segment] = []
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            segments.append(Segment("equal", "".join(a[i1:i2])))
            continue
        if op in ("delete", "replace"):
            segments.append(Segment("delete", "".join(a[i1:i2])))
        if op in ("insert", "replace"):
            segments.append(Segment("insert", "".join(b[j1:j2])))
    return [s for s in segments if s.text]


@dataclass
class ParsedParagraph:
    number: str
    text: str
    current_text: str = ""


@dataclass
class ParsedArticle:
    number: str
    heading: str
    paragraphs: list[ParsedParagraph] = field(default_factory=list)


def parse_articles(text: str) -> list[ParsedArticle]:
    """Articles from plain text: a line starting "제N조(제목)" opens an article, a line starting
    with ①, ② … opens a paragraph, other lines continue the current paragraph. Text after the
    heading on the article's line is its first (unnumbered) paragraph."""
    articles: list[ParsedArticle] = []
    for raw in (text or "").splitlines():
        line = raw.strip()
        if not line:
            continue
        if m := ARTICLE.match(line):
            number = re.sub(r"\s+", "", m.group(1))
            article = ParsedArticle(number=number, heading=(m.group(2) or "").strip())
            articles.append(article)
            rest = m.group(3).strip()
            if rest:
                if p := PARAGRAPH.match(rest):
                    article.paragraphs.append(ParsedParagraph(p.group(1), p.group(2).strip()))
                else:
                    article.paragraphs.append(ParsedParagraph("", rest))
            continue
        if not articles:
            raise ValueError("The text must start with an article (제1조).")
        article = articles[-1]
        if p := PARAGRAPH.match(line):
            article.paragraphs.append(ParsedParagraph(p.group(1), p.group(2).strip()))
        elif article.paragraphs:
            last = article.paragraphs[-1]
            last.text = f"{last.text}\n{line}"
        else:
            article.paragraphs.append(ParsedParagraph("", line))
    return articles
