"""Reads of the audit chain for everyone (the public page /open/audit/): its head and the
hashes of one event. Never an event's content, which can hold personal data."""

from dataclasses import dataclass
from datetime import datetime

from .chain import GENESIS
from .models import AuditChainHead, AuditEvent


@dataclass(frozen=True)
class Link:
    """One event as the public sees it: its place in the chain, its hashes and its time."""

    seq: int
    hash: str
    prev_hash: str
    created_at: datetime | None

    def as_json(self) -> dict:
        created_at = self.created_at.isoformat() if self.created_at else None
        return {
            "seq": self.seq,
            "hash": self.hash,
            "prev_hash": self.prev_hash,
            "created_at": created_at,
        }


def chain_head() -> Link:
    """The last event chained (seq 0 and the genesis hash while there is none)."""
    head = AuditChainHead.objects.filter(pk=AuditChainHead.ONE).first()
    if head is None or head.seq == 0:
        return Link(seq=0, hash=GENESIS, prev_hash="", created_at=None)
    prev_hash = AuditEvent.objects.filter(seq=head.seq).values_list("prev_hash", flat=True)
    return Link(
        seq=head.seq, hash=head.hash, prev_hash=prev_hash.first() or "", created_at=head.last_at
    )


def chain_link(seq: int) -> Link | None:
    """The hashes and time of the event at `seq`, or None."""
    row = AuditEvent.objects.filter(seq=seq).values("seq", "hash", "prev_hash", "created_at")
    row = row.first()
    return Link(**row) if row else None
