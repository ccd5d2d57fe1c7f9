"""Shared pieces of Nara's benchmarks: a scratch PostgreSQL database, a granian server, and a small
HTTP/1.1 load generator that runs in its own process.

Nothing here imports Django: the load generator must stay light, and the database helpers run
before Django is set up."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = str(ROOT / ".venv" / "bin" / "python")
GRANIAN = str(ROOT / ".venv" / "bin" / "granian")


# --- PostgreSQL ------------------------------------------------------------------------------


def pg_admin(url: str, sql: str) -> None:
    """Run one statement on the server's `postgres` database, outside a transaction."""
    from urllib.parse import urlsplit, urlunsplit

    import psycopg

    parts = urlsplit(url)
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql)


def db_recreate(url: str, name: str) -> None:
    db_drop(url, name)
    pg_admin(url, f'CREATE DATABASE "{name}"')


def db_drop(url: str, name: str) -> None:
    pg_admin(url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


# --- CPU accounting (Linux /proc) --------------------------------------------------------------

CLK_TCK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def machine_cpu() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine since boot."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    total = sum(fields[:8])
    return total - idle, total


def tree_cpu_seconds(pid: int) -> float:
    """User+system CPU seconds of a process and all its descendants (alive ones)."""
    total = 0.0
    for p in _descendants(pid) | {pid}:
        try:
            with open(f"/proc/{p}/stat") as f:
                parts = f.read().rsplit(")", 1)[1].split()
            total += (int(parts[11]) + int(parts[12])) / CLK_TCK
        except (FileNotFoundError, ProcessLookupError, IndexError):
            pass
    return total


def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    found, frontier = set(), [pid]
    while frontier:
        nxt = []
        for p in frontier:
            for c in children.get(p, []):
                if c not in found:
                    found.add(c)
                    nxt.append(c)
        frontier = nxt
    return found


def postgres_cpu_seconds() -> float:
    """CPU seconds of the PostgreSQL server: its live processes, plus the reaped backends that
    the postmaster accounts as its children's time."""
    total = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
            name = raw[raw.index("(") + 1 : raw.rindex(")")]
            if name.startswith("postgres"):
                parts = raw.rsplit(")", 1)[1].split()
                total += (int(parts[11]) + int(parts[12])) / CLK_TCK
                with open(f"/proc/{parts[1]}/stat") as f:
                    parent = f.read()
                if not parent[parent.index("(") + 1 : parent.rindex(")")].startswith("postgres"):
                    total += (int(parts[13]) + int(parts[14])) / CLK_TCK  # the postmaster
        except (FileNotFoundError, ProcessLookupError, ValueError, IndexError):
            continue
    return total


# --- granian -----------------------------------------------------------------------------------


@dataclass
class Server:
    proc: subprocess.Popen
    port: int
    log_path: Path

    def stop(self) -> None:
        if self.proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)


