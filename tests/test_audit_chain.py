"""The audit log as a hash chain (issue 13): every event links to the one before it,
`manage.py audit_verify` finds an event edited, deleted or inserted with raw SQL and says where,
many transactions auditing at once leave a gapless chain, and /open/audit/ shows the head to
anyone, never an event's content. On SQLite and on PostgreSQL."""

import hashlib
import importlib
import json
import re
from datetime import UTC, datetime
from io import StringIO
from pathlib import Path
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.test import Client

from nara.audit.chain import GENESIS, canonical, event_hash
from nara.audit.models import AuditChainHead, AuditEvent, EventType
from nara.audit.services import audit_record
from nara.audit.verification import chain_verify
from tests.helpers import together

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def record(target, n=1, *, actor=None, data=None) -> list[AuditEvent]:
    with transaction.atomic():
        return [
            audit_record(
                actor=actor,
                event_type=EventType.HOLIDAY_ADDED,
                target=target,
                to_state="added",
                data={"i": i, **(data or {})},
            )
            for i in range(n)
        ]


def sql(statement: str, params=()) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def verify(*args) -> str:
    out = StringIO()
    call_command("audit_verify", *args, stdout=out)
    return out.getvalue()


def broken(*args) -> str:
    with pytest.raises(CommandError) as error:
        verify(*args)
    return str(error.value)


@pytest.fixture
def chain(world) -> list[AuditEvent]:
    """Six events by an official, with Korean and numbers that PostgreSQL's jsonb rewrites."""
    data = {"이유": "공휴일", "b": 2.0, "a": 1e20, "small": 1.5e-7, "nested": {"z": [0.1, 3]}}
    return record(world.roads, 6, actor=world.handler, data=data)


def test_each_event_links_to_the_one_before(chain, world):
    seqs = [(e.seq, e.prev_hash) for e in AuditEvent.objects.order_by("seq")]
    assert [s for s, _prev in seqs] == [1, 2, 3, 4, 5, 6]
    assert [p for _s, p in seqs] == [GENESIS] + [e.hash for e in chain[:-1]]
    head = AuditChainHead.objects.get()
    assert (head.seq, head.hash, head.last_at) == (6, chain[-1].hash, chain[-1].created_at)
    stored = AuditEvent.objects.get(seq=3)  # as the database gives it back
    assert stored.hash == event_hash(
        stored.prev_hash,
        seq=3,
        created_at=stored.created_at,
        actor_id=world.handler.pk,
        event_type="holiday.added",
        target_type="agencies.unit",
        target_id=str(world.roads.pk),
        from_state="",
        to_state="added",
        data=stored.data,
        salt=stored.salt,
    )
    assert len(stored.salt) == 32 and len({e.salt for e in AuditEvent.objects.all()}) == 6
    assert verify() == f"audit chain intact: 6 events (seq 1–6), head seq 6 {chain[-1].hash}\n"


def test_the_canonical_form_is_the_one_documented():
    """The bytes an outsider hashes, written out: pinned so that the rule cannot drift."""
    fields = dict(
        seq=42,
        created_at=datetime(2026, 3, 1, 9, 30, 0, 123456, tzinfo=ZoneInfo("Asia/Seoul")),
        actor_id=12,
        event_type=EventType.DOCUMENT_REGISTERED,
        target_type="documents.document",
        target_id="7",
        from_state="",
        to_state="registered",
        data={"title": "공문", "sha256": "9f86", "pages": 2.0, "size": 0.5},
        salt="5f0c" * 8,
    )
    expected = (
        '{"actor":12,"created_at":"2026-03-01T00:30:00.123456+00:00",'
        '"data":{"pages":2,"sha256":"9f86","size":0.5,"title":"공문"},'
        '"event_type":"document.registered","from_state":"","salt":"' + "5f0c" * 8 + '","seq":42,'
        '"target_id":"7","target_type":"documents.document","to_state":"registered"}'
    ).encode()
    assert canonical(**fields) == expected
    previous = "ab" * 32
    assert (
        event_hash(previous, **fields) == hashlib.sha256(previous.encode() + expected).hexdigest()
    )


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("data", '{"i": 2, "이유": "바뀜"}'),
        ("to_state", "removed"),
        ("target_id", "999"),
        ("created_at", "2020-01-01 00:00:00+00:00"),
    ],
)
def test_an_event_edited_with_raw_sql_is_found(chain, column, value):
    sql(f"UPDATE audit_auditevent SET {column} = %s WHERE seq = 4", [value])
    assert broken() == (
        f"audit chain broken at seq 4 (event id {chain[3].pk}): "
        "its content does not give its hash (changed after it was written?)"
    )


