"""`make run` (scripts/run.sh) holds a crowd, and its mail catcher does not die silently.

The crowd: its server (scripts/serve.sh, the command scripts/run.sh runs) on a
fresh SQLite database with the demo data gets 64 people signing the demo's open petition and 64
filing complaints, all at once, through the API and the web. Every request gets the one answer
the rules allow (no dropped connection, no 5xx, no "database is locked"), and every
acknowledged write is in the database, counted exactly.

Django's development server failed this on the code before (c9172ce): its listen queue of a
few connections dropped most of 64 simultaneous signers without any HTTP answer.

The test talks real HTTP from threads, to a server process started as `make run` starts it; it
uses no database of pytest's: make run serves SQLite, so the test runs in the SQLite pass of
`make test` and says it is skipped in the PostgreSQL pass."""

import http.client
import json
import os
import re
import smtplib
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

import pytest

HANGUL = re.compile("[\uac00-\ud7a3]")

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
SIGNERS = 64  # half with a session on the web, half with an API token; each sends twice
FILERS = 64  # half through the API (Idempotency-Key), half through the web form; each twice
CSRF = "crowdtestcsrfsecret0123456789abc"  # 32 characters: a valid unmasked CSRF secret
TIMEOUT = 120  # seconds for one answer: a server that stalls fails the test, never hangs it

# Run inside the server's environment (Django set up on the temporary database): the people of
# the crowd, signed in (a session for the web, an API token for the API).
SETUP = """
import json, django
django.setup()
from django.test import Client
from nara.accounts.models import ApiToken, User
from nara.petitions.models import Petition, Signature
from nara.petitions import signing

petition = Petition.objects.get(status="open", type__code="national")
signed = set(Signature.objects.filter(petition=petition).values_list("user_id", flat=True))
citizens = list(
    User.objects.filter(email__startswith="citizen", email_confirmed=True, is_active=True)
    .exclude(pk__in=signed).order_by("pk")[:{n}]
)
assert len(citizens) == {n}, len(citizens)

def session_of(user):
    client = Client()
    client.force_login(user)
    return client.cookies["sessionid"].value

people = []
for i, user in enumerate(citizens):
    person = {{"id": user.pk}}
    if i % 2:
        person["token"] = ApiToken.issue(user)
    else:
        person["session"] = session_of(user)
    people.append(person)
print(json.dumps({{
    "petition": petition.pk,
    "count": signing.signature_count(petition.pk),
    "rows": Signature.objects.filter(petition=petition, valid=True).count(),
    "people": people,
}}))
"""

