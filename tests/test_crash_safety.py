# ruff: noqa: F811  (pytest fixtures imported from tests.live)
"""Crash safety, with the real processes: granian serving nara.wsgi as in production, the task
worker and the scheduler, on this test's database, mailing to a real SMTP server. Many clients
file complaints (API, Idempotency-Key) and sign a petition (API with tokens, through the WSGI
group-commit path; and signed in on the web) while the server and the worker are killed with
SIGKILL twice mid-load and started again; clients resend the same request after a connection
error. Then: every request that got a success answer is in the database, once; the signature
count is exact; every queued mail left, once (see nara.notifications.services.outbox_deliver
for the one window where a second copy, with the same Message-ID, can leave)."""

import hashlib
import itertools
import random
from collections import Counter

import pytest

from nara.accounts.models import ApiToken
from nara.complaints.models import Complaint
from nara.notifications import services as outbox
from nara.notifications.models import OutboxMessage
from nara.petitions.models import Signature, SignatureCounter
from tests import live
from tests.conftest import make_user
from tests.live import processes, smtp  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)

CITIZENS, COMPLAINTS_EACH = 8, 6  # 48 complaints (the API allows 20 an hour to one citizen)
TOKEN_SIGNERS, WEB_SIGNERS = 80, 32
CLIENTS = 16


def test_acknowledged_writes_survive_sigkill_and_mail_leaves_once(
    world, moderator, smtp, processes, tmp_path
):
    smtp_port, mailbox = smtp
    petition = live.open_petition(world, moderator)
    operations = []
    ips = (f"10.{i // 200}.{i % 200}.7" for i in itertools.count())
    for c in range(CITIZENS):
        token = ApiToken.issue(make_user(f"filer{c}@example.com"))
        for n in range(COMPLAINTS_EACH):
            operations.append(live.complaint_filing(token, f"crash-{c}-{n}", c * 100 + n))
    for s in range(TOKEN_SIGNERS):
        signer = make_user(f"token-signer{s}@example.com")
        operations.append(
            live.token_signing(ApiToken.issue(signer), petition.pk, signer.pk, next(ips))
        )
    for s in range(WEB_SIGNERS):
        signer = make_user(f"web-signer{s}@example.com")
        session = live.signed_in_session(signer)
        operations.append(live.web_signing(session, petition.pk, signer.pk, next(ips)))
    # every kind in flight all along, so each is cut by the kills (the same order every run)
    random.Random(11).shuffle(operations)
    mail_before = OutboxMessage.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    env = live.production_env(smtp_port=smtp_port, var_dir=tmp_path)
    port = live.free_port()
    site = live.server("server", port, env, tmp_path)
    task_worker = live.worker("worker", env, tmp_path)
    processes += [
        site.start(),
        task_worker.start(),
        live.scheduler("scheduler", env, tmp_path).start(),
    ]
    live.poll(lambda: live.healthy(port), timeout=30, what="the server", watch=(site,))

    load = live.Load(operations, clients=CLIENTS, ports=lambda: port).start()
    for third in (1, 2):  # kill at a third and at two thirds of the answers
        load.wait_for_acks(len(operations) * third // 3)
        load.up.clear()
        site.kill()
        task_worker.kill()
        site.start()
        task_worker.start()
        live.poll(lambda: live.healthy(port), timeout=30, what="the restart", watch=(site,))
        load.up.set()
    load.join()

    assert load.failures == []
    assert len(load.acks) == len(operations)
    assert load.retries > 0, "no request was cut by a crash: the test tested nothing"
    assert site.starts == 3 and task_worker.starts == 3

    # every acknowledged complaint is there, once per Idempotency-Key
    filed = [ack for ack in load.acks if ack[0] == "complaint"]
    assert len(filed) == CITIZENS * COMPLAINTS_EACH
    keys = [f"api:{hashlib.sha256(key.encode()).hexdigest()}" for _, key, _ in filed]
    stored = Counter(
        Complaint.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    )
    assert stored == Counter(keys)
    assert set(
        Complaint.objects.filter(idempotency_key__in=keys).values_list("receipt_no", flat=True)
    ) == {receipt for _, _, receipt in filed}

    # every acknowledged signature is there, once; the shards sum to the rows
    signers = {user_id for kind, user_id, _ in load.acks if kind == "signature"}
    assert len(signers) == TOKEN_SIGNERS + WEB_SIGNERS
    rows = Signature.objects.filter(petition=petition)
    assert set(rows.values_list("user_id", flat=True)) == signers
    assert rows.count() == len(signers)
    assert sum(
        SignatureCounter.objects.filter(petition=petition).values_list("count", flat=True)
    ) == len(signers)

    # every queued mail leaves (the scheduler's sweep takes back what a killed worker held)
    queued = OutboxMessage.objects.filter(pk__gt=mail_before)
    live.poll(
        lambda: not queued.exclude(status=OutboxMessage.Status.SENT).exists(),
        timeout=45,
        what="every mail sent",
        watch=(task_worker,),
    )
    messages = list(queued)
    assert len(messages) == CITIZENS * COMPLAINTS_EACH  # a receipt for each complaint
    copies = Counter(m["Message-ID"] for _, m in mailbox.messages)
    by_address = Counter(
        (rcpt[0], str(m["Subject"]), m["Message-ID"]) for rcpt, m in mailbox.messages
    )
    for message in messages:
        message_id = outbox.message_id_header(message)
        assert by_address[(message.to_email, message.subject, message_id)] == copies[message_id]
        if message.last_error == outbox.LEASE_EXPIRED:
            # killed after the mail server accepted it and before SENT: the same mail again
            assert 1 <= copies[message_id] <= 2, message
        else:
            assert copies[message_id] == 1, message
    assert sum(copies.values()) == len(mailbox.messages)  # nothing we did not queue
    print(
        f"{len(operations)} requests, {load.retries} resends, answered after one: {dict(load.resent)},"
        f" {len(messages)} mails, {sum(m.last_error == outbox.LEASE_EXPIRED for m in messages)}"
        f" taken back from a killed worker, {len(mailbox.messages) - len(messages)} sent twice"
    )
