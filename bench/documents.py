"""bench/documents — published documents (원문정보공개) at a million (issue #13, "Must show" 5).

One command, no arguments needed:

    .venv/bin/python bench/documents.py        # or: make bench-documents

1. Creates a scratch PostgreSQL database (`nara_bench_documents`), migrates it (production
   settings, DEBUG off) and collects the static files.
2. Creates two agencies with their divisions, document types, records classifications and a
   delegation table, then COPYs 10,000 registered and published documents (Korean titles and
   texts of the sample petitions in `--data`, default `../shared/data`, read at bench time):
   registration times over five years, serials per unit and year, numbers, grades mixed,
   withheld passages of the partly open ones (bench/_documents_data.py). ANALYZE.
3. Counts the SQL queries of each page in-process (second request) and measures it with
   granian and 32 concurrent keep-alive clients: the list, two searches (a word of four
   syllables and one of two), a division, an agency with its divisions, a month of
   registrations, the sixth page by cursor, a partly open document's page and the API's search.
4. Grows to 1,000,000 documents (the trigram indexes dropped during the COPY and built again
   after it, as a restore does), VACUUM ANALYZE, counts and measures again.
5. Prints both tables, the ratios and the goal check: the queries of each page the same at both
   sizes, p99 at 1,000,000 no more than 1.5 × p99 at 10,000.
6. 32 officials' approvals of 32 documents of one division at the same moment, through
   `nara.documents.services.document_decide` in 32 threads: the serials must follow the
   division's counter without a gap or a duplicate.
7. Drops the database (unless --keep). Exit status 1 when a goal is missed."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common  # noqa: E402
from bench import _documents_data as data  # noqa: E402
from bench.participation import count_queries  # noqa: E402

GOAL_P99_RATIO = 1.5
WORDS = ("어린이집", "교육")  # a rarer word of four syllables; a common word of two


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--documents", type=int, default=1_000_000, help="final number of documents")
    p.add_argument("--small", type=int, default=10_000, help="documents at the first measure")
    p.add_argument(
        "--data", default=str(common.ROOT.parent / "shared" / "data"), help="the sample data"
    )
    p.add_argument("--body-chars", type=int, default=300, help="longest body, in characters")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients")
    p.add_argument("--duration", type=float, default=10, help="seconds of load per page")
    p.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per page")
    p.add_argument("--port", type=int, default=0, help="granian's port (0: a free one)")
    p.add_argument("--workers", type=int, default=2, help="granian worker processes")
    p.add_argument("--threads", type=int, default=1, help="granian blocking threads per worker")
    p.add_argument("--approvals", type=int, default=32, help="concurrent final approvals")
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--db-name", default="nara_bench_documents")
    p.add_argument("--no-load", action="store_true", help="only count queries (no granian)")
    p.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each page's query")
    p.add_argument("--show-sql", action="store_true", help="print the SQL of each page")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--keep", action="store_true", help="keep the database")
    common.add_settings_args(p)
    args = p.parse_args(argv)
    if not 0 < args.small <= args.documents:
        p.error("--small must be between 1 and --documents")
    args.port = args.port or common.free_port()
    return args


T_START = time.monotonic()


def say(msg: str) -> None:
    print(f"[{time.monotonic() - T_START:6.1f} s] {msg}", flush=True)


# --- the world -------------------------------------------------------------------------------


class World:
    def __init__(self, args):
        self.args = args
        self.corpus = data.read_corpus(Path(args.data), args.body_chars)
        self.plan = data.plan(
            args.documents, titles=len(self.corpus[0]), bodies=len(self.corpus[1])
        )
        step = args.documents // args.small
        self.first = [i for i in range(0, args.documents, step)][: args.small]
        self.loaded = 0

    def build(self) -> None:
        from nara.accounts.models import User
        from nara.agencies.models import Membership, Unit
        from nara.documents.models import Classification, Delegation, DocumentType, Level

        units = {}
        for code, ko, en, parent, _weight in data.UNITS:
            kind = Unit.Kind.DEPARTMENT if parent else Unit.Kind.MINISTRY
            units[code] = Unit.objects.create(
                code=code, name_ko=ko, name_en=en, kind=kind, parent=units.get(parent)
            )
        self.units = [units[u[0]] for u in data.UNITS]
        types = [
            DocumentType.objects.create(code=c, name_ko=k, name_en=e) for c, k, e in data.TYPES
        ]
        for kind in types:
            Delegation.objects.create(document_type=kind, level=Level.UNIT)
        series = [
            Classification.objects.create(code=c, name_ko=k, name_en=e, retention=r)
            for c, k, e, r in data.SERIES
        ]
        self.drafter = User.objects.create_user(
            email="drafter@bench.nara.kr", password=None, email_confirmed=True
        )
        self.approver = User.objects.create_user(
            email="approver@bench.nara.kr", password=None, email_confirmed=True
        )
        self.approval_unit = units["bench-moe-child"]
        Membership.objects.create(
            user=self.drafter, unit=self.approval_unit, role=Membership.Role.HANDLER
        )
        Membership.objects.create(
            user=self.approver, unit=self.approval_unit, role=Membership.Role.APPROVER
        )
        self.types, self.series = types, series
        self.refs = data.Refs(
            units=[(u.pk, u.name_ko) for u in self.units],
            drafter=self.drafter.pk,
            types=[t.pk for t in types],
            series=[(s.pk, s.retention) for s in series],
            public_text=public_text,
        )

    def load(self, rows) -> int:
        from django.db import connection

        with connection.cursor() as cur:
            # the rows point at units, types and people created just before: no need for the
            # foreign keys' triggers to check each one (a restore does the same)
            cur.execute("SET session_replication_role = replica")
            n = data.copy_documents(cur.cursor, self.plan, rows, self.refs, self.corpus)
            cur.execute("RESET session_replication_role")
            cur.execute(
                "SELECT setval(pg_get_serial_sequence('documents_document', 'id'), %s)",
                [self.plan.size],
            )
        self.loaded += n
        return n

    def load_first(self) -> int:
        return self.load(self.first)

    def load_rest(self, *, parallel: bool = False) -> int:
        """The other planned rows, the search's GIN indexes dropped meanwhile and built again
        from their own definitions (`parallel`: each on a connection of its own, as a restore
        with several jobs; not inside a test's transaction)."""
        from django.db import connection

        first = set(self.first)
        with connection.cursor() as cur:
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = "
                "'documents_document' AND indexdef LIKE '%%USING gin%%'"
            )
            indexes = cur.fetchall()
            for name, _sql in indexes:
                cur.execute(f'DROP INDEX "{name}"')
        t0 = time.monotonic()
        n = self.load(i for i in range(self.plan.size) if i not in first)
        say(f"  COPY of {n:,} documents: {time.monotonic() - t0:.1f} s")
        t0 = time.monotonic()
        if parallel:
            threads = [
                threading.Thread(target=_build_index, args=(self.args, sql)) for _n, sql in indexes
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        else:
            with connection.cursor() as cur:
                for _name, sql in indexes:
                    cur.execute(sql)
        names = ", ".join(name for name, _sql in indexes)
        say(f"  GIN indexes built ({names}): {time.monotonic() - t0:.1f} s")
        return n

    def counters(self) -> None:
        """The units' registration counters, as the services would have left them."""
        from nara.documents.models import RegisterSerial

        RegisterSerial.objects.all().delete()
        RegisterSerial.objects.bulk_create(
            RegisterSerial(unit=self.units[u], year=year, last=last)
            for (u, year), last in self.plan.last_serials().items()
        )

    def pages(self) -> list[dict]:
        from nara.documents import selectors
        from nara.documents.models import Document

        list_path = "/open/documents/"
        qs = selectors.documents_published()
        cursor = ""
        for _page in range(5):  # "next" followed five times: the sixth page
            _rows, cursor = selectors.documents_page(qs, cursor=cursor)
        # a partly open document of the first load, in the middle: the same one at both sizes
        middle = self.first[len(self.first) // 2 :]
        pk = next(i + 1 for i in middle if data.GRADES[self.plan.grade[i]] == "partial")
        partial = Document.objects.values_list("reg_no", flat=True).get(pk=pk)
        year = self.plan.now.year - 2
        return [
            {"name": "list", "path": list_path},
            {"name": f"search {WORDS[0]}", "path": f"{list_path}?{urlencode({'q': WORDS[0]})}"},
            {"name": f"search {WORDS[1]}", "path": f"{list_path}?{urlencode({'q': WORDS[1]})}"},
            {"name": "division", "path": f"{list_path}?unit=bench-moe-youth"},
            {"name": "agency + divisions", "path": f"{list_path}?unit=bench-seoul"},
            {"name": "a month", "path": f"{list_path}?from={year}-03-01&to={year}-03-31"},
            {"name": "6th page (cursor)", "path": f"{list_path}?after={cursor}"},
            {"name": "document (partly open)", "path": f"{list_path}{quote(partial)}/"},
            {"name": "API search", "path": f"/api/v1/documents?{urlencode({'q': WORDS[0]})}"},
        ]


def _build_index(args, sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{args.db_url}/{args.db_name}", autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute(sql)


def public_text(grade: str, body: str, withheld: list[tuple[str, str]]) -> str:
    """publication.public_text of a document not saved: the same text functions, the grounds'
    labels in the site's language as the publication task writes them."""
    from django.conf import settings
    from django.utils import translation

    from nara.documents import text
    from nara.documents.grounds import Ground

    if grade == "closed":
        return ""
    if grade == "open":
        return text.plain_text(body)
    with translation.override(settings.LANGUAGE_CODE):
        labels = [(passage, str(Ground(code).label)) for passage, code in withheld]
    return text.plain_text(text.redact_html(body, labels))


# --- measures --------------------------------------------------------------------------------


def explain(pages: list[dict]) -> None:
    """EXPLAIN ANALYZE of each page's query of the documents (the slowest if several)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    for page in pages:
        client = Client(raise_request_exception=False)
        client.get(page["path"])
        with CaptureQueriesContext(connection) as ctx:
            client.get(page["path"])
        reads = [q for q in ctx.captured_queries if 'FROM "documents_document"' in q["sql"]]
        slowest = max(reads or ctx.captured_queries, key=lambda q: float(q["time"]))
        with connection.cursor() as cur:
            cur.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
            plan = "\n".join("    " + row[0] for row in cur.fetchall())
        print(f"\n--- {page['name']}: {slowest['sql'][:300]}…\n{plan}")


def load_pages(args, env: dict, tmp: Path, pages: list[dict]) -> dict:
    from django.db import connections

    connections.close_all()
    server = common.granian_start(
        env=env,
        port=args.port,
        workers=args.workers,
        threads=args.threads,
        log_path=tmp / "granian.log",
    )
    result = {}
    try:
        for page in pages:
            spec = {
                "port": args.port,
                "path": page["path"],
                # many people, as production's proxy names them: the rate limits count per person
                "headers": {"X-Forwarded-For": common.client_address(len(result) + 1)},
                "clients": args.clients,
                "duration": args.duration,
                "warmup": args.warmup,
            }
            r = result[page["name"]] = common.run_measured_load(server.proc.pid, spec)
            say(
                f"  {page['name']}: p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
                f"{r['rps']:.0f} req/s, non-200 {r['non_200']}"
            )
    finally:
        server.stop()
    return result


def measure(args, env, tmp, world: World, label: str) -> dict:
    pages = world.pages()
    say(f"counting queries ({label})")
    queries = count_queries(pages, args.show_sql)
    if args.explain:
        explain(pages)
    load = {} if args.no_load else load_pages(args, env, tmp, pages)
    return {"queries": queries, "load": load}


def approvals(args, world: World) -> dict:
    """`args.approvals` documents of one division submitted, then approved at the same moment
    by its approver in as many threads (each its own connection): the serials must continue the
    division's counter of this year without a gap or a duplicate."""
    from django.db import connection
    from django.utils import timezone

    from nara.documents import services
    from nara.documents.models import Document, RegisterSerial

    year = timezone.localdate().year
    before = (
        RegisterSerial.objects.filter(unit=world.approval_unit, year=year)
        .values_list("last", flat=True)
        .first()
        or 0
    )
    documents = []
    for i in range(args.approvals):
        document = services.document_save(
            by=world.drafter,
            data={
                "unit": world.approval_unit,
                "document_type": world.types[0],
                "classification": world.series[0],
                "title": f"벤치 결재 문서 {i + 1}",
                "body": "<p>동시 결재 시험 문서입니다.</p>",
                "grade": "open",
            },
        )
        services.document_submit(document=document, by=world.drafter)
        documents.append(document)
    barrier = threading.Barrier(len(documents), timeout=60)
    errors: list = [None] * len(documents)

    def decide(i: int) -> None:
        try:
            barrier.wait()
            services.document_decide(document=documents[i], by=world.approver, decision="approve")
        except Exception as error:
            errors[i] = repr(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(len(documents))]
    t0 = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=180)
    seconds = time.monotonic() - t0
    serials = sorted(
        Document.objects.filter(pk__in=[d.pk for d in documents]).values_list(
            "reg_serial", flat=True
        ),
        key=lambda s: s or 0,
    )
    expected = list(range(before + 1, before + len(documents) + 1))
    return {
        "before": before,
        "serials": serials,
        "errors": [e for e in errors if e],
        "seconds": seconds,
        "ok": serials == expected and not any(errors),
    }


# --- output ----------------------------------------------------------------------------------


def print_results(args, small: dict, large: dict) -> list[str]:
    """The table of both sizes; returns the goal failures."""
    print()
    print(
        f"DOCUMENTS: {args.small:,} vs {args.documents:,}; granian {args.workers} × "
        f"{args.threads}, {args.clients} clients, {args.warmup:g} + {args.duration:g} s per page"
    )
    headers = ["page", "queries", "p50 small", "p99 small", "p50 large", "p99 large"]
    headers += ["p99 ratio", "req/s small", "req/s large", "cpu ms large", "errors"]
    rows, failures = [], []
    for name, q_large in large["queries"].items():
        q_small = small["queries"][name]
        queries = f"{q_small['queries']} / {q_large['queries']}"
        if q_small["queries"] != q_large["queries"]:
            failures.append(f"queries grow: {name} ({queries})")
        for r in (q_small, q_large):
            if r["status"] != 200:
                failures.append(f"{name} answered {r['status']}")
        s, b = small["load"].get(name), large["load"].get(name)
        if not (s and b):
            rows.append([name, queries] + [""] * 9)
            continue
        ratio = b["p99"] / s["p99"]
        if ratio > GOAL_P99_RATIO:
            failures.append(f"p99 ratio {ratio:.2f} > {GOAL_P99_RATIO}: {name}")
        errors = s["non_200"] + s["conn_errors"] + b["non_200"] + b["conn_errors"]
        if errors:
            failures.append(f"errors under load: {name}")
        rows.append(
            [
                name, queries, f"{s['p50']:.1f}", f"{s['p99']:.1f}", f"{b['p50']:.1f}",
                f"{b['p99']:.1f}", f"{ratio:.2f}", f"{s['rps']:.0f}", f"{b['rps']:.0f}",
                f"{b['app_cpu_ms']:.1f} + {b['db_cpu_ms']:.1f}", errors,
            ]
        )  # fmt: skip
    print(common.fmt_table(headers, rows))
    for name, r in large["queries"].items():
        print(f"  {name}: {r['path']} (sql {small['queries'][name]['ms']} → {r['ms']} ms)")
    return failures


def print_verdict(args, failures: list[str], approved: dict | None) -> bool:
    print()
    queries = [f for f in failures if f.startswith("queries") or " answered " in f]
    print("FAIL " + "; ".join(queries) if queries else "PASS queries per page the same")
    if not args.no_load:
        slow = [f for f in failures if f.startswith(("p99", "errors"))]
        print("FAIL " + "; ".join(slow) if slow else f"PASS p99 ratio ≤ {GOAL_P99_RATIO}")
    if approved is not None:
        a = approved
        line = (
            f"{args.approvals} concurrent approvals in {a['seconds']:.1f} s: serials "
            f"{a['serials'][0]}…{a['serials'][-1]} after {a['before']:,}"
        )
        print(("PASS " if a["ok"] else "FAIL ") + line + "".join(f"\n  {e}" for e in a["errors"]))
        if not a["ok"]:
            failures.append("approvals")
    return not failures


# --- the run ---------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="nara-bench-docs-"))
    env = common.production_env(
        args.db_url, args.db_name, tmp, lab=args.lab_settings, redis=args.redis
    )
    say(f"settings: {common.settings_line(env)}")
    results: dict = {"settings": dict(vars(args))}
    try:
        common.start(args, env, say)
        from django.db import connection

        world = World(args)
        world.build()
        t0 = time.monotonic()
        world.load_first()
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        say(f"{world.loaded:,} documents loaded ({time.monotonic() - t0:.1f} s)")
        small = measure(args, env, tmp, world, f"{world.loaded:,}")

        t0 = time.monotonic()
        world.load_rest(parallel=True)
        world.counters()
        connection.close()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        load_s = time.monotonic() - t0
        say(f"grown to {world.loaded:,} documents (load time {load_s:.1f} s)")
        large = measure(args, env, tmp, world, f"{world.loaded:,}")
        results.update(small=small, large=large, load_seconds=load_s)
        failures = print_results(args, small, large)

        approved = None
        if args.approvals:
            say(f"{args.approvals} concurrent final approvals")
            approved = results["approvals"] = approvals(args, world)
        ok = results["ok"] = print_verdict(args, failures, approved)
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        say(f"done in {time.monotonic() - T_START:.0f} s")
        return 0 if ok else 1
    finally:
        common.finish(args, None, tmp, say)


if __name__ == "__main__":
    sys.exit(main())