# After the crowd: what the database holds.
CHECK = """
import json, sys, django
django.setup()
from nara.complaints.models import Complaint
from nara.petitions.models import Signature
from nara.petitions import signing

petition = int(sys.argv[1])
rows = Signature.objects.filter(petition_id=petition, valid=True)
print(json.dumps({
    "count": signing.signature_count(petition),
    "rows": rows.count(),
    "signers": sorted(rows.values_list("user_id", flat=True)),
    "complaints": [
        [c.citizen_id, c.receipt_no]
        for c in Complaint.objects.filter(title__startswith="Crowd ").order_by("pk")
    ],
}))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(var_dir: Path, port: int) -> dict:
    """`make run`'s environment (scripts/run.sh), on a temporary database and port, with one
    addition: the clients come through a proxy that names them (X-Forwarded-For), so that the
    per-address rate limits see 128 people, not one address."""
    env = {
        k: v
        for k, v in os.environ.items()
        # pytest's own test settings (nara_test_env.py) are not make run's
        if k
        not in {
            "DATABASE_URL",
            "CACHE_BACKEND",
            "TASKS_BACKEND",
            "EMAIL_BACKEND",
            "SECRET_KEY",
            "NARA_VAR_DIR",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    env.update(
        DEBUG="1",
        NARA_VAR_DIR=str(var_dir),
        STATIC_ROOT=str(var_dir / "static"),
        PORT=str(port),
        SITE_URL=f"http://127.0.0.1:{port}",
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(free_port()),  # nothing listens: the worker is not started here
        NARA_TRUSTED_PROXY_COUNT="1",
        DJANGO_SETTINGS_MODULE="nara.settings",
        PYTHONPATH=str(ROOT),
    )
    return env


def run_python(code: str, env: dict, *args: str) -> dict:
    done = subprocess.run(
        [PY, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def wait_until_serving(proc: subprocess.Popen, port: int, log: Path) -> None:
    """Bounded: until /healthz answers 200, the process exits, or 120 s pass."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        try:
            proc.wait(timeout=0.1)  # the pause between attempts, watching for an early exit
        except subprocess.TimeoutExpired:
            continue
        pytest.fail(f"scripts/serve.sh exited ({proc.returncode}):\n{log.read_text()[-3000:]}")
    pytest.fail(f"scripts/serve.sh did not answer /healthz in 120 s:\n{log.read_text()[-3000:]}")


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The demo on a fresh SQLite database (as scripts/run.sh prepares it), served by
    scripts/serve.sh on a free port; the people of the crowd."""
    if os.environ.get("DATABASE_URL", "").startswith("postgres"):
        pytest.skip("make run serves SQLite: this test runs in the SQLite pass of make test")
    var_dir = tmp_path_factory.mktemp("make-run")
    port = free_port()
    env = server_env(var_dir, port)
    for command in (["migrate", "--noinput"], ["createcachetable"], ["demo_data"]):
        done = subprocess.run(
            [PY, "manage.py", *command, "-v0"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
    crowd = run_python(SETUP.format(n=SIGNERS + FILERS), env)
    log = var_dir / "serve.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "serve.sh")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_serving(proc, port, log)
        yield port, env, crowd, log
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


@dataclass
class Answer:
    status: int | None = None  # None: no HTTP answer at all
    location: str = ""
    body: bytes = b""
    error: str = ""


@dataclass
class Request:
    label: str
    person: dict
    method: str
    path: str
    headers: dict
    body: bytes
    answer: Answer = field(default_factory=Answer)


def send(port: int, request: Request, start: threading.Barrier) -> None:
    start.wait()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
    try:
        conn.request(request.method, request.path, body=request.body, headers=request.headers)
        response = conn.getresponse()
        request.answer = Answer(
            status=response.status,
            location=response.getheader("Location", ""),
            body=response.read(),
        )
    except OSError as error:  # refused, reset, closed without an answer, timed out
        request.answer = Answer(error=f"{type(error).__name__}: {error}")
    finally:
        conn.close()


def crowd_requests(crowd: dict) -> list[Request]:
    """Each person's two identical requests (a double click, a client's retry)."""
    petition = crowd["petition"]
    signers, filers = crowd["people"][:SIGNERS], crowd["people"][SIGNERS:]
    requests = []
    for n, person in enumerate(signers + filers):
        signing = n < SIGNERS
        headers = {"X-Forwarded-For": f"10.{n // 250}.{n % 250}.7", "Accept-Language": "en"}
        if "session" in person:
            headers["Cookie"] = f"sessionid={person['session']}; csrftoken={CSRF}"
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        else:
            headers["Authorization"] = f"Bearer {person['token']}"
            headers["Content-Type"] = "application/json"
        if signing and "session" in person:
            label, path = "web sign", f"/petitions/{petition}/sign/"
            body = urlencode({"csrfmiddlewaretoken": CSRF}).encode()
        elif signing:
            label, path, body = "api sign", f"/api/v1/petitions/{petition}/signatures", b"{}"
        elif "session" in person:
            label, path = "web file", "/complaints/new/"
            body = urlencode(
                {
                    "csrfmiddlewaretoken": CSRF,
                    "token": str(uuid.uuid4()),
                    "kind": "grievance",
                    "title": f"Crowd web {person['id']}",
                    "body": f"The streetlight in front of house {person['id']} is out.",
                }
            ).encode()
        else:
            label, path = "api file", "/api/v1/complaints"
            headers["Idempotency-Key"] = str(uuid.uuid4())
            body = json.dumps(
                {
                    "kind": "grievance",
                    "title": f"Crowd api {person['id']}",
                    "body": f"The pavement in front of house {person['id']} is broken.",
                }
            ).encode()
        for _twice in range(2):
            requests.append(Request(label, person, "POST", path, headers, body))
    return requests


def test_make_run_serves_64_signers_and_64_filers_at_once(served):
    port, env, crowd, log = served
    petition = crowd["petition"]
    requests = crowd_requests(crowd)
    start = threading.Barrier(len(requests))
    threads = [threading.Thread(target=send, args=(port, r, start)) for r in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Every request got an HTTP answer: the one its rule allows.
    unanswered = [f"{r.label}: {r.answer.error}" for r in requests if r.answer.status is None]
    assert not unanswered, f"{len(unanswered)} requests without an answer: {unanswered[:5]}"
    by_person: dict[int, list[Request]] = {}
    for r in requests:
        by_person.setdefault(r.person["id"], []).append(r)
    wrong = []
    for pair in by_person.values():
        label, statuses = pair[0].label, sorted(r.answer.status for r in pair)
        expected = {
            # the second of two signatures by one person: already signed
            "api sign": [201, 409],
            # the web answers both with the petition's page ("thank you" / "already signed")
            "web sign": [302, 302],
            # a retry with the same Idempotency-Key answers with the same complaint
            "api file": [201, 201],
            # a double submission of one form (its one-time token) files one complaint
            "web file": [302, 302],
        }[label]
        if statuses != expected:
            bodies = [r.answer.body[:300] for r in pair]
            wrong.append(f"{label} of person {pair[0].person['id']}: {statuses} {bodies}")
    assert not wrong, f"{len(wrong)} people got other answers:\n" + "\n".join(wrong[:10])

    # Every acknowledged write is in the database; the count is exact.
    held = run_python(CHECK, env, str(petition))
    signers = sorted(p["id"] for p in crowd["people"][:SIGNERS])
    assert held["rows"] == crowd["rows"] + SIGNERS
    assert held["count"] == held["rows"] == crowd["count"] + SIGNERS
    assert set(signers) <= set(held["signers"])
    for r in requests:
        if r.label == "web sign":
            assert r.answer.location.rstrip("/").endswith(f"/petitions/{petition}")
        if r.label == "api sign" and r.answer.status == 201:
            reply = json.loads(r.answer.body)
            assert reply["signed"] is True
            assert crowd["count"] < reply["signature_count"] <= held["count"]

    receipts = dict(held["complaints"])
    filed_by = [citizen for citizen, _receipt in held["complaints"]]
    assert sorted(filed_by) == sorted(p["id"] for p in crowd["people"][SIGNERS:]), (
        "one complaint per filer, none lost, none twice"
    )
    for pair in by_person.values():
        receipt = receipts.get(pair[0].person["id"])
        for r in pair:
            if r.label == "api file":
                assert json.loads(r.answer.body)["receipt_no"] == receipt
            if r.label == "web file":
                assert r.answer.location.rstrip("/").endswith(f"/complaints/{receipt}")
    assert "database is locked" not in log.read_text(errors="replace")


# The pages of the demo's participation content: its processes, budgets with their ballots'
# projects, drafts for comment and polls.
PARTICIPATION_PAGES = """
import json, django
django.setup()
from nara.participation.budgets.models import Budget, Project
from nara.participation.consultations.models import Consultation
from nara.participation.models import Process
from nara.participation.polls.models import Poll

