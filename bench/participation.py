"""bench/participation — policy participation at scale (issue #4, "Must show" 3).

One command, no arguments needed:

    .venv/bin/python bench/participation.py        # or: make bench-participation

1. Creates a scratch PostgreSQL database (`nara_bench_part`), migrates it (production settings,
   DEBUG off) and collects the static files.
2. Publishes a national draft rule for comment through the service (12 articles of 3
   paragraphs, half of them amending a current text, so the page shows word differences) and
   loads 1,000 published comments spread over the articles, the whole draft and the three
   stances (bulk_create, counts recomputed as the moderation callback keeps them). Seeds two
   knapsack budgets in their voting phase with `bench/_budget_data.seed_budget`: 50 and 500
   projects; one resident voter signed in by a session created directly.
3. Counts the SQL queries of each page in-process (second request): the draft page, a middle
   comment page filtered by article, and the ballot page.
4. Grows the comments to 20,000 (the 500-project budget is the large ballot), runs
   VACUUM ANALYZE and counts again.
5. Serves the app with granian and runs 32 concurrent keep-alive clients against each page
   (anonymous draft and comment pages come from the public page cache, rebuilt at most every
   NARA_PUBLIC_CACHE_SECONDS as petitions' pages are; the "signed in" rows build the page on
   every request)
   (3 s warm-up, 15 s measured); prints p50/p90/p99, requests/s, errors and CPU per request.
6. Prints the goal check (p99 < 150 ms on every page, query counts the same at both sizes),
   stops granian and drops the database (unless --keep). Exit status 1 when a goal is missed."""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _common as common  # noqa: E402
from bench.complaints import NUMBERS, session_for  # noqa: E402

GOAL_P99_MS = 150
ARTICLES = 12


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--comments", type=int, default=20_000, help="final number of comments")
    p.add_argument("--small", type=int, default=1_000, help="comments at the first count")
    p.add_argument("--projects", type=int, default=500, help="projects of the large budget")
    p.add_argument("--small-projects", type=int, default=50, help="projects of the small budget")
    p.add_argument("--authors", type=int, default=2_000, help="citizens who wrote the comments")
    p.add_argument("--clients", type=int, default=32, help="concurrent clients")
    p.add_argument(
        "--duration", type=float, help="seconds of load per page (default 15; 8 with --ab)"
    )
    p.add_argument("--warmup", type=float, default=3, help="seconds of warm-up per page")
    p.add_argument("--think-ms", type=float, default=0.0, help="mean pause between requests")
    p.add_argument("--port", type=int, default=0, help="granian's port (0: a free one)")
    p.add_argument("--workers", type=int, default=2, help="granian worker processes")
    p.add_argument(
        "--threads",
        type=int,
        default=1,
        help="granian blocking threads per worker (pages are CPU-bound: one measured best)",
    )
    p.add_argument("--db-url", default="postgres://postgres@127.0.0.1:5432")
    p.add_argument("--db-name", default="nara_bench_part")
    p.add_argument("--no-budget", action="store_true", help="skip the budget (consultation only)")
    p.add_argument("--no-load", action="store_true", help="only count queries")
    p.add_argument("--show-sql", action="store_true", help="print the SQL of each page")
    p.add_argument("--json", help="also write the results to this file")
    p.add_argument("--keep", action="store_true", help="keep the database")
    common.add_settings_args(p)
    common.add_ab_args(p)
    args = p.parse_args(argv)
    if args.duration is None:
        args.duration = 8 if args.ab else 15
    args.port = args.port or common.free_port()
    return args


T_START = time.monotonic()


def say(msg: str) -> None:
    print(f"[{time.monotonic() - T_START:6.1f} s] {msg}", flush=True)


# --- the data ------------------------------------------------------------------------------------

WORDS = (
    "도로 보수 기한 신고 관리청 포트홀 안전 예산 주민 보행자 차로 공사 안내 결과 공개 "
    "분기 인력 긴급 임시 포장 야간 교통 통제 알림 민원 처리 점검 개선 기준 책임"
).split()


def sentence(rng: random.Random, n: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n)) + "."


def draft_text(rng: random.Random):
    from nara.participation.consultations.text import ParsedArticle, ParsedParagraph

    articles = []
    for i in range(1, ARTICLES + 1):
        paragraphs = []
        for j, mark in enumerate("①②③"):
            text = sentence(rng, 18)
            current = ""
            if i % 2 == 0:  # an amended article: a few words differ from the text in force
                words = text.split()
                for k in rng.sample(range(len(words)), 4):
                    words[k] = rng.choice(WORDS)
                current = " ".join(words)
            paragraphs.append(ParsedParagraph(mark, text, current))
            del j
        articles.append(ParsedArticle(f"제{i}조", f"조문 {i}", paragraphs))
    return articles


