# ruff: noqa: F811  (pytest fixtures imported from tests.live)
"""More than one machine: two app nodes (granian, two ports), two task workers and two
schedulers against one PostgreSQL and one Redis (REDIS_URL, as compose.yaml runs them; public
pages through the replica router, its replica here being the primary itself). Clients file and
sign through both nodes; then the counts are exact, every mail left once, both workers took
tasks, a session opened on node A is valid on node B, the rate limits count hits on both nodes
together, and the schedulers enqueued each round once."""

import hashlib
import itertools
import os
import threading
import time
from collections import Counter

import pytest
import redis
from django.conf import settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django_tasks_db.models import DBTaskResult

from nara.accounts.models import ApiToken
from nara.complaints.models import Complaint
from nara.notifications import services as outbox
from nara.notifications.models import OutboxMessage
from nara.petitions.models import Signature, SignatureCounter
from tests import live
from tests.conftest import PASSWORD, make_user
from tests.live import processes, smtp  # noqa: F401  (fixtures)

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        "postgresql" not in settings.DATABASES["default"]["ENGINE"],
        reason="several machines share PostgreSQL: SQLite is one machine's database",
    ),
]

REDIS_URL = os.environ.get("NARA_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")
PREFIX = f"crashmulti-test-{os.getpid()}"  # this run's keys only; removed afterwards
CITIZENS, COMPLAINTS_EACH = 6, 5
TOKEN_SIGNERS, WEB_SIGNERS = 60, 20
SCHEDULER_INTERVAL = 2


@pytest.fixture
def shared_redis():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        pytest.fail(f"Redis does not answer at {REDIS_URL} (`make test` starts it)")
    yield
    keys = list(client.scan_iter(match=f"{PREFIX}:*"))
    if keys:
        client.delete(*keys)


def login(port: int, email: str) -> str:
    """Sign in through the web form; returns the new session's key."""
    status, headers, content = live.request(
        port,
        "POST",
        "/accounts/login/",
        form={"email": email, "password": PASSWORD, "csrfmiddlewaretoken": live.CSRF},
        headers={"Cookie": f"csrftoken={live.CSRF}", "X-Forwarded-For": "10.9.9.9"},
    )
    assert status == 302, (status, content)
    cookie = next(c for c in headers["set-cookie"].split("\n") if c.startswith("sessionid="))
    return cookie.split(";")[0].removeprefix("sessionid=")


def file_complaint(port: int, token: str, key: str) -> int:
    status, _, content = live.request(
        port,
        "POST",
        "/api/v1/complaints",
        body={"kind": "grievance", "title": f"Limit {key}", "body": "B", "confirm_repeat": True},
        headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
    )
    return status