def granian_start(
    *,
    env: dict,
    port: int,
    workers: int,
    threads: int,
    log_path: Path,
    app: str = "nara.wsgi:application",
    backpressure: int | None = None,
    extra: tuple[str, ...] = (),
) -> Server:
    """Start granian (WSGI) in its own process group; wait until /healthz answers 200."""
    cmd = [
        GRANIAN,
        "--interface",
        "wsgi",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--blocking-threads",
        str(threads),
        # no --backpressure: granian's default (backlog / workers) queues requests inside the
        # worker; a backpressure equal to the threads leaves connections beyond it unserved
        "--no-ws",
        "--log-level",
        "warning",
        *(["--backpressure", str(backpressure)] if backpressure else []),
        *extra,
        app,
    ]
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    server = Server(proc, port, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"granian exited ({proc.returncode}); see {log_path}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                if r.status == 200:
                    return server
        except OSError:
            time.sleep(0.2)
    server.stop()
    raise RuntimeError(f"granian did not answer /healthz within 60 s; see {log_path}")


# --- the load generator ------------------------------------------------------------------------


def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    k = max(0, min(len(sorted_values) - 1, int(round(p / 100 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


def run_load(spec: dict) -> dict:
    """Run the load generator in a separate process (so that its CPU is its own and it does not
    share a GIL with anything) and return its summary."""
    out = subprocess.run(
        [PYTHON, str(Path(__file__).resolve()), "--loadgen", json.dumps(spec)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=spec["warmup"] + spec["duration"] + 120,
    )
    if out.returncode != 0:
        raise RuntimeError(f"load generator failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout)


async def _client(
    spec, t_start, t_measure, t_end, sink: list, errs: list, counter: list, mine: list
):
    host, port, path = "127.0.0.1", spec["port"], spec["path"]
    head = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Accept-Encoding: identity"]
    head += [f"{k}: {v}" for k, v in spec.get("headers", {}).items()]
    request = ("\r\n".join(head) + "\r\n\r\n").encode()
    reader = writer = None
    think = spec.get("think_ms", 0) / 1000
    rng = random.Random()
    if think:  # users do not click in step: start at random and pause a random time (mean think)
        await asyncio.sleep(rng.uniform(0, think))
    while True:
        now = time.perf_counter()
        if now >= t_end:
            break
        try:
            # the clock starts before connecting: a server that makes new connections wait
            # (backpressure) must not look fast because the wait happens before the request
            t0 = time.perf_counter()
            if writer is None:
                reader, writer = await asyncio.open_connection(host, port)
            writer.write(request)
            status, keep = await _read_response(reader)
            t1 = time.perf_counter()
        except (OSError, asyncio.IncompleteReadError, ValueError) as exc:
            errs.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            await asyncio.sleep(0.01)
            continue
        counter[0] += 1
        if t1 >= t_measure:  # every request that ends in the window, however long it waited
            sink.append((t1 - t0, status))
            mine[0] += 1
        if not keep:
            writer.close()
            reader = writer = None
        if think:
            await asyncio.sleep(rng.expovariate(1 / think))
    if writer is not None:
        writer.close()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    header = await reader.readuntil(b"\r\n\r\n")
    lines = header.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            k, v = line.split(":", 1)
            headers[k.strip().lower()] = v.strip()
    if "content-length" in headers:
        await reader.readexactly(int(headers["content-length"]))
    elif headers.get("transfer-encoding", "").lower() == "chunked":
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    keep = headers.get("connection", "").lower() != "close"
    return status, keep


async def _load(spec: dict) -> dict:
    t_start = time.perf_counter()
    t_measure = t_start + spec["warmup"]
    t_end = t_measure + spec["duration"]
    sink: list[tuple[float, int]] = []
    errs: list[str] = []
    counter = [0]
    per_client = [[0] for _ in range(spec["clients"])]
    cpu0 = time.process_time()
    await asyncio.gather(
        *(
            _client(spec, t_start, t_measure, t_end, sink, errs, counter, mine)
            for mine in per_client
        )
    )
    cpu = time.process_time() - cpu0
    wall = time.perf_counter() - t_start
    latencies = sorted(lat for lat, _status in sink)
    statuses: dict[str, int] = {}
    for _lat, status in sink:
        statuses[str(status)] = statuses.get(str(status), 0) + 1
    ms = [v * 1000 for v in latencies]
    return {
        "requests": len(sink),
        "all_requests": counter[0],
        "rps": len(sink) / spec["duration"],
        "p50": percentile(ms, 50),
        "p90": percentile(ms, 90),
        "p99": percentile(ms, 99),
        "max": ms[-1] if ms else float("nan"),
        "statuses": statuses,
        "non_200": sum(n for s, n in statuses.items() if s != "200"),
        "conn_errors": len(errs),
        "client_cpu_pct": 100 * cpu / wall if wall else 0.0,
        # requests answered per client: unequal when the server's workers hold unequal shares
        # of the keep-alive connections (each connection stays with one worker)
        "per_client": sorted(n for (n,) in per_client),
    }


def _loadgen_main(argv: list[str]) -> None:
    spec = json.loads(argv[argv.index("--loadgen") + 1])
    result = asyncio.run(_load(spec))
    sys.stdout.write(json.dumps(result))


# --- settings, manage.py, tables (shared by the benchmarks) ------------------------------------


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (the machine may be shared: no fixed ports)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def client_address(n: int) -> str:
    """The address of the n-th simulated person (10.0.0.0/8: 16 million of them). The load
    generators send it as X-Forwarded-For, as the proxy in front of production does, so that
    production's per-address rate limits see many people, not one load generator."""
    return f"10.{(n >> 16) & 255}.{(n >> 8) & 255}.{n & 255}"


def add_settings_args(parser) -> None:
    parser.add_argument(
        "--lab-settings",
        action="store_true",
        help="the settings of the runs before issue #11, to compare: a per-process (locmem) "
        "cache and rate limits off (default: production's, the database cache and limits on)",
    )
    parser.add_argument(
        "--redis",
        default="",
        metavar="URL",
        help="the cache in Redis, as the topology of more than one machine has it (README.md, "
        '"Production"), e.g. redis://127.0.0.1:6379/0 (rate limits are counted in the '
        "database whatever the cache); default: the database cache of one machine",
    )


def production_env(
    db_url: str, db_name: str, tmp: Path, *, lab: bool = False, redis: str = "", **extra: str
) -> dict:
    """The production settings (DEBUG off) on a scratch database, minus TLS: the benchmarks
    speak plain HTTP on 127.0.0.1. As production: the database cache (the default) and the
    rate limits on, one proxy in front (its X-Forwarded-For names the client, see
    `client_address`). `lab`: the earlier benchmarks' settings, a locmem cache and no limits.
    Every machinery switch on (NARA_OFF empty) unless `extra` says otherwise."""
    import secrets

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="nara.settings",
        DATABASE_URL=f"{db_url}/{db_name}",
        SECRET_KEY="bench-" + secrets.token_hex(24),
        DEBUG="0",
        ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        CACHE_BACKEND="locmem" if lab else "db",
        NARA_RATE_LIMITS="off" if lab else "on",
        NARA_TRUSTED_PROXY_COUNT="1",
        NARA_OFF="",
        NARA_VAR_DIR=str(tmp),
        STATIC_ROOT=str(tmp / "static"),
        MEDIA_ROOT=str(tmp / "media"),
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    if redis and not lab:  # a key prefix of the run's own: nothing left by another run counts
        env.update(REDIS_URL=redis, CACHE_KEY_PREFIX="bench-" + secrets.token_hex(6))
    env.update(extra)
    return env


def settings_line(env: dict) -> str:
    """What the run's settings are, in one line for the output."""
    cache = "database cache" if env.get("CACHE_BACKEND") == "db" else "locmem cache"
    if env.get("REDIS_URL"):
        cache = "Redis cache"
    limits = "rate limits on" if env.get("NARA_RATE_LIMITS") != "off" else "rate limits off"
    return f"{cache}, {limits}" + (" (--lab-settings)" if "locmem" in cache else " (production)")


def manage(env: dict, *cmd: str) -> None:
    out = subprocess.run(
        [PYTHON, "manage.py", *cmd], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(cmd)} failed:\n{out.stdout}\n{out.stderr}")


def run_measured_load(server_pid: int, spec: dict) -> dict:
    """run_load, with the CPU that granian (the process tree of `server_pid`) and PostgreSQL
    spent per request, and the share of the machine other processes took meanwhile."""
    busy0, total0 = machine_cpu()
    server0 = tree_cpu_seconds(server_pid)
    pg0 = postgres_cpu_seconds()
    t0 = time.monotonic()
    result = run_load(spec)
    wall = time.monotonic() - t0
    busy1, total1 = machine_cpu()
    server_s = tree_cpu_seconds(server_pid) - server0
    pg_s = postgres_cpu_seconds() - pg0
    cores = os.cpu_count() or 1
    result["machine_cpu_pct"] = 100 * (busy1 - busy0) / max(1, total1 - total0)
    result["server_cpu_pct"] = 100 * server_s / wall
    result["postgres_cpu_pct"] = 100 * pg_s / wall
    # Whatever else ran on the machine meanwhile (other processes compete for the cores).
    result["other_cpu_pct"] = max(
        0.0,
        result["machine_cpu_pct"] * cores
        - result["server_cpu_pct"]
        - result["postgres_cpu_pct"]
        - result["client_cpu_pct"],
    )
    # CPU per request (app + database): independent of whatever else the machine is doing.
    result["app_cpu_ms"] = 1000 * server_s / max(1, result["all_requests"])
    result["db_cpu_ms"] = 1000 * pg_s / max(1, result["all_requests"])
    return result


def client_spread(result: dict) -> str:
    """Requests answered per client, fewest–most: with keep-alive, each client's connection
    stays with one server worker, so a worker holding more connections answers each less often
    (and its clients see the longer latencies: the p99)."""
    per = result.get("per_client") or []
    return f"{per[0]}–{per[-1]}" if per else ""


# The columns of a latency table (one row per page), as both load benchmarks print them.
LOAD_HEADERS = [
    "page",
    "p50 ms",
    "p90 ms",
    "p99 ms",
    "max ms",
    "req/s",
    "requests",
    "errors",
    "app cpu ms/req",
    "db cpu ms/req",
    "loadgen cpu",
    "other procs cpu",
    "req per client",
]


def load_cells(name: str, r: dict) -> list:
    """One row of a latency table (LOAD_HEADERS) from a run_measured_load result."""
    return [
        name,
        f"{r['p50']:.1f}",
        f"{r['p90']:.1f}",
        f"{r['p99']:.1f}",
        f"{r['max']:.1f}",
        f"{r['rps']:.0f}",
        r["requests"],
        r["non_200"] + r["conn_errors"],
        f"{r['app_cpu_ms']:.1f}",
        f"{r['db_cpu_ms']:.1f}",
        f"{r['client_cpu_pct']:.0f}%",
        f"{r['other_cpu_pct']:.0f}%",
        client_spread(r),
    ]


def fmt_table(headers: list[str], rows: list[list]) -> str:
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(headers)]
    line = "  ".join(str(h).ljust(w) for h, w in zip(headers, widths, strict=False))
    out = [line, "  ".join("-" * w for w in widths)]
    for r in rows:
        out.append(
            "  ".join(
                str(v).rjust(w) if isinstance(v, (int, float)) else str(v).ljust(w)
                for v, w in zip(r, widths, strict=False)
            )
        )
    return "\n".join(out)


def latency_summary(ms: list[float]) -> dict:
    ms = sorted(ms)
    return {
        "n": len(ms),
        "p50": percentile(ms, 50),
        "p90": percentile(ms, 90),
        "p99": percentile(ms, 99),
        "max": ms[-1] if ms else float("nan"),
    }


class CpuMeter:
    """CPU used during a stretch of time: the whole machine, the server's process tree and
    PostgreSQL, as % of one core (so 200 % is all of a 2-core machine)."""

    def __init__(self, server_pid: int | None):
        self.server_pid = server_pid
        self.busy0, self.total0 = machine_cpu()
        self.server0 = tree_cpu_seconds(server_pid) if server_pid else 0.0
        self.pg0 = postgres_cpu_seconds()
        self.t0 = time.monotonic()

    def stop(self) -> dict:
        wall = time.monotonic() - self.t0
        busy1, total1 = machine_cpu()
        server_s = (tree_cpu_seconds(self.server_pid) if self.server_pid else 0.0) - self.server0
        pg_s = postgres_cpu_seconds() - self.pg0
        cores = os.cpu_count() or 1
        return {
            "wall_s": wall,
            "cores": cores,
            "machine_pct": 100 * cores * (busy1 - self.busy0) / max(1, total1 - self.total0),
            "server_pct": 100 * server_s / wall,
            "postgres_pct": 100 * pg_s / wall,
            "server_cpu_s": server_s,
            "postgres_cpu_s": pg_s,
        }


# --- a leaner HTTP/1.1 client (asyncio protocol; no stream objects) ----------------------------


class HttpClosed(ConnectionError):
    pass


class _HttpProtocol(asyncio.Protocol):
    """One keep-alive connection; one request in flight at a time."""

    def __init__(self):
        self.transport = None
        self.buf = bytearray()
        self.waiter: asyncio.Future | None = None
        self.closed = False

    def connection_made(self, transport):
        self.transport = transport

    def connection_lost(self, exc):
        self.closed = True
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(HttpClosed("connection closed by the server"))

    def data_received(self, data):
        self.buf += data
        if self.waiter is not None and not self.waiter.done():
            try:
                parsed = self._parse()
            except ValueError as exc:
                self.waiter.set_exception(exc)
                return
            if parsed is not None:
                self.waiter.set_result(parsed)

    def _parse(self):
        buf = self.buf
        end = buf.find(b"\r\n\r\n")
        if end < 0:
            return None
        lines = bytes(buf[:end]).decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers: dict[str, str] = {}
        cookies: list[str] = []
        for line in lines[1:]:
            k, _, v = line.partition(":")
            k = k.strip().lower()
            if k == "set-cookie":
                cookies.append(v.strip())
            else:
                headers[k] = v.strip()
        start = end + 4
        if "content-length" in headers:
            stop = start + int(headers["content-length"])
            if len(buf) < stop:
                return None
            body = bytes(buf[start:stop])
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            chunks, pos = [], start
            while True:
                eol = buf.find(b"\r\n", pos)
                if eol < 0:
                    return None
                size = int(bytes(buf[pos:eol]).split(b";")[0], 16)
                if len(buf) < eol + 2 + size + 2:
                    return None
                chunks.append(bytes(buf[eol + 2 : eol + 2 + size]))
                pos = eol + 2 + size + 2
                if size == 0:
                    break
            stop, body = pos, b"".join(chunks)
        else:
            stop, body = start, b""
        del buf[:stop]
        headers["set-cookie"] = cookies  # type: ignore[assignment]
        return status, headers, body


class HttpClient:
    """`await client.request(raw_bytes)` → (status, headers, body). Connects lazily, keeps the
    connection alive, reconnects after an error or `Connection: close`."""

    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.proto: _HttpProtocol | None = None

    async def request(self, data: bytes):
        loop = asyncio.get_running_loop()
        if self.proto is None or self.proto.closed:
            _, self.proto = await loop.create_connection(_HttpProtocol, self.host, self.port)
        proto = self.proto
        fut = loop.create_future()
        proto.waiter = fut
        timer = loop.call_later(
            self.timeout,
            lambda: fut.done() or fut.set_exception(TimeoutError("no answer in time")),
        )
        proto.transport.write(data)
        try:
            status, headers, body = await fut
        except BaseException:
            self.close()
            raise
        finally:
            timer.cancel()
            proto.waiter = None
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, headers, body

    def close(self) -> None:
        if self.proto is not None and self.proto.transport is not None:
            self.proto.transport.close()
        self.proto = None


def http_request(
    method: str, host: str, port: int, path: str, headers: dict | None = None, body: bytes = b""
) -> bytes:
    """The bytes of one HTTP/1.1 request."""
    head = [f"{method} {path} HTTP/1.1", f"Host: {host}:{port}", "Accept-Encoding: identity"]
    head += [f"{k}: {v}" for k, v in (headers or {}).items()]
    if body or method in ("POST", "PUT", "PATCH"):
        head.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(head) + "\r\n\r\n").encode("latin-1") + body


def run_processes(argv_list: list[list[str]], timeout: float) -> list[dict]:
    """Run several load-generator processes at once; each prints one JSON object."""
    procs = [
        subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for argv in argv_list
    ]
    results = []
    for proc in procs:
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, err = proc.communicate()
        if proc.returncode != 0:
            for other in procs:
                if other.poll() is None:
                    other.kill()
            raise RuntimeError(f"load generator failed ({proc.returncode}):\n{err[-3000:]}")
        results.append(json.loads(out))
    return results


if __name__ == "__main__" and "--loadgen" in sys.argv:
    _loadgen_main(sys.argv)


def start(args, env: dict, say) -> None:
    """The start of a benchmark run: a new scratch database, migrated, the static files
    collected, and Django set up in this process on the same settings."""
    say(f"database {args.db_name}: drop and create")
    db_recreate(args.db_url, args.db_name)
    say("migrate, collectstatic")
    manage(env, "migrate", "--no-input")
    manage(env, "createcachetable")  # production's cache: a table (nothing to do for locmem)
    manage(env, "collectstatic", "--no-input")
    os.environ.update(env)
    import django

    django.setup()


def finish(args, server, tmp: Path, say) -> None:
    """The end of a benchmark run, whatever happened: stop granian, close the database
    connections, then drop the scratch database and files (or keep them with --keep)."""
    if server is not None:
        server.stop()
    try:
        from django.db import connections

        connections.close_all()
    except Exception:
        pass
    if args.keep:
        say(f"kept database {args.db_name}; granian log and static files in {tmp}")
    else:
        db_drop(args.db_url, args.db_name)
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


# --- A/B runs of the machinery switches (settings.NARA_OFF) ------------------------------------

# What can be switched off (nara/settings.py NARA_OFF); "" is the variant with everything on.
AB_SWITCHES = ("prepared", "memo", "pagecache", "localpages", "sessions", "surgepath")
ALL_ON = ""


def add_ab_args(parser) -> None:
    parser.add_argument(
        "--ab",
        action="store_true",
        help="A/B: the same load with everything on and with each machinery switch off in "
        "turn (NARA_OFF), a fresh server per variant, interleaved rounds; prints the table",
    )
    parser.add_argument(
        "--ab-switches",
        default=",".join(AB_SWITCHES),
        help=f"the switches to turn off one at a time (default {','.join(AB_SWITCHES)})",
    )
    parser.add_argument(
        "--ab-rounds",
        type=int,
        default=2,
        help="rounds; each runs every variant once, in the opposite order to the round before",
    )


def ab_variants(args) -> list[str]:
    chosen = [x.strip() for x in args.ab_switches.split(",") if x.strip()]
    unknown = [x for x in chosen if x not in AB_SWITCHES]
    if unknown:
        raise SystemExit(f"--ab-switches: unknown {', '.join(unknown)} (known: {AB_SWITCHES})")
    return [ALL_ON, *chosen]


def ab_schedule(variants: list[str], rounds: int) -> list[tuple[int, str]]:
    """(round, variant) in the order they run: every variant once per round, even rounds in
    order and odd ones reversed (A B C, C B A, …), so that a drift of the machine during the
    run (other work starting, the data growing) falls alike on every variant."""
    order = []
    for r in range(rounds):
        order += [(r, v) for v in (variants if r % 2 == 0 else variants[::-1])]
    return order


def ab_figures(r: dict) -> dict:
    """The figures the A/B table compares, from a run_measured_load result."""
    return {
        "p99": r["p99"],
        "rps": r["rps"],
        "app_cpu_ms": r["app_cpu_ms"],
        "db_cpu_ms": r["db_cpu_ms"],
        "requests": r["all_requests"],
        "errors": r["non_200"] + r["conn_errors"],
    }


def ab_server_starter(args, env: dict, log_path: Path, **options):
    """`start_server(extra_env)` for run_ab: a fresh granian on a free port (args.port), with
    the benchmark's environment plus the variant's (its NARA_OFF)."""

    def start_server(extra: dict) -> Server:
        args.port = free_port()
        return granian_start(
            env={**env, **extra},
            port=args.port,
            workers=args.workers,
            threads=args.threads,
            log_path=log_path,
            **options,
        )

    return start_server


def run_ab(args, *, start_server, measure, say) -> dict:
    """Run `measure(server)` → {page: ab_figures} on a fresh server per (round, variant):
    `start_server(env_extra)` starts one with NARA_OFF set. → {variant: {page: [figures per
    round]}}."""
    variants = ab_variants(args)
    results: dict = {v: {} for v in variants}
    schedule = ab_schedule(variants, args.ab_rounds)
    for n, (r, variant) in enumerate(schedule, 1):
        say(f"A/B {n}/{len(schedule)}: round {r + 1}, {ab_name(variant)}")
        server = start_server({"NARA_OFF": variant})
        try:
            for page, figures in measure(server).items():
                results[variant].setdefault(page, []).append(figures)
                say(
                    f"    {page}: p99 {figures['p99']:.1f} ms, {figures['rps']:.0f}/s, cpu "
                    f"{figures['app_cpu_ms']:.2f} + {figures['db_cpu_ms']:.2f} ms, errors "
                    f"{figures['errors']}"
                )
        finally:
            server.stop()
    return results


def ab_name(variant: str) -> str:
    return "all on" if variant == ALL_ON else f"{variant} off"


def _median(values: list[float]) -> float:
    values = sorted(values)
    mid = len(values) // 2
    return values[mid] if len(values) % 2 else (values[mid - 1] + values[mid]) / 2


def ab_summary(results: dict) -> dict:
    """{variant: {page: {p99 (median of the rounds), cpu_ms (app + db per request, over all
    rounds), rps (median), errors (all rounds), p99_ratio, cpu_ratio (to all on)}}}."""
    out: dict = {}
    for variant, pages in results.items():
        for page, rounds in pages.items():
            requests = sum(f["requests"] for f in rounds) or 1
            cpu = sum((f["app_cpu_ms"] + f["db_cpu_ms"]) * f["requests"] for f in rounds)
            out.setdefault(variant, {})[page] = {
                "p99": _median([f["p99"] for f in rounds]),
                "rps": _median([f["rps"] for f in rounds]),
                "cpu_ms": cpu / requests,
                "errors": sum(f["errors"] for f in rounds),
                "rounds": len(rounds),
            }
    base = out.get(ALL_ON, {})
    for pages in out.values():
        for page, f in pages.items():
            on = base.get(page)
            f["p99_ratio"] = f["p99"] / on["p99"] if on and on["p99"] else float("nan")
            f["cpu_ratio"] = f["cpu_ms"] / on["cpu_ms"] if on and on["cpu_ms"] else float("nan")
    return out


def print_ab(title: str, results: dict) -> dict:
    """The A/B table: one row per variant and page; ratios to "all on" (1.25: 25% more when
    that machinery is off, i.e. it saves that much). Then, per switch, its largest effect."""
    summary = ab_summary(results)
    rows = []
    for variant, pages in summary.items():
        for page, f in pages.items():
            rows.append(
                [
                    ab_name(variant),
                    page,
                    f"{f['p99']:.1f}",
                    f"{f['p99_ratio']:.2f}",
                    f"{f['cpu_ms']:.2f}",
                    f"{f['cpu_ratio']:.2f}",
                    f"{f['rps']:.0f}",
                    f["errors"],
                ]
            )
    print()
    print(title)
    print(
        fmt_table(
            [
                "variant",
                "page",
                "p99 ms",
                "p99 ÷ all on",
                "cpu ms/req (app+db)",
                "cpu ÷ all on",
                "req/s",
                "errors",
            ],
            rows,
        )
    )
    print(
        "(p99: median over the rounds; cpu: granian + PostgreSQL CPU per request over all "
        "rounds; a ratio above 1 is what the machinery saves when on)"
    )
    for variant, pages in summary.items():
        if variant == ALL_ON or not pages:
            continue
        worst_p99 = max(pages.items(), key=lambda kv: kv[1]["p99_ratio"])
        worst_cpu = max(pages.items(), key=lambda kv: kv[1]["cpu_ratio"])
        effect = max(worst_p99[1]["p99_ratio"], worst_cpu[1]["cpu_ratio"]) - 1
        print(
            f"  {ab_name(variant)}: p99 ×{worst_p99[1]['p99_ratio']:.2f} ({worst_p99[0]}), cpu "
            f"×{worst_cpu[1]['cpu_ratio']:.2f} ({worst_cpu[0]}): "
            + ("10% or more: keep" if effect >= 0.10 else "under 10%: a candidate for removal")
        )
    return summary


def ab_ok(summary: dict) -> bool:
    """Every variant answered every request (a switch that breaks a page is not a variant)."""
    broken = [
        f"{ab_name(v)}: {page}"
        for v, pages in summary.items()
        for page, f in pages.items()
        if f["errors"]
    ]
    if broken:
        print(f"FAIL A/B errors under load: {'; '.join(broken)}")
    else:
        print("OK   A/B: every variant answered every request")
    return not broken