class World:
    def __init__(self, args):
        self.args = args
        self.rng = random.Random(7)

    def build(self) -> None:
        from nara.accounts.models import User
        from nara.agencies.models import Membership, Unit
        from nara.participation.consultations import services

        ministry = Unit.objects.create(
            code="bench-molit", name_ko="국토교통부", name_en="MOLIT", kind=Unit.Kind.MINISTRY
        )
        roads = Unit.objects.create(
            code="bench-molit-roads",
            name_ko="도로정책과",
            name_en="Road Policy Division",
            kind=Unit.Kind.DEPARTMENT,
            parent=ministry,
        )
        self.official = User.objects.create_user(
            email="handler@bench.nara.kr", password=None, email_confirmed=True
        )
        Membership.objects.create(user=self.official, unit=roads, role=Membership.Role.HANDLER)
        User.objects.bulk_create(
            User(email=f"author{i}@bench.nara.kr", email_confirmed=True, password="!")
            for i in range(self.args.authors)
        )
        self.authors = list(
            User.objects.filter(email__startswith="author").values_list("pk", flat=True)
        )
        self.voter = User.objects.create_user(
            email="voter@bench.nara.kr", password=None, email_confirmed=True
        )
        self.consultation = services.consultation_create(
            unit=roads,
            title="도로 파손 신고 및 보수에 관한 규칙 일부개정령안 (벤치)",
            summary=sentence(self.rng, 40),
            articles=draft_text(self.rng),
            current_text_ref="도로 파손 신고 및 보수에 관한 규칙",
            by=self.official,
            slug="bench-draft",
        )
        self.articles = list(self.consultation.articles.order_by("order"))
        self.made = 0

    def add_comments(self, n: int) -> None:
        """Published comments: 1 in 8 on the whole draft, the rest over the articles, stances
        mixed; counts recomputed as the moderation callback keeps them."""
        from django.utils import timezone

        from nara.participation.consultations import services
        from nara.participation.consultations.models import Comment, Stance
        from nara.participation.models import ModerationStatus

        stances = [Stance.SUPPORT, Stance.SUPPORT, Stance.OPPOSE, Stance.NEUTRAL]
        now = timezone.now()
        batch = []
        for i in range(self.made, self.made + n):
            article = None if i % 8 == 0 else self.articles[i % len(self.articles)]
            batch.append(
                Comment(
                    consultation=self.consultation,
                    article=article,
                    stance=stances[i % len(stances)],
                    body=sentence(self.rng, self.rng.randint(10, 60)),
                    author_id=self.authors[i % len(self.authors)],
                    moderation_status=ModerationStatus.PUBLISHED,
                    submitted_at=now,
                    moderated_at=now,
                )
            )
        Comment.objects.bulk_create(batch, batch_size=2000)
        self.made += n
        services.counts_recompute(consultation=self.consultation)
        self.consultation.refresh_from_db()
        for article in self.articles:
            article.refresh_from_db()

    def comment_page_path(self) -> str:
        """A middle page of the comments on the busiest article."""
        from nara.participation.consultations.selectors import PAGE_SIZE

        article = max(self.articles, key=lambda a: (a.comment_count, -a.order))
        pages = max(1, -(-article.comment_count // PAGE_SIZE))
        return (
            f"/participation/consultations/{self.consultation.pk}/comments/"
            f"?article={article.pk}&page={max(1, pages // 2)}"
        )

    def draft_path(self) -> str:
        return f"/participation/consultations/{self.consultation.pk}/"


def seed_budgets(world: World, args) -> dict:
    try:
        from bench._budget_data import seed_budget
    except ImportError as error:
        say(f"budget skipped: bench/_budget_data.py not importable ({error})")
        return {}
    out = {}
    for name, n in (("small", args.small_projects), ("large", args.projects)):
        t0 = time.monotonic()
        seeded = seed_budget(projects=n, voters=[world.voter], slug=f"bench-budget-{name}")
        say(f"budget with {n} projects ({time.monotonic() - t0:.1f} s): {seeded['ballot_url']}")
        out[name] = seeded
    return out


# --- queries -----------------------------------------------------------------------------------


def count_queries(page_list: list[dict], show_sql: bool) -> dict:
    """Queries per page, in-process, second request (the first may fill per-process caches)."""
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    result = {}
    for page in page_list:
        client = Client(raise_request_exception=False)
        if page.get("session"):
            client.cookies[settings.SESSION_COOKIE_NAME] = page["session"]
        client.get(page["path"])
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(page["path"])
        sqls = [q["sql"] for q in ctx.captured_queries]
        shapes = Counter(NUMBERS.sub("?", s) for s in sqls)
        body = response.content
        result[page["name"]] = {
            "path": page["path"],
            "status": response.status_code,
            "queries": len(sqls),
            "repeated": sum(n - 1 for n in shapes.values() if n > 1),
            "bytes": len(body),
            "ms": round(sum(float(q["time"]) for q in ctx.captured_queries) * 1000, 1),
        }
        if show_sql:
            print(f"\n--- {page['name']} {page['path']} ({len(sqls)} queries)")
            for s in sqls:
                print("  ", s[:400])
    return result


def page_list(world: World, budgets: dict, session: str, size: str) -> list[dict]:
    pages = [
        {"name": "draft page", "path": world.draft_path()},
        {"name": "comment page (middle, by article)", "path": world.comment_page_path()},
        # signed in: never from the public page cache (anonymous visitors' pages are cached
        # for NARA_PUBLIC_CACHE_SECONDS, as petitions' are): the cost of building the page
        {"name": "draft page (signed in)", "path": world.draft_path(), "session": session},
        {
            "name": "comment page (signed in)",
            "path": world.comment_page_path(),
            "session": session,
        },
    ]
    if size in budgets:
        pages.append(
            {"name": "ballot page", "path": budgets[size]["ballot_url"], "session": session}
        )
    return pages


# --- load --------------------------------------------------------------------------------------


def load_page(args, server, page: dict) -> dict:
    import urllib.request

    headers = {"Cookie": f"sessionid={page['session']}"} if page.get("session") else {}
    req = urllib.request.Request(f"http://127.0.0.1:{args.port}{page['path']}", headers=headers)
    with urllib.request.urlopen(req, timeout=30) as r:  # fails loudly on 4xx/5xx
        if r.status != 200 or r.url != req.full_url:
            raise RuntimeError(f"{page['path']}: {r.status} {r.url}")
    spec = {
        "port": args.port,
        "path": page["path"],
        "headers": headers,
        "clients": args.clients,
        "duration": args.duration,
        "warmup": args.warmup,
        "think_ms": args.think_ms,
    }
    result = common.run_measured_load(server.proc.pid, spec)
    return result


def run_ab(args, env: dict, tmp: Path, pages: list[dict]) -> dict:
    """Each page under the same load with everything on and with each switch off (bench/README.md,
    "A/B"), a fresh granian per variant."""

    start_server = common.ab_server_starter(args, env, tmp / "granian.log")

    def measure(server) -> dict:
        return {page["name"]: common.ab_figures(load_page(args, server, page)) for page in pages}

    results = common.run_ab(args, start_server=start_server, measure=measure, say=say)
    return common.print_ab(
        f"A/B at {args.comments:,} comments / {args.projects} projects: granian {args.workers} × "
        f"{args.threads}, {args.clients} clients, {args.warmup:g} + {args.duration:g} s per page, "
        f"{args.ab_rounds} rounds; {common.settings_line(env)}",
        results,
    )


# --- output ------------------------------------------------------------------------------------


def print_counts(args, small: dict, large: dict, budgets: dict) -> None:
    print()
    print(
        f"SQL QUERIES PER PAGE (in-process, DEBUG off): {args.small:,} vs {args.comments:,} "
        f"comments; ballot: {args.small_projects} vs {args.projects} projects"
    )
    rows = []
    for name in large:
        s, b = small.get(name), large[name]
        if s is None:
            continue
        rows.append(
            [
                name,
                s["status"],
                s["queries"],
                b["status"],
                b["queries"],
                b["repeated"],
                b["ms"],
                b["bytes"],
                "same" if s["queries"] == b["queries"] else f"{b['queries'] - s['queries']:+d}",
            ]
        )
    print(
        common.fmt_table(
            [
                "page",
                "http small",
                "queries small",
                "http large",
                "queries large",
                "repeated-shape",
                "sql ms",
                "bytes",
                "growth",
            ],
            rows,
        )
    )
    for name, r in large.items():
        print(f"  {name}: {r['path']}")


def print_load(args, load: dict) -> None:
    print()
    print(
        f"LATENCY at {args.comments:,} comments / {args.projects} projects: granian "
        f"{args.workers} workers × {args.threads} threads, {args.clients} concurrent keep-alive "
        f"clients, {args.duration:g} s per page after {args.warmup:g} s warm-up"
        + (f", think time {args.think_ms:g} ms" if args.think_ms else ", no think time")
    )
    rows = [common.load_cells(name, r) for name, r in load.items()]
    print(common.fmt_table(common.LOAD_HEADERS, rows))


def verdict(args, small: dict, large: dict, load: dict, budgets: dict) -> bool:
    print()
    ok = True
    bad = [n for n, r in {**small, **large}.items() if r["status"] != 200]
    if bad:
        ok = False
        print(f"FAIL pages not answering 200: {', '.join(sorted(set(bad)))}")
    grown = [n for n in large if n in small and large[n]["queries"] != small[n]["queries"]]
    if grown:
        ok = False
        print(f"FAIL query count grows with the data: {', '.join(grown)}")
    else:
        print("OK   query count of every page is the same at both data sizes")
    if not budgets and not args.no_budget:
        ok = False
        print("FAIL the ballot page was not measured (no budget data)")
    if load:
        slow = [n for n, r in load.items() if not r["p99"] < GOAL_P99_MS]
        errors = [n for n, r in load.items() if r["non_200"] or r["conn_errors"]]
        if slow:
            ok = False
            print(f"FAIL p99 >= {GOAL_P99_MS} ms at {args.clients} clients: {', '.join(slow)}")
        else:
            print(f"OK   p99 under {GOAL_P99_MS} ms on every page at {args.clients} clients")
        if errors:
            ok = False
            print(f"FAIL errors under load: {', '.join(errors)}")
    return ok


# --- the run -----------------------------------------------------------------------------------


def main(argv=None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="nara-bench-part-"))
    env = common.production_env(
        args.db_url, args.db_name, tmp, lab=args.lab_settings, redis=args.redis
    )
    say(f"settings: {common.settings_line(env)}")
    server = None
    results: dict = {"settings": dict(vars(args))}
    t_all = time.monotonic()
    try:
        common.start(args, env, say)
        from django.db import connection

        world = World(args)
        world.build()
        t0 = time.monotonic()
        world.add_comments(args.small)
        say(
            f"draft with {ARTICLES} articles, {args.small:,} comments ({time.monotonic() - t0:.1f} s)"
        )
        budgets = {} if args.no_budget else seed_budgets(world, args)
        session = session_for(world.voter, official=False)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
        say("counting queries (small)")
        small = count_queries(page_list(world, budgets, session, "small"), args.show_sql)

        t0 = time.monotonic()
        world.add_comments(args.comments - args.small)
        say(f"grown to {args.comments:,} comments ({time.monotonic() - t0:.1f} s)")
        connection.close()
        with connection.cursor() as cur:
            cur.execute("VACUUM ANALYZE")
        say("counting queries (large)")
        large_pages = page_list(world, budgets, session, "large")
        large = count_queries(large_pages, args.show_sql)
        # The ballot's small and large rows have the same name: compare them as one page.
        results.update(queries={"small": small, "large": large})
        print_counts(args, small, large, budgets)

        load: dict = {}
        if args.ab:
            connection.close()
            results["ab"] = run_ab(args, env, tmp, large_pages)
        elif not args.no_load:
            connection.close()
            say(f"granian: {args.workers} workers × {args.threads} threads on port {args.port}")
            server = common.granian_start(
                env=env,
                port=args.port,
                workers=args.workers,
                threads=args.threads,
                log_path=tmp / "granian.log",
            )
            for page in large_pages:
                r = load[page["name"]] = load_page(args, server, page)
                say(
                    f"{page['name']}: p50 {r['p50']:.1f} ms, p99 {r['p99']:.1f} ms, "
                    f"{r['rps']:.0f} req/s, non-200 {r['non_200']}"
                )
            server.stop()
            server = None
            results["load"] = load
            print_load(args, load)
        ok = verdict(args, small, large, load, budgets)
        if args.ab:
            ok = common.ab_ok(results["ab"]) and ok
        results["ok"] = ok
        if args.json:
            Path(args.json).write_text(json.dumps(results, indent=2, default=str))
        say(f"done in {time.monotonic() - t_all:.0f} s")
        return 0 if ok else 1
    finally:
        common.finish(args, server, tmp, say)


if __name__ == "__main__":
    sys.exit(main())
