"""bench/signatures's in-process profile: the WSGI application called directly, as granian
would, on the CPU clock: the signed-in signing request below and past the refer threshold,
each step of the e-mail path and the other petition's page (SQL, wall time, CPU in Django and
in the PostgreSQL backend, cProfile by package and function)."""

from __future__ import annotations

import json
import secrets
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bench import _common as common
from bench.sig_loadgen import CONFIRM_RE, HOST, SIGNER_MAIL_DOMAIN, confirm_post

if TYPE_CHECKING:
    from bench.signatures import World


_IN_PROCESS_PEOPLE = iter(range(12_000_000, 16_000_000))


def wsgi_call(app, method: str, path: str, headers: dict | None = None, body: bytes = b""):
    """Call the WSGI application as granian would behind production's proxy, each call from a
    person of its own (X-Forwarded-For: the per-address rate limits are on); → (status,
    headers, body)."""
    import io

    headers = {
        "X-Forwarded-For": common.client_address(next(_IN_PROCESS_PEOPLE)),
        **(headers or {}),
    }
    path, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SERVER_NAME": HOST,
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": HOST,
        "HTTP_HOST": HOST,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_LENGTH"] = str(len(body))
    for k, v in (headers or {}).items():
        key = k.upper().replace("-", "_")
        environ[key if key in ("CONTENT_TYPE", "CONTENT_LENGTH") else f"HTTP_{key}"] = v
    got = {}

    def start_response(status, response_headers, exc_info=None):
        got["status"] = int(status.split()[0])
        got["headers"] = response_headers

    result = app(environ, start_response)
    try:
        content = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return got["status"], got["headers"], content


def _package_of(filename: str) -> str:
    f = filename.replace("\\", "/")
    for mark, name in (
        ("/nara/", "nara (the app)"),
        ("/django/db/", "django.db (ORM)"),
        ("/django/", "django (other)"),
        ("/ninja/", "django-ninja"),
        ("/pydantic", "pydantic"),
        ("/psycopg", "psycopg"),
    ):
        if mark in f:
            return name
    if f.startswith("~") or f.startswith("<"):
        return "builtins (C)"
    return "python stdlib/other"


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT pg_backend_pid()")
        return cur.fetchone()[0]