def test_an_event_edited_with_its_hash_recomputed_is_found_at_the_next(chain):
    """Someone who knows the rule recomputes the edited event's hash: the next link breaks."""
    edited = AuditEvent.objects.get(seq=4)
    edited.data = {"i": 3, "forged": True}
    fields = {f: getattr(edited, f) for f in ("seq", "created_at", "actor_id", "event_type")}
    fields.update({f: getattr(edited, f) for f in ("target_type", "target_id", "from_state")})
    fields["salt"] = edited.salt  # the operator's view: they hold the salts
    new_hash = event_hash(edited.prev_hash, **fields, to_state=edited.to_state, data=edited.data)
    sql(
        "UPDATE audit_auditevent SET data = %s, hash = %s WHERE seq = 4",
        [json.dumps(edited.data), new_hash],
    )
    assert f"broken at seq 5 (event id {chain[4].pk}): its prev_hash is not" in broken()


def test_an_event_deleted_with_raw_sql_is_found(chain):
    sql("DELETE FROM audit_auditevent WHERE seq = 3")
    assert broken() == (
        f"audit chain broken at seq 4 (event id {chain[3].pk}): seq 3 missing before it (deleted?)"
    )


def test_events_deleted_at_the_end_are_found_by_the_head(chain):
    sql("DELETE FROM audit_auditevent WHERE seq >= 5")
    assert broken() == (
        "audit chain broken at seq 5: missing: the chain head records seq 6 "
        "(events deleted at the end?)"
    )
    # moving the head back as well leaves a chain that holds, but not the head written down
    sql("UPDATE audit_auditchainhead SET seq = 4, hash = %s", [chain[3].hash])
    assert "intact: 4 events" in verify()
    assert broken("--expect", f"6:{chain[5].hash}") == (
        "audit chain broken at seq 6: no such event: the chain ends at seq 4"
    )


SALT = "0" * 32  # a forger with the database writes a salt too


def _insert(seq, prev_hash, hash_, created_at="2026-12-01 00:00:00+00:00") -> int:
    sql(
        "INSERT INTO audit_auditevent (seq, created_at, event_type, target_type, target_id, "
        "from_state, to_state, data, prev_hash, hash, salt) "
        "VALUES (%s, %s, 'holiday.removed', 'agencies.unit', '1', '', '', '{}', %s, %s, %s)",
        [seq, created_at, prev_hash, hash_, SALT],
    )
    return AuditEvent.objects.get(seq=seq).pk


def _forged_hash(seq, prev_hash) -> str:
    """The hash someone who read chain.py computes for the row _insert writes."""
    return event_hash(
        prev_hash,
        seq=seq,
        created_at=datetime(2026, 12, 1, tzinfo=UTC),
        actor_id=None,
        event_type="holiday.removed",
        target_type="agencies.unit",
        target_id="1",
        from_state="",
        to_state="",
        data={},
        salt=SALT,
    )


