"""The documents of bench/documents.py: Korean titles and bodies taken from the sample petitions
in `../shared/data` (read at bench time, never copied into the repository), registered and
published as the services would leave them, written with PostgreSQL's COPY.

Every row is planned once for the final size (`Plan`): registration times spread over several
years in the order of the ids, a unit by weight, a serial per unit and year in registration
order (1, 2, 3… without a gap once every row is in), the grade mixed (공개 / 부분공개 / 비공개).
The first load takes every k-th planned row; the growth adds the others, so that the small and
the large database hold the same kind of documents over the same years."""

from __future__ import annotations

import csv
import html
import json
import random
import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

GRADES = ("open", "partial", "closed")
GRADE_WEIGHTS = (75, 15, 10)
# A few units of two agencies; weights: how many of the documents each registers.
UNITS = [
    # code, Korean name, English name, parent code, weight
    ("bench-moe", "교육부", "Ministry of Education", "", 2),
    ("bench-moe-school", "학교정책과", "School Policy Division", "bench-moe", 30),
    ("bench-moe-child", "유아교육정책과", "Early Childhood Education Division", "bench-moe", 20),
    ("bench-moe-youth", "청소년정책과", "Youth Policy Division", "bench-moe", 8),
    ("bench-seoul", "서울특별시", "Seoul", "", 2),
    ("bench-seoul-roads", "도로관리과", "Road Management Division", "bench-seoul", 18),
    ("bench-seoul-air", "대기정책과", "Air Quality Division", "bench-seoul", 12),
    ("bench-seoul-welfare", "복지정책과", "Welfare Policy Division", "bench-seoul", 8),
]
TYPES = [("notice", "알림", "Notice"), ("plan", "계획", "Plan"), ("report", "보고", "Report")]
SERIES = [("general", "일반 서무", "General affairs", "5"), ("policy", "정책", "Policy", "30")]
FIRST_DAY = datetime(2022, 1, 3, tzinfo=UTC)
SENTENCE_END = re.compile(r"(?<=[.!?다요])\s+")
NAMES = "김민수 이서연 박지훈 최유진 정하늘 강도윤 조수아 윤서준".split()


def read_corpus(data_dir: Path, body_chars: int) -> tuple[list[str], list[str]]:
    """(titles, bodies): the petitions' titles, and fragments of a few whole sentences of their
    texts, at most `body_chars` characters each, as the sanitised HTML a body is."""
    titles_csv = data_dir / "kr_petition_titles.csv"
    petitions = data_dir / "kr_petitions.jsonl"
    if not titles_csv.exists() or not petitions.exists():
        raise SystemExit(f"sample data not found in {data_dir} (see --data)")
    with open(titles_csv, encoding="utf-8") as f:
        titles = [" ".join(row["title"].split())[:200] for row in csv.DictReader(f)]
    titles = [t for t in titles if t]
    bodies = []
    with open(petitions, encoding="utf-8") as f:
        for line in f:
            sentences = SENTENCE_END.split(" ".join(json.loads(line)["content"].split()))
            fragment = ""
            for sentence in sentences:
                if fragment and len(fragment) + len(sentence) + 1 > body_chars:
                    bodies.append(f"<p>{html.escape(fragment, quote=False)}</p>")
                    fragment = ""
                fragment = f"{fragment} {sentence}".strip()[:body_chars]
            if fragment:
                bodies.append(f"<p>{html.escape(fragment, quote=False)}</p>")
    return titles, bodies


@dataclass
class Plan:
    """Every document of the final size, planned: row i has id i + 1."""

    registered: array  # seconds since FIRST_DAY, ascending
    unit: array  # index into the units
    serial: array  # the serial of its unit and year
    grade: array  # index into GRADES
    title: array
    body: array
    now: datetime

    @property
    def size(self) -> int:
        return len(self.registered)

    def year(self, i: int) -> int:
        return (FIRST_DAY + timedelta(seconds=self.registered[i])).year

    def last_serials(self) -> dict[tuple[int, int], int]:
        """(unit index, year) → the last serial: the counters (RegisterSerial) of the units."""
        last: dict[tuple[int, int], int] = {}
        for i in range(self.size):
            key = (self.unit[i], self.year(i))
            last[key] = max(last.get(key, 0), self.serial[i])
        return last


