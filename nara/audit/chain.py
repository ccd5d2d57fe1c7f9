"""The audit log as a hash chain (issue 13): each event carries the hash of the event before it,
so an event changed, removed or slipped in afterwards breaks the chain from that point on, and
`manage.py audit_verify` says where. The head of the chain (its last seq and hash) is public at
/open/audit/: whoever writes it down can later check that the log still extends it.

The rule, exactly, so that anyone can recompute it (this module is the reference):

- Events are numbered 1, 2, 3, … without gaps (`seq`), in the order they were chained.
- An event's content is one JSON object with these keys, sorted, written with no spaces
  (separators "," and ":"), non-ASCII characters as themselves (not \\u escapes), UTF-8:

    {"actor":12,"created_at":"2026-03-01T00:30:00.123456+00:00","data":{"sha256":"9f86…"},
     "event_type":"document.registered","from_state":"","salt":"5f0c…","seq":42,
     "target_id":"7","target_type":"documents.document","to_state":"registered"}

  actor: the acting user's id, or null; created_at: UTC, ISO 8601 with microseconds and
  "+00:00"; data: the event's data, its keys sorted at every level, a number with an integral
  value written as an integer (2.0 as 2; PostgreSQL's jsonb does not keep the difference), other
  numbers as Python's json module writes them; salt: 32 random hexadecimal characters drawn
  for the event when it is written, kept with it and never published; the other values as
  stored (strings).

  Why the salt: many events' content can be guessed (an actor's id, a unit's code, a form's
  few choices), and the public page shows every event's hash and time. Without a secret part,
  trying the guesses against a published hash would reveal who did what (a disclosure
  request's requester, say); with 128 random bits in each event, nothing can be learnt from a
  hash. The operator, who holds the database, verifies with the salts.
- hash = SHA-256 of (prev_hash as its 64 lower-case hex characters, then the content's bytes),
  in lower-case hex. The first event's prev_hash is 64 zeros (GENESIS).

Registered documents are in the chain through their registration event: its data carries the
document's SHA-256 (`"sha256"`), and data is hashed, so the document cannot be swapped later
without breaking the chain.

What the chain proves: nobody changed the log after the fact without rewriting every hash from
that point to the end. Someone with write access to the database can rewrite them all; the
head written down by outsiders is what shows it then (a later head must extend theirs: the same
hash at their seq)."""

import hashlib
import json
import secrets
from datetime import UTC, datetime
from decimal import Decimal

GENESIS = "0" * 64


def _number(text: str) -> int | float:
    """A JSON number with a fraction or exponent: an integer when its value is integral."""
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() else float(text)


def canonical(
    *,
    seq: int,
    created_at: datetime,
    actor_id: int | None,
    event_type: str,
    target_type: str,
    target_id: str,
    from_state: str,
    to_state: str,
    data,
    salt: str,
) -> bytes:
    """An event's content in the canonical form above."""
    plain_data = json.loads(json.dumps(data, allow_nan=False), parse_float=_number)
    content = {
        "actor": actor_id,
        "created_at": created_at.astimezone(UTC).isoformat(timespec="microseconds"),
        "data": plain_data,
        "event_type": str(event_type),
        "from_state": from_state,
        "salt": salt,
        "seq": seq,
        "target_id": target_id,
        "target_type": target_type,
        "to_state": to_state,
    }
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def new_salt() -> str:
    """An event's salt: 128 random bits as 32 hexadecimal characters."""
    return secrets.token_hex(16)


def link_hash(prev_hash: str, content: bytes) -> str:
    """The hash of an event: SHA-256 of its predecessor's hash and its canonical content."""
    return hashlib.sha256(prev_hash.encode("ascii") + content).hexdigest()


def event_hash(prev_hash: str, **fields) -> str:
    """The hash of an event given its predecessor's hash and the fields of `canonical`."""
    return link_hash(prev_hash, canonical(**fields))
