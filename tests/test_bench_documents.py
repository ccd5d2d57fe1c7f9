"""bench/documents.py at a tiny size, so that a broken bench is caught here: the planned rows
(serials per unit and year without a gap, unique registration numbers), and on PostgreSQL the
COPY of 200 documents in two steps (the search indexes dropped and built again) and every
measured page answering with the same number of queries at both sizes. The measures under
load need granian and a million documents: `make bench-documents`, bench/README.md."""

from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection

from bench import _documents_data as data
from bench import documents as bench

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
needs_data = pytest.mark.skipif(not DATA.exists(), reason="no sample data in ../shared/data")


def test_serials_follow_each_other_per_unit_and_year_and_numbers_are_unique():
    plan = data.plan(3000, titles=10, bodies=10, seed=1)
    assert list(plan.registered) == sorted(plan.registered)
    per_key = Counter()
    numbers = set()
    for i in range(plan.size):
        key = (plan.unit[i], plan.year(i))
        per_key[key] += 1
        assert plan.serial[i] == per_key[key]  # 1, 2, 3… in registration order
        name = data.UNITS[plan.unit[i]][1]
        numbers.add(data.reg_no(name, plan.year(i), plan.serial[i], plan.now.year))
    assert len(numbers) == plan.size
    assert plan.last_serials() == dict(per_key)
    assert len({plan.year(i) for i in range(plan.size)}) >= 4  # spread over the years


@needs_data
def test_the_corpus_is_korean_text_as_bodies_are_stored():
    titles, bodies = data.read_corpus(DATA, 300)
    assert len(titles) > 50_000 and len(bodies) > 1_000
    assert all(b.startswith("<p>") and b.endswith("</p>") for b in bodies[:100])
    assert max(len(b) for b in bodies) <= 300 + len("<p></p>") + 300  # escaped & at worst


@needs_data
@pytest.mark.django_db
def test_a_tiny_run_counts_the_same_queries_at_both_sizes():
    if connection.vendor != "postgresql":
        pytest.skip("COPY and the trigram indexes: PostgreSQL (the second pass of make test)")
    args = SimpleNamespace(data=str(DATA), body_chars=200, documents=200, small=50, show_sql=False)
    world = bench.World(args)
    world.build()
    assert world.load_first() == 50
    small = bench.count_queries(world.pages(), False)
    world.load_rest()
    world.counters()
    large = bench.count_queries(world.pages(), False)
    assert world.loaded == 200
    for name, page in large.items():
        assert page["status"] == 200 == small[name]["status"], name
        assert page["queries"] == small[name]["queries"], name
