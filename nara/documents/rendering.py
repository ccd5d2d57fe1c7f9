"""A registered document as a PDF: its heading, body, attachments' list and the approval block
(each step's kind, unit, who acted, when, and the marks 전결 and 대결), with the Korean font
embedded (NanumGothic, SIL Open Font License, in fonts/).

`render(document, redact=True)` is the public form: each withheld passage is replaced in the
text before anything is drawn, so its words are not in the file at all (not hidden under a box
that a copy-paste would lift)."""

import html
import re
from pathlib import Path

from django.conf import settings
from django.utils import translation
from django.utils.timezone import localtime
from fpdf import FPDF

from nara.approvals import engine
from nara.approvals.models import LineStatus, Mark, StepKind

from . import text
from .models import Document

FONT = Path(__file__).parent / "fonts" / "NanumGothic.ttf"
MARKS = {Mark.DELEGATED: "전결", Mark.ACTING: "대결", Mark.DELEGATED_ACTING: "전결·대결"}
KINDS = {StepKind.REVIEW: "검토", StepKind.COOPERATE: "협조", StepKind.APPROVE: "결재"}


def _font() -> str:
    return str(getattr(settings, "NARA_PDF_FONT", "") or FONT)


def approval_block(document: Document) -> list[dict]:
    """The steps of the approved line, as printed."""
    line = engine.lines_of(document).filter(status=LineStatus.APPROVED).first()
    if line is None:
        return []
    rows = [
        {
            "kind": "기안",
            "unit": document.unit.name_ko,
            "name": document.drafter.display_name,
            "mark": "",
            "at": localtime(line.submitted_at).strftime("%Y-%m-%d %H:%M"),
        }
    ]
    for step in line.steps.select_related("unit", "acted_by").order_by("position", "id"):
        rows.append(
            {
                "kind": KINDS.get(step.kind, step.kind),
                "unit": step.unit.name_ko,
                "name": step.acted_by.display_name if step.acted_by else "",
                "mark": MARKS.get(step.mark, ""),
                "at": localtime(step.acted_at).strftime("%Y-%m-%d %H:%M") if step.acted_at else "",
            }
        )
    return rows


def _redacted_html(document: Document) -> str:
    """The body with the withheld passages replaced, as the PDF prints them (its font has ■,
    not the page's █)."""
    withheld = [(item.passage, item.ground) for item in document.withheld.all()]
    return text.redact_html(document.body, withheld, mark=_pdf_mark)


def _pdf_mark(ground: str) -> str:
    return html.escape(f"■■■■ [비공개: 정보공개법 제9조제1항제{ground}호]")


def _pdf_html(body: str) -> str:
    """The body in the markup fpdf2 draws: spans dropped, italics upright (one font file,
    regular and bold, is registered: each costs a parse of the whole font)."""
    return re.sub(r"</?(span|em|i)(\s[^>]*)?>", "", body)


def render(document: Document, *, redact: bool = False) -> bytes:
    with translation.override("ko"):
        pdf = FPDF(format="A4")
        pdf.set_creation_date(document.registered_at)
        pdf.set_title(document.title)
        pdf.set_author(document.unit.name_ko)
        for style in ("", "B"):  # Hangul has no italics: emphasis is drawn upright (_pdf_html)
            pdf.add_font("nanum", style, _font())
        pdf.set_margins(20, 20, 20)
        pdf.add_page()
        pdf.set_font("nanum", size=16)
        pdf.multi_cell(0, 9, document.title, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("nanum", size=10)
        head = [
            ("등록번호", document.reg_no),
            ("등록일", localtime(document.registered_at).strftime("%Y-%m-%d")),
            ("생산부서", document.unit.name_ko),
            ("수신", document.recipients or "내부결재"),
            ("공개구분", _grade_text(document)),
        ]
        for label, value in head:
            pdf.multi_cell(0, 6, f"{label}: {value}", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(4)
        body = _redacted_html(document) if redact else document.body
        pdf.write_html(_pdf_html(body), font_family="nanum")
        names = list(document.attachments.values_list("name", flat=True))
        if names:
            pdf.ln(4)
            pdf.multi_cell(0, 6, "붙임: " + ", ".join(names), new_x="LMARGIN", new_y="NEXT")
        rows = approval_block(document)
        if rows:
            pdf.ln(6)
            pdf.set_font("nanum", size=9)
            with pdf.table(col_widths=(14, 40, 30, 18, 32), text_align="LEFT") as table:
                table.row(["구분", "부서", "성명", "표시", "일시"])
                for row in rows:
                    table.row([row["kind"], row["unit"], row["name"], row["mark"], row["at"]])
        return bytes(pdf.output())


def _grade_text(document: Document) -> str:
    grade = {"open": "공개", "partial": "부분공개", "closed": "비공개"}[document.grade]
    if document.grounds:
        items = ", ".join(f"제{g}호" for g in document.grounds)
        return f"{grade} (정보공개법 제9조제1항 {items})"
    return grade