def _pid_cpu(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / common.CLK_TCK


def profile_signing(world: World, n: int) -> dict:
    """Sign n times in-process on the probe petition (and n on the past-refer one): queries,
    wall and CPU time per request, cProfile by package and the top functions."""
    import cProfile
    import io
    import pstats

    from django.core.wsgi import get_wsgi_application
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from nara.wsgi import with_surge_path

    django_app = get_wsgi_application()
    app = with_surge_path(django_app)  # what granian serves (nara.wsgi.application)
    out: dict = {}
    # Django's own minimum on this machine: /healthz is the middleware and one SELECT 1
    for _ in range(50):
        wsgi_call(app, "GET", "/healthz")
    c0, w0 = time.process_time(), time.perf_counter()
    for _ in range(n):
        wsgi_call(app, "GET", "/healthz")
    out["django /healthz"] = {
        "wall_ms": 1000 * (time.perf_counter() - w0) / n,
        "cpu_ms": 1000 * (time.process_time() - c0) / n,
    }
    for label, petition in (("below refer", world.probe), ("past refer", world.past_refer)):
        path = f"/api/v1/petitions/{petition.pk}/signatures"
        ids = list(world.take(n))
        headers = lambda i: {  # noqa: E731
            "Authorization": f"Bearer {world.token(i)}",
            "Content-Type": "application/json",
        }
        warm = ids[:20]
        statuses: dict[int, int] = {}
        for i in warm:
            st, _h, body = wsgi_call(app, "POST", path, headers(i), b"{}")
            statuses[st] = statuses.get(st, 0) + 1
        if set(statuses) != {201}:
            out[label] = {"error": f"signing in-process answered {statuses}: {body[:300]!r}"}
            continue
        with CaptureQueriesContext(connection) as ctx:
            st, _h, body = wsgi_call(app, "POST", path, headers(ids[20]), b"{}")
        queries = [q["sql"] for q in ctx.captured_queries]
        rest = ids[21:]
        # CPU time, not wall time: on a shared machine the wall clock also counts the time
        # this process waits for a core; the wait on PostgreSQL is wall − CPU (below)
        prof = cProfile.Profile(time.process_time) if label == "below refer" else None
        c0, w0 = time.process_time(), time.perf_counter()
        if prof:
            prof.enable()
        for i in rest:
            st, _h, _b = wsgi_call(app, "POST", path, headers(i), b"{}")
            statuses[st] = statuses.get(st, 0) + 1
        if prof:
            prof.disable()
        cpu, wall = time.process_time() - c0, time.perf_counter() - w0
        # the same again without the profiler: its overhead distorts the times. The database's
        # CPU is that of this connection's backend process.
        plain = list(world.take(n // 2))
        pid = _backend_pid()
        b1 = _pid_cpu(pid)
        c1, w1 = time.process_time(), time.perf_counter()
        for i in plain:
            wsgi_call(app, "POST", path, headers(i), b"{}")
        cpu_plain, wall_plain = time.process_time() - c1, time.perf_counter() - w1
        db_cpu = _pid_cpu(pid) - b1 if pid == _backend_pid() else float("nan")
        entry = {
            "requests": len(rest),
            "statuses": statuses,
            "queries": queries,
            "response": body.decode("utf-8", "replace")[:300],
            "wall_ms": 1000 * wall_plain / max(1, len(plain)),
            "cpu_ms": 1000 * cpu_plain / max(1, len(plain)),
            "db_cpu_ms": 1000 * db_cpu / max(1, len(plain)),
            "profiled_wall_ms": 1000 * wall / max(1, len(rest)),
            "profiled_cpu_ms": 1000 * cpu / max(1, len(rest)),
        }
        if prof:
            stats = pstats.Stats(prof)
            total = sum(v[2] for v in stats.stats.values())  # tottime
            by_pkg: dict[str, float] = {}
            for (filename, _line, _fn), v in stats.stats.items():
                by_pkg[_package_of(filename)] = by_pkg.get(_package_of(filename), 0) + v[2]
            entry["by_package_ms"] = {
                k: 1000 * v / len(rest) for k, v in sorted(by_pkg.items(), key=lambda x: -x[1])
            }
            entry["profiled_total_ms"] = 1000 * total / len(rest)
            cum = {}
            for (filename, line, fn), v in stats.stats.items():
                cum[f"{Path(filename).name}:{line}({fn})"] = (v[3], v[2], v[1])
            entry["top_cumulative"] = [
                (k, 1000 * c / len(rest), 1000 * t / len(rest), calls / len(rest))
                for k, (c, t, calls) in sorted(cum.items(), key=lambda x: -x[1][0])[:45]
            ]
            entry["top_tottime"] = [
                (k, 1000 * c / len(rest), 1000 * t / len(rest), calls / len(rest))
                for k, (c, t, calls) in sorted(cum.items(), key=lambda x: -x[1][1])[:25]
            ]
            buf = io.StringIO()
            pstats.Stats(prof, stream=buf).sort_stats("cumulative").print_stats(60)
            pstats.Stats(prof, stream=buf).sort_stats("tottime").print_callers(12)
            entry["pstats_text"] = buf.getvalue()
        out[label] = entry
    out.update(profile_other_paths(app, world, max(50, n // 5)))
    return out


def _measure(app, calls: list) -> dict:
    """Run the (method, path, headers, body) calls: per call wall, Django CPU and the CPU of
    the PostgreSQL backend; the SQL of the last one; the statuses."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    statuses: dict[str, int] = {}
    pid = _backend_pid()
    b0, c0, w0 = _pid_cpu(pid), time.process_time(), time.perf_counter()
    for method, path, headers, body in calls[:-1]:
        st, _h, _b = wsgi_call(app, method, path, headers, body)
        statuses[str(st)] = statuses.get(str(st), 0) + 1
    n = max(1, len(calls) - 1)
    result = {
        "wall_ms": 1000 * (time.perf_counter() - w0) / n,
        "cpu_ms": 1000 * (time.process_time() - c0) / n,
        "db_cpu_ms": 1000 * (_pid_cpu(pid) - b0) / n if pid == _backend_pid() else float("nan"),
    }
    with CaptureQueriesContext(connection) as ctx:
        st, _h, body = wsgi_call(app, *calls[-1])
    statuses[str(st)] = statuses.get(str(st), 0) + 1
    result.update(statuses=statuses, queries=[q["sql"] for q in ctx.captured_queries])
    result["last_body"] = body
    return result


def profile_other_paths(app, world: World, n: int) -> dict:
    """The e-mail path step by step, and the other petition's page, in-process."""
    from django.db import connection

    out = {}
    path = f"/api/v1/petitions/{world.probe.pk}/signatures"
    region = world.regions[3][1]
    tag = secrets.token_hex(3)
    emails = [f"prof{tag}-{i}@p{i}.{SIGNER_MAIL_DOMAIN}" for i in range(n + 10)]
    json_h = {"Content-Type": "application/json"}
    for e in emails[:10]:  # warm-up
        wsgi_call(
            app,
            "POST",
            path,
            json_h,
            json.dumps({"name": "김", "email": e, "region": region}).encode(),
        )
    submit = _measure(
        app,
        [
            (
                "POST",
                path,
                json_h,
                json.dumps({"name": "김", "email": e, "region": region}).encode(),
            )
            for e in emails[10:]
        ],
    )
    out["e-mail: submit (POST …/signatures, 202)"] = submit
    with connection.cursor() as cur:
        cur.execute(
            "SELECT to_email, body FROM notifications_outboxmessage WHERE to_email LIKE %s",
            [f"prof{tag}-%"],
        )
        tokens = {
            e: CONFIRM_RE.search(b).group(1) for e, b in cur.fetchall() if CONFIRM_RE.search(b)
        }
    pages = [f"/petitions/confirm/{tokens[e]}/" for e in emails[10:] if e in tokens]
    if len(pages) < 2:
        return out
    ko, en = {"Accept-Language": "ko"}, {"Accept-Language": "en"}
    out["e-mail: confirm page (GET, 200)"] = _measure(app, [("GET", p, ko, b"") for p in pages])
    post = confirm_post(
        out["e-mail: confirm page (GET, 200)"]["last_body"].decode("utf-8", "replace"),
        pages[-1],
        [],
    )
    if post:
        action, headers, form = post
        out["e-mail: Confirm (POST, 200 'counted')"] = _measure(
            app, [("POST", p, {**headers, **en}, form) for p in pages]
        )
    other = f"/petitions/{world.other.pk}/"
    out["other petition's page (GET, 200)"] = _measure(app, [("GET", other, ko, b"")] * n)
    for e in out.values():
        e.pop("last_body", None)
    return out


def print_profile(prof: dict) -> None:
    print()
    print("IN-PROCESS PROFILE (the WSGI app called directly, one thread, production settings,")
    print("PostgreSQL; per request): the signed-in signing request, then the e-mail path and the")
    print("other petition's page")
    for label, e in prof.items():
        print()
        if label == "django /healthz":
            print(
                f"[{label}] the middleware and one SELECT 1, for comparison: wall "
                f"{e['wall_ms']:.2f} ms, CPU {e['cpu_ms']:.2f} ms"
            )
            continue
        if "error" in e:
            print(f"[{label}] {e['error']}")
            continue
        if "statuses" in e and "requests" not in e:
            print(
                f"[{label}] {len(e['queries'])} SQL queries; wall {e['wall_ms']:.2f} ms; CPU "
                f"{e['cpu_ms']:.2f} ms in Django, {e['db_cpu_ms']:.2f} ms in PostgreSQL; "
                f"answers {e['statuses']}"
            )
            for q in e["queries"]:
                print(f"    {' '.join(q.split())[:160]}")
            continue
        print(
            f"[{label}] {len(e['queries'])} SQL queries; wall {e['wall_ms']:.2f} ms; CPU "
            f"{e['cpu_ms']:.2f} ms in Django (+ psycopg client side), "
            f"{e['db_cpu_ms']:.2f} ms in its PostgreSQL backend; the rest of the wall time "
            f"({max(0.0, e['wall_ms'] - e['cpu_ms'] - e['db_cpu_ms']):.2f} ms) is waiting "
            f"(WAL flush at commit, scheduling)"
        )
        for q in e["queries"]:
            print(f"    {' '.join(q.split())[:160]}")
        if "by_package_ms" in e:
            print(
                f"  own CPU time by package (cProfile, CPU clock, {e['profiled_total_ms']:.2f} ms/request):"
            )
            for k, v in e["by_package_ms"].items():
                print(f"    {k:<24} {v:6.3f} ms")
            print("  top functions by cumulative CPU time (ms per request; calls per request):")
            for name, c, t, calls in e["top_cumulative"][:40]:
                print(f"    {c:7.3f} cum  {t:6.3f} own  {calls:5.1f}×  {name}")