@pytest.mark.parametrize("hashed", ["garbage", "computed"], ids=["bad hash", "right hash"])
def test_an_event_inserted_at_the_end_with_raw_sql_is_found(chain, hashed):
    """A plausible next seq and a link to the last event; its hash is made up or even right:
    the head did not move, so it was not appended by audit_record."""
    last = chain[-1].hash
    forged = _insert(7, last, "f" * 64 if hashed == "garbage" else _forged_hash(7, last))
    assert broken() == (
        f"audit chain broken at seq 7 (event id {forged}): after the chain head (seq 6): "
        "not appended by audit_record (inserted?)"
    )


def test_an_event_inserted_in_the_middle_with_raw_sql_is_found(chain):
    """seq is unique: to slip an event in after seq 3, the later ones are renumbered first.
    The forged event links correctly; the one after it no longer does."""
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert(4, chain[2].hash, _forged_hash(4, chain[2].hash))
    sql("UPDATE audit_auditevent SET seq = seq + 1000 WHERE seq > 3")
    sql("UPDATE audit_auditevent SET seq = seq - 999 WHERE seq > 1000")
    sql("UPDATE audit_auditchainhead SET seq = 7")
    _insert(4, chain[2].hash, _forged_hash(4, chain[2].hash))
    assert broken() == (
        f"audit chain broken at seq 5 (event id {chain[3].pk}): "
        "its prev_hash is not the hash of seq 4 (an event changed or inserted?)"
    )


def test_a_head_changed_with_raw_sql_is_found(chain):
    sql("UPDATE audit_auditchainhead SET hash = %s", ["0" * 63 + "1"])
    assert broken() == (
        f"audit chain broken at seq 6 (event id {chain[5].pk}): "
        "the chain head records another hash for the last event"
    )


def test_verify_walks_in_batches_from_a_seq_and_checks_a_head_written_down(chain):
    head = f"6:{chain[5].hash}"
    assert verify("--batch", "2", "--expect", head).startswith("audit chain intact: 6 events")
    assert verify("--from-seq", "4").startswith("audit chain intact: 3 events (seq 4–6)")
    sql("UPDATE audit_auditevent SET data = '{}' WHERE seq = 2")
    assert verify("--from-seq", "3").startswith("audit chain intact: 4 events (seq 3–6)")
    assert "broken at seq 2" in broken("--batch", "2")
    assert "its hash is not" in broken("--from-seq", "3", "--expect", f"5:{chain[5].hash}")


def test_an_empty_log_is_intact(db):
    assert verify() == f"audit chain intact: 0 events, head seq 0 {GENESIS}\n"


@pytest.mark.django_db(transaction=True)
def test_audit_record_needs_a_transaction(world):
    with pytest.raises(RuntimeError):
        audit_record(actor=None, event_type=EventType.HOLIDAY_ADDED, target=world.roads)


def test_the_migration_chains_the_events_already_written(world):
    """Events written before the chain, in (created_at, id) order, whatever their seq now."""
    events = record(world.roads, 5, data={"x": 1.0})
    sql("UPDATE audit_auditevent SET created_at = %s WHERE seq = 2", ["2001-01-01 00:00:00+00"])
    sql("UPDATE audit_auditevent SET seq = seq + 100, prev_hash = '', hash = ''")
    AuditChainHead.objects.all().delete()
    migration = importlib.import_module("nara.audit.migrations.0012_hash_chain")
    migration.BATCH = 2
    try:
        migration.chain_existing(_Apps(), SimpleNamespace(connection=connection))
    finally:
        migration.BATCH = 5000
    order = list(AuditEvent.objects.order_by("seq").values_list("seq", "pk"))
    expected_pks = [events[1].pk] + [e.pk for e in events if e.pk != events[1].pk]
    assert order == list(zip(range(1, 6), expected_pks, strict=True))
    assert chain_verify().intact and AuditChainHead.objects.get().seq == 5
    record(world.roads)  # and the chain goes on from there
    assert chain_verify().checked == 6


class _Apps:
    @staticmethod
    def get_model(app_label, name):
        return {"AuditEvent": AuditEvent, "AuditChainHead": AuditChainHead}[name]


