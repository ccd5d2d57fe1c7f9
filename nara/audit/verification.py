"""Walking the audit chain (chain.py) to find its first broken link: `manage.py audit_verify`.

The walk reads the events in seq order, a batch at a time (constant memory), recomputes every
hash and checks every link:
- an event changed afterwards: its content no longer gives its hash;
- an event deleted: a gap in seq, and the next event's prev_hash points at nothing;
- an event inserted: seq is unique, so it either takes a free seq in the middle after the
  others were renumbered (their hashes, which include seq, and links break) or one after the
  head: an event beyond the chain's head row was not appended by audit_record();
- the end cut off: the head row records a seq the walk did not reach, or another hash.

It runs beside the site's writes: it reads the head first and checks the chain up to it;
events appended meanwhile are left to the next run."""

from dataclasses import dataclass

from .chain import GENESIS, event_hash
from .models import AuditChainHead, AuditEvent

LINK_FIELDS = (
    "id",
    "seq",
    "created_at",
    "actor_id",
    "event_type",
    "target_type",
    "target_id",
    "from_state",
    "to_state",
    "data",
    "salt",
    "prev_hash",
    "hash",
)


@dataclass(frozen=True)
class Verdict:
    """What the walk found: the events checked and the head, or where the chain breaks."""

    checked: int
    first_seq: int
    head_seq: int
    head_hash: str
    broken_seq: int | None = None
    broken_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_seq is None

    def __str__(self) -> str:
        if self.intact:
            span = f" (seq {self.first_seq}–{self.head_seq})" if self.checked else ""
            return (
                f"audit chain intact: {self.checked} events{span}, "
                f"head seq {self.head_seq} {self.head_hash}"
            )
        event = f" (event id {self.broken_id})" if self.broken_id is not None else ""
        return f"audit chain broken at seq {self.broken_seq}{event}: {self.reason}"


def chain_verify(
    *, from_seq: int = 1, expect: tuple[int, str] | None = None, batch: int = 5000
) -> Verdict:
    """Check the chain from `from_seq` (trusting the stored hash of the event before it) to
    the head. `expect`: a (seq, hash) written down earlier, which the chain must still hold."""
    head = AuditChainHead.objects.filter(pk=AuditChainHead.ONE).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    start = dict(checked=0, first_seq=from_seq, head_seq=head_seq, head_hash=head_hash)
    prev = GENESIS
    if from_seq > 1:
        prev = AuditEvent.objects.filter(seq=from_seq - 1).values_list("hash", flat=True).first()
        if prev is None:
            reason = f"missing, so nothing to start from (the chain head is seq {head_seq})"
            return Verdict(**start, broken_seq=from_seq - 1, reason=reason)
    checked, seq, event_id = 0, from_seq - 1, None
    while seq < head_seq:
        rows = AuditEvent.objects.filter(seq__gt=seq, seq__lte=head_seq).order_by("seq")
        rows = list(rows.values_list(*LINK_FIELDS)[:batch])
        if not rows:
            break
        for event_id, found, *content, prev_hash, stored in rows:
            reason = _broken_link(seq + 1, found, prev, prev_hash, stored, content)
            if reason:
                return Verdict(**start, broken_seq=found, broken_id=event_id, reason=reason)
            checked, seq, prev = checked + 1, found, stored
    start["checked"] = checked
    if seq < head_seq:
        reason = f"missing: the chain head records seq {head_seq} (events deleted at the end?)"
        return Verdict(**start, broken_seq=seq + 1, reason=reason)
    if head_seq and prev != head_hash:
        reason = "the chain head records another hash for the last event"
        return Verdict(**start, broken_seq=seq, broken_id=event_id, reason=reason)
    return _beyond_head(start) or _unlike(expect, start) or Verdict(**start)


def _broken_link(expected: int, seq: int, prev: str, prev_hash: str, stored: str, content):
    """Why the event at `seq` does not extend the chain whose last hash is `prev`, or ''."""
    if seq != expected:
        missing = f"seq {expected}" if seq == expected + 1 else f"seq {expected}–{seq - 1}"
        return f"{missing} missing before it (deleted?)"
    if prev_hash != prev:
        return f"its prev_hash is not the hash of seq {seq - 1} (an event changed or inserted?)"
    created_at, actor_id, event_type, target_type, target_id, from_state, to_state, data, salt = (
        content
    )
    computed = event_hash(
        prev,
        seq=seq,
        created_at=created_at,
        actor_id=actor_id,
        event_type=event_type,
        target_type=target_type,
        target_id=target_id,
        from_state=from_state,
        to_state=to_state,
        data=data,
        salt=salt,
    )
    if computed != stored:
        return "its content does not give its hash (changed after it was written?)"
    return ""


def _unlike(expect: tuple[int, str] | None, start: dict) -> Verdict | None:
    """The chain does not hold the (seq, hash) written down earlier."""
    if expect is None:
        return None
    seq, written = expect
    link = AuditEvent.objects.filter(seq=seq).values_list("id", "hash").first()
    if link is None:
        reason = f"no such event: the chain ends at seq {start['head_seq']}"
        return Verdict(**start, broken_seq=seq, reason=reason)
    if link[1] != written:
        reason = f"its hash is not {written}, the one written down for it"
        return Verdict(**start, broken_seq=seq, broken_id=link[0], reason=reason)
    return None


def _beyond_head(start: dict) -> Verdict | None:
    """An event after the head, once the head is read again (audit_record moves the head in
    the transaction that adds the event, so none can be committed beyond it): inserted."""
    last = AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first()
    head = AuditChainHead.objects.filter(pk=AuditChainHead.ONE).first()
    head_seq = head.seq if head else 0
    if last is None or last <= head_seq:
        return None
    first_id, first = (
        AuditEvent.objects.filter(seq__gt=head_seq).order_by("seq").values_list("id", "seq")[0]
    )
    where = f"seq {head_seq}" if head else "none: its row is missing"
    reason = f"after the chain head ({where}): not appended by audit_record (inserted?)"
    return Verdict(**start, broken_seq=first, broken_id=first_id, reason=reason)