def plan(size: int, *, titles: int, bodies: int, seed: int = 13) -> Plan:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    span = (now - timedelta(days=1) - FIRST_DAY).total_seconds()
    registered = array("d", sorted(rng.random() * span for _ in range(size)))
    weights = [u[4] for u in UNITS]
    unit = array("B", rng.choices(range(len(UNITS)), weights=weights, k=size))
    grade = array("B", rng.choices(range(len(GRADES)), weights=GRADE_WEIGHTS, k=size))
    title = array("I", (rng.randrange(titles) for _ in range(size)))
    body = array("I", (rng.randrange(bodies) for _ in range(size)))
    serial = array("I", bytes(4 * size))
    counters: dict[tuple[int, int], int] = {}
    year_end = {}  # the years' boundaries in seconds since FIRST_DAY
    for year in range(FIRST_DAY.year, now.year + 2):
        year_end[year] = (datetime(year + 1, 1, 1, tzinfo=UTC) - FIRST_DAY).total_seconds()
    year = FIRST_DAY.year
    for i in range(size):
        while registered[i] >= year_end[year]:
            year += 1
        key = (unit[i], year)
        counters[key] = counters.get(key, 0) + 1
        serial[i] = counters[key]
    return Plan(registered, unit, serial, grade, title, body, now)


def reg_no(name_ko: str, year: int, serial: int, this_year: int) -> str:
    """The registration number as services.approved writes it: unit name-year-serial."""
    return f"{name_ko}-{year}-{serial}"


COLUMNS = (
    "id", "unit_id", "drafter_id", "document_type_id", "classification_id", "title", "body",
    "recipients", "grade", "grounds", "personal_data_confirmed", "status", "created_at",
    "updated_at", "reg_no", "reg_year", "reg_serial", "registered_at", "retention",
    "post_approval_due", "pdf", "pdf_sha256", "public_pdf", "public_pdf_sha256", "published_at",
    "public_text",
)  # fmt: skip


@dataclass
class Refs:
    """The database rows the documents point at."""

    units: list  # (pk, name_ko), in the order of UNITS
    drafter: int
    types: list[int]
    series: list[tuple[int, str]]  # (pk, retention)
    # publication's public_text of a body (grade, body HTML, withheld passages) -> plain text
    public_text: Callable[[str, str, list[tuple[str, str]]], str]


def copy_documents(cursor, plan_: Plan, rows, refs: Refs, corpus) -> int:
    """COPY the planned rows `rows` (an iterable of indexes) into documents_document and the
    withheld passages of the partly open ones into documents_withheld. Returns the count."""
    titles, bodies = corpus
    this_year = plan_.now.year
    withheld = []
    open_texts: dict[int, str] = {}  # the public text of each body of the pool, once
    n = 0
    cols = ", ".join(COLUMNS)
    with cursor.copy(f"COPY documents_document ({cols}) FROM STDIN") as copy:
        for i in rows:
            pk = i + 1
            unit_pk, unit_name = refs.units[plan_.unit[i]]
            year = plan_.year(i)
            serial = plan_.serial[i]
            registered = FIRST_DAY + timedelta(seconds=plan_.registered[i])
            published = registered + timedelta(seconds=60 + (pk * 7919) % 540)
            grade = GRADES[plan_.grade[i]]
            body = bodies[plan_.body[i]]
            grounds = "[]"
            if grade == "open":
                public_text = open_texts.get(plan_.body[i])
                if public_text is None:
                    public_text = open_texts[plan_.body[i]] = refs.public_text(grade, body, [])
            elif grade == "partial":
                passage = f"{NAMES[pk % len(NAMES)]} (010-{pk % 9000 + 1000}-{pk % 7919:04d})"
                body += f"<p>담당자 {passage}에게 문의하십시오.</p>"
                withheld.append((pk, passage, "6"))
                grounds = '["6"]'
                public_text = refs.public_text(grade, body, [(passage, "6")])
            else:
                grounds = '["5"]'
                public_text = ""
            series_pk, retention = refs.series[pk % len(refs.series)]
            digest = f"{pk:064x}"
            public = f"documents/registered/{year}/{pk}-public.pdf" if grade != "closed" else ""
            copy.write_row(
                (
                    pk, unit_pk, refs.drafter, refs.types[pk % len(refs.types)], series_pk,
                    titles[plan_.title[i]], body, "", grade, grounds, "[]", "registered",
                    registered - timedelta(hours=2), published,
                    reg_no(unit_name, year, serial, this_year), year, serial, registered,
                    retention, False, f"documents/registered/{year}/{pk}-original.pdf", digest,
                    public, digest if public else "", published, public_text,
                )
            )  # fmt: skip
            n += 1
    with cursor.copy("COPY documents_withheld (document_id, passage, ground) FROM STDIN") as copy:
        for row in withheld:
            copy.write_row(row)
    return n