def test_a_database_without_its_head_row_gets_it_from_the_last_event(chain, world):
    """Tests flush their tables; the head row the migration wrote is then gone."""
    AuditChainHead.objects.all().delete()
    event = record(world.roads)[0]
    assert (event.seq, event.prev_hash) == (7, chain[-1].hash)
    assert chain_verify().intact


class _Rollback(Exception):
    pass


@pytest.mark.django_db(transaction=True)
def test_many_transactions_auditing_at_once_leave_a_gapless_chain(world):
    """16 threads, each with 6 transactions of two events; every third transaction rolls back
    after auditing. The chain has no gap, verifies, and its head is the last event."""
    threads, rounds = 16, 6

    def work(i):
        for j in range(rounds):
            try:
                with transaction.atomic():
                    record(world.roads, 2, data={"thread": i, "round": j})
                    if (i + j) % 3 == 0:
                        raise _Rollback
            except _Rollback:
                pass

    assert together(threads, work) == [None] * threads
    committed = sum((i + j) % 3 != 0 for i in range(threads) for j in range(rounds))
    seqs = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, 2 * committed + 1))
    verdict = chain_verify(batch=7)
    assert verdict.intact and verdict.checked == 2 * committed
    assert AuditChainHead.objects.get().seq == 2 * committed


def test_the_public_page_shows_the_head_and_an_events_hashes_only(chain, world):
    client = Client(headers={"accept-language": "en"})
    html = client.get("/open/audit/").content.decode()
    assert chain[-1].hash in html and ">6</dd>" in html
    html = client.get("/open/audit/", {"seq": "3"}).content.decode()
    assert "Entry 3" in html and chain[2].hash in html and chain[1].hash in html
    assert chain[3].hash not in html.split("Entry 3")[1]
    for content in ("공휴일", "holiday.added", "added", "agencies.unit", world.handler.email):
        assert content not in html.split("<main")[1].split("</main>")[0]
    for asked, problem in (("99", "No entry has number 99 yet."), ("x", "a whole number")):
        html = client.get("/open/audit/", {"seq": asked}).content.decode()
        assert problem in html and 'aria-invalid="true"' in html
    assert client.get("/open/audit/", {"seq": "9" * 30}).status_code == 200


def test_the_chain_as_json_for_programs(chain):
    client = Client()
    head = client.get("/open/audit/head.json").json()
    assert head == {
        "seq": 6,
        "hash": chain[5].hash,
        "prev_hash": chain[4].hash,
        "created_at": chain[5].created_at.astimezone(UTC).isoformat(),
    }
    link = client.get("/open/audit/2.json").json()
    assert (link["seq"], link["hash"], link["prev_hash"]) == (2, chain[1].hash, chain[0].hash)
    assert set(link) == {"seq", "hash", "prev_hash", "created_at"}  # no content
    assert client.get("/open/audit/7.json").status_code == 404
    assert client.get("/open/audit/0.json").status_code == 404


@pytest.mark.parametrize("language", ["ko", "en"])
def test_every_page_links_to_the_public_page(db, language):
    html = Client(headers={"accept-language": language}).get("/").content.decode()
    assert 'href="/open/audit/"' in html.split("<footer")[1]
    empty = Client(headers={"accept-language": language}).get("/open/audit/")
    assert empty.status_code == 200 and GENESIS not in empty.content.decode()


def test_only_audit_record_writes_events():
    """No code but nara/audit creates events (they would not be chained); the benchmark's
    bulk load links its rows the same way (bench/complaints.py, chain_audit_rows)."""
    writes = re.compile(r"AuditEvent(\.objects\.(create|bulk_create|get_or_create)|\()")
    found = [
        str(path.relative_to(ROOT))
        for folder in ("nara", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
        and path.parent != ROOT / "nara" / "audit"
        and writes.search(path.read_text(encoding="utf-8"))
    ]
    assert found == []
    assert 'chain_audit_rows(rows["audit"])' in (ROOT / "bench/complaints.py").read_text()