def test_two_nodes_two_workers_one_database_one_redis(
    world, moderator, smtp, shared_redis, processes, tmp_path
):
    smtp_port, mailbox = smtp
    petition = live.open_petition(world, moderator)
    ips = (f"10.{i // 200}.{i % 200}.9" for i in itertools.count())
    operations = []
    for c in range(CITIZENS):
        token = ApiToken.issue(make_user(f"filer{c}@example.com"))
        for n in range(COMPLAINTS_EACH):
            operations.append(live.complaint_filing(token, f"multi-{c}-{n}", c * 100 + n))
    for s in range(TOKEN_SIGNERS):
        signer = make_user(f"token-signer{s}@example.com")
        token = ApiToken.issue(signer)
        operations.append(live.token_signing(token, petition.pk, signer.pk, next(ips)))
    for s in range(WEB_SIGNERS):
        signer = make_user(f"web-signer{s}@example.com")
        session = live.signed_in_session(signer)
        operations.append(live.web_signing(session, petition.pk, signer.pk, next(ips)))
    walker = make_user("walker@example.com")  # signs in on node A, signs on node B
    walker.password = Argon2PasswordHasher().encode(PASSWORD, Argon2PasswordHasher().salt())
    walker.save(update_fields=["password"])
    mail_before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    env = live.production_env(
        smtp_port=smtp_port,
        var_dir=tmp_path,
        REDIS_URL=REDIS_URL,
        CACHE_KEY_PREFIX=PREFIX,
        REPLICA_DATABASE_URL=live.database_url(),
    )
    port_a, port_b = live.free_port(), live.free_port()
    node_a = live.server("node-a", port_a, env, tmp_path)
    node_b = live.server("node-b", port_b, env, tmp_path)
    started_at = time.time()
    processes += [
        node_a.start(),
        node_b.start(),
        live.worker("worker-1", env, tmp_path).start(),
        live.worker("worker-2", env, tmp_path).start(),
        live.scheduler("scheduler-1", env, tmp_path, SCHEDULER_INTERVAL).start(),
        live.scheduler("scheduler-2", env, tmp_path, SCHEDULER_INTERVAL).start(),
    ]
    for node, port in ((node_a, port_a), (node_b, port_b)):
        live.poll(lambda port=port: live.healthy(port), timeout=30, what=node.name, watch=(node,))

    turns, turn_lock = itertools.cycle((port_a, port_b)), threading.Lock()

    def next_node():
        with turn_lock:
            return next(turns)

    load = live.Load(operations, clients=12, ports=next_node).start()

    # a session opened on node A is valid on node B
    session = login(port_a, walker.email)
    status, headers, _ = live.request(
        port_b,
        "POST",
        f"/petitions/{petition.pk}/sign/",
        form={"csrfmiddlewaretoken": live.CSRF},
        headers=live.web_headers(session, "10.9.9.10"),
    )
    assert (status, headers["location"]) == (302, f"/petitions/{petition.pk}/")
    assert Signature.objects.filter(petition=petition, user=walker).exists()

    # the same Idempotency-Key on both nodes files one complaint
    twice = ApiToken.issue(make_user("twice@example.com"))
    first = live.complaint_filing(twice, "same-key", 1)(port_a)
    again = live.complaint_filing(twice, "same-key", 1)(port_b)
    assert first == again

    # a rate limit counts the hits on both nodes together
    limit, window = settings.NARA_RATE_LIMITS["complaint_file"]
    accepted = 0
    for attempt in range(2):  # again, once, if the limit's window turned during the first
        window_no = int(time.time() // window)
        token = ApiToken.issue(make_user(f"limited{attempt}@example.com"))
        statuses = [
            file_complaint(port, token, f"limit-{attempt}-{i}")
            for i, port in zip(range(limit + 2), itertools.cycle((port_a, port_b)), strict=False)
        ]
        accepted += statuses.count(201)
        if int(time.time() // window) == window_no:
            break
    assert statuses == [201] * limit + [429] * 2

    load.join()
    assert load.failures == []
    assert len(load.acks) == len(operations)

    # exact counts: every complaint once per key; every signature once; shards sum to rows
    keys = [
        f"api:{hashlib.sha256(ack[1].encode()).hexdigest()}"
        for ack in load.acks
        if ack[0] == "complaint"
    ]
    assert len(keys) == CITIZENS * COMPLAINTS_EACH
    stored = Counter(
        Complaint.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    )
    assert stored == Counter(keys)
    assert Complaint.objects.filter(citizen__email="twice@example.com").count() == 1
    signers = {ack[1] for ack in load.acks if ack[0] == "signature"} | {walker.pk}
    rows = Signature.objects.filter(petition=petition)
    assert set(rows.values_list("user_id", flat=True)) == signers
    assert rows.count() == len(signers) == TOKEN_SIGNERS + WEB_SIGNERS + 1
    assert sum(
        SignatureCounter.objects.filter(petition=petition).values_list("count", flat=True)
    ) == len(signers)

    # every mail left once, and both workers took their share
    queued = OutboxMessage.objects.filter(pk__gt=mail_before)
    live.poll(
        lambda: not queued.exclude(status=OutboxMessage.Status.SENT).exists(),
        timeout=30,
        what="every mail sent",
    )
    filed = CITIZENS * COMPLAINTS_EACH + 1 + accepted
    assert queued.count() == filed  # a receipt for each complaint
    copies = Counter(m["Message-ID"] for _, m in mailbox.messages)
    assert sorted(copies) == sorted(outbox.message_id_header(m) for m in queued)
    assert set(copies.values()) == {1}
    mail_tasks = DBTaskResult.objects.filter(task_path__endswith="deliver_outbox_message")
    workers = Counter(
        worker for ids in mail_tasks.values_list("worker_ids", flat=True) for worker in ids
    )
    assert set(workers) == {"worker-1", "worker-2"}, workers

    # two schedulers, each round enqueued once
    rounds = (time.time() - started_at) / SCHEDULER_INTERVAL
    sweeps = DBTaskResult.objects.filter(task_path__endswith="deliver_due_outbox").count()
    assert 1 <= sweeps <= rounds + 1, (sweeps, rounds)
    print(
        f"{len(operations)} requests on two nodes, {filed} mails, tasks per worker {dict(workers)}, {sweeps} sweeps in {rounds:.1f} rounds"
    )
