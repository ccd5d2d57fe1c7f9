"""Nara's real processes for tests: granian serving nara.wsgi:application as in production, the
task worker (db_worker) and the scheduler, pointed at the test database (which the test must
commit to: `django_db(transaction=True)`), mailing to an SMTP server (aiosmtpd) in the test;
and the HTTP clients that drive them, retrying after a crash with the same request."""

import contextlib
import http.client
import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client

from nara.petitions.models import PetitionType
from tests.petition_helpers import opened
from tests.test_outbox import Collector, free_port

BASE_DIR = Path(__file__).resolve().parent.parent
PAUSE = 0.05  # between two looks at a state we wait for (bounded polling)
CSRF = "crashmultitestcsrftoken000000000"  # 32 letters: a CSRF secret we choose as the cookie

# nara_test_env.py sets these for in-process tests; the real processes run production's.
IN_PROCESS_ONLY = ("CACHE_BACKEND", "TASKS_BACKEND", "EMAIL_BACKEND", "DEBUG")


@contextlib.contextmanager
def smtp_server():
    """A real SMTP server on a free port: yields (port, the Collector of what it accepted)."""
    port, collector = free_port(), Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, collector
    finally:
        controller.stop()


def database_url() -> str:
    """The URL of the database this test runs on (pytest-django's test database)."""
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    auth = quote(db["USER"] or "") + (f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def production_env(*, smtp_port: int, var_dir: Path, **extra: str) -> dict[str, str]:
    """The environment of a production deployment on this machine (no TLS in front). Without
    REDIS_URL the cache is the database's table, created here as a deployment does."""
    if "REDIS_URL" not in extra:
        call_command("createcachetable", "nara_cache", verbosity=0)
    env = {k: v for k, v in os.environ.items() if k not in IN_PROCESS_ONLY}
    env.update(
        SECRET_KEY=settings.SECRET_KEY,  # sessions the test opens are signed with it
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        DATABASE_URL=database_url(),
        NARA_VAR_DIR=str(var_dir),
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(smtp_port),
        EMAIL_TIMEOUT="2",
        NARA_OUTBOX_LEASE_SECONDS="6",  # > 3 x EMAIL_TIMEOUT: a live sender never loses it
        NARA_TRUSTED_PROXY_COUNT="1",  # the clients say who they are in X-Forwarded-For
        LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


class Process:
    """One of Nara's processes, in its own process group: killing it kills its children too
    (granian's workers), as a machine that loses power would."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path):
        self.name, self.argv, self.env, self.log_dir = name, argv, env, log_dir
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self) -> "Process":
        self.starts += 1
        log = open(self.log_dir / f"{self.name}.{self.starts}.log", "wb")  # noqa: SIM115
        self.proc = subprocess.Popen(
            self.argv,
            cwd=BASE_DIR,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        return self

    def kill(self) -> None:
        """SIGKILL to the whole group; returns once the process is gone."""
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=30)
        elif self.proc is not None:
            try:  # the leader exited: its children may still be there
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def log(self) -> str:
        return "\n".join(
            f"--- {path.name}\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted(self.log_dir.glob(f"{self.name}.*.log"))
        )


def server(name: str, port: int, env, log_dir: Path) -> Process:
    return Process(
        name,
        [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--blocking-threads",
            "8",
            "--log-level",
            "warning",
            "nara.wsgi:application",
        ],
        env,
        log_dir,
    )


def worker(name: str, env, log_dir: Path) -> Process:
    argv = [sys.executable, "manage.py", "db_worker", "--no-reload", "--no-startup-delay"]
    return Process(name, [*argv, "--interval", "0.2", "--worker-id", name], env, log_dir)


def scheduler(name: str, env, log_dir: Path, interval: int = 1) -> Process:
    argv = [sys.executable, "manage.py", "scheduler", "--interval", str(interval)]
    return Process(name, argv, env, log_dir)


def poll(condition, *, timeout: float, what: str, watch: tuple[Process, ...] = ()):
    """Look at `condition()` until it is true (returning its value) or `timeout` passes; fail
    at once if a watched process died."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        for process in watch:
            if process.proc.poll() is not None:
                raise AssertionError(
                    f"{process.name} exited while waiting for {what}:\n{process.log()}"
                )
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(PAUSE)


def request(port: int, method: str, path: str, *, body=None, headers=None, form=None):
    """One HTTP request on a new connection: (status, headers, parsed JSON or text).
    Raises OSError or http.client.HTTPException when the server is gone."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = dict(headers or {})
    if form is not None:
        payload = "&".join(f"{quote(k)}={quote(v)}" for k, v in form.items()).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif body is not None:
        payload = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    else:
        payload = None
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        raw = response.read()
        text = raw.decode(errors="replace")
        try:
            content = json.loads(text) if text else None
        except ValueError:
            content = text
        seen: dict[str, str] = {}
        for name, value in response.getheaders():  # Set-Cookie may come more than once
            name = name.lower()
            seen[name] = f"{seen[name]}\n{value}" if name in seen else value
        return response.status, seen, content
    finally:
        conn.close()


def healthy(port: int) -> bool:
    try:
        return request(port, "GET", "/healthz")[0] == 200
    except (OSError, http.client.HTTPException):
        return False


def web_headers(session_key: str, ip: str) -> dict[str, str]:
    """A signed-in browser: its session cookie and a CSRF cookie whose secret the form sends."""
    return {
        "Cookie": f"sessionid={session_key}; csrftoken={CSRF}",
        "X-Forwarded-For": ip,
    }


class Retry(Exception):
    """The answer says: try again (the site is restarting or shedding load)."""


def open_petition(world, moderator):
    """An open petition whose thresholds are out of reach: it stays open all through a load."""
    big = PetitionType.objects.create(
        code="big", name_ko="큰 청원", name_en="Big petition", supporters_needed=2
    )
    return opened(world, big, moderator)


def complaint_filing(token: str, key: str, n: int):
    def file(port):
        status, _, content = request(
            port,
            "POST",
            "/api/v1/complaints",
            body={
                "kind": "grievance",
                "title": f"Pothole number {n} on Sejong-daero",
                "body": f"A deep pothole near exit {n}.",
                "category": "roads",
                "confirm_repeat": True,
            },
            headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
        )
        if status == 503:
            raise Retry
        assert status == 201, (status, content)
        return ("complaint", key, content["receipt_no"])

    return file


def token_signing(token: str, petition_id: int, user_id: int, ip: str):
    def sign(port):
        status, _, content = request(
            port,
            "POST",
            f"/api/v1/petitions/{petition_id}/signatures",
            headers={"Authorization": f"Bearer {token}", "X-Forwarded-For": ip},
        )
        if status == 503:
            raise Retry
        # 409: a resend after a crash whose first attempt was committed
        assert status in (201, 409), (status, content)
        return ("signature", user_id, status)

    return sign


def web_signing(session_key: str, petition_id: int, user_id: int, ip: str):
    def sign(port):
        status, headers, content = request(
            port,
            "POST",
            f"/petitions/{petition_id}/sign/",
            form={"csrfmiddlewaretoken": CSRF},
            headers=web_headers(session_key, ip),
        )
        if status == 503:
            raise Retry
        assert status == 302, (status, content)
        assert headers["location"].startswith(f"/petitions/{petition_id}"), headers
        return ("signature", user_id, status)

    return sign


def signed_in_session(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value


class Load:
    """Run operations from `clients` threads. An operation is a callable(port) that returns an
    acknowledgement (what a success answer promised) or raises Retry; a connection error or
    Retry makes the client wait until the site is up again and send the same request again.
    `ports()` gives the port to use (a node of the site) for each attempt."""

    def __init__(self, operations, *, clients: int, ports):
        self.todo: queue.Queue = queue.Queue()
        for operation in operations:
            self.todo.put(operation)
        self.total = len(operations)
        self.ports = ports
        self.up = threading.Event()
        self.up.set()
        self.changed = threading.Condition()
        self.acks: list = []
        self.failures: list[str] = []
        self.retries = 0
        self.resent: Counter = Counter()  # acknowledged after a resend, by kind
        self.threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]

    def start(self) -> "Load":
        for thread in self.threads:
            thread.start()
        return self

    def _client(self) -> None:
        while True:
            try:
                operation = self.todo.get_nowait()
            except queue.Empty:
                return
            last = None
            for attempt in range(30):
                try:
                    ack = operation(self.ports())
                except (OSError, http.client.HTTPException, Retry) as error:
                    last = error
                    self.retries += 1
                    self.up.wait(timeout=60)
                    continue
                except AssertionError as error:  # an answer the rules do not allow
                    self._done(failure=str(error))
                    break
                self._done(ack=ack, resent=attempt > 0)
                break
            else:
                self._done(failure=f"gave up after 30 attempts: {last!r}")

    def _done(self, *, ack=None, failure=None, resent=False) -> None:
        with self.changed:
            if failure is not None:
                self.failures.append(failure)
            else:
                self.acks.append(ack)
                if resent:
                    self.resent[ack[0]] += 1
            self.changed.notify_all()

    def wait_for_acks(self, n: int, timeout: float = 60) -> None:
        with self.changed:
            if not self.changed.wait_for(
                lambda: len(self.acks) + len(self.failures) >= n, timeout=timeout
            ):
                raise AssertionError(f"only {len(self.acks)} of {n} answers after {timeout} s")

    def join(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
            assert not thread.is_alive(), "a client is still running"


@pytest.fixture
def smtp():
    """A real SMTP server for the processes under test: (port, mailbox)."""
    with smtp_server() as server:
        yield server


@pytest.fixture
def processes():
    """Processes a test starts (Process objects it appends); killed when it ends."""
    started: list[Process] = []
    yield started
    for process in started:
        process.kill()