found = [p.get_absolute_url() for p in Process.objects.filter(published=True)]
for model in (Budget, Consultation):
    found += [item.get_absolute_url() for item in model.objects.all()]
found += [p.get_absolute_url() for p in Project.objects.on_ballot()]
found += [p.get_absolute_url() for p in Poll.objects.filter(published=True)]
print(json.dumps(found))
"""


def test_the_demo_content_reads_in_english(served):
    """The demo fills both languages: an English reader meets nothing marked "Korean only"."""
    port, env, _crowd, _log = served
    paths = ["/participation/", *run_python(PARTICIPATION_PAGES, env)]
    assert len(paths) > 20
    marked = []
    for path in paths:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=TIMEOUT)
        try:
            conn.request("GET", path, headers={"Accept-Language": "en"})
            response = conn.getresponse()
            body = response.read().decode()
        finally:
            conn.close()
        assert response.status == 200, path
        assert '<html lang="en">' in body, path
        if 'class="korean-only"' in body or "(Korean only)" in body:
            marked.append(path)
        # nor Korean unmarked where the page names what it is about
        for start, end in (("<title>", "</title>"), ("<h1", "</h1>"), ("breadcrumbs", "</nav>")):
            named = body.split(start, 1)[1].split(end, 1)[0] if start in body else ""
            if HANGUL.search(named):
                marked.append(f"{path} {start}: {named.strip()[:80]}")
    assert not marked, f"Korean on English pages: {marked}"


def test_mail_catcher_takes_another_port_when_its_own_is_taken_and_says_so(tmp_path):
    """A second `make run` (or anything on port 1025) used to kill the mail catcher silently:
    the demo then lost every mail. Now it listens elsewhere, says so, and run.sh reads where."""
    log = tmp_path / "mail.log"
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        wanted = taken.getsockname()[1]
        catcher = subprocess.Popen(
            [PY, "scripts/mailcatcher.py", str(wanted), str(log)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        try:
            said = [catcher.stdout.readline(), catcher.stdout.readline()]
            assert said[1].startswith("mail catcher on 127.0.0.1:"), said
            port = int(said[1].removeprefix("mail catcher on 127.0.0.1:").split(",")[0])
            assert port != wanted
            assert (
                said[0] == f"port {wanted} is taken: the mail catcher listens on {port} instead"
                " (MAIL_PORT chooses its port)\n"
            )
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                smtp.sendmail("a@nara.example", ["b@nara.example"], "Subject: hello\n\nbody\n")
            assert "--- mail to b@nara.example: hello" in log.read_text()
        finally:
            catcher.terminate()
            catcher.wait(timeout=10)


def test_make_run_says_when_its_port_is_taken_and_how_to_move_it(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = subprocess.run(
            ["bash", "scripts/run.sh"],
            cwd=ROOT,
            env={**os.environ, "PORT": str(port), "NARA_VAR_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert run.returncode == 1
    assert f"port {port} is taken" in run.stderr and "PORT=" in run.stderr
    assert not (tmp_path / "log" / "mailcatcher.log").exists()  # nothing was started
