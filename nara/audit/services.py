from django.db import models, transaction
from django.utils import timezone

from .chain import GENESIS, event_hash, new_salt
from .models import AuditChainHead, AuditEvent, EventType


def audit_record(
    *,
    actor,
    event_type: EventType,
    target: models.Model,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Write one audit event, the next link of the hash chain (chain.py). Must run inside the
    transaction of the change it records.

    The chain's head row is locked from here until that transaction ends: audited transactions
    pass this point one at a time, so call it once the change is made (the usual order: lock,
    check, change, audit). Everything that does not need the head is prepared before it is
    locked; under the lock: the time, the hash, one INSERT and one UPDATE."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit_record() must be called inside transaction.atomic()")
    event = AuditEvent(
        actor=actor if actor is not None and actor.is_authenticated else None,
        event_type=event_type,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        from_state=from_state,
        to_state=to_state,
        data=data or {},
        salt=new_salt(),
    )
    head = _head_locked()
    event.seq = head.seq + 1
    event.created_at = timezone.now()
    event.prev_hash = head.hash
    event.hash = event_hash(
        head.hash,
        seq=event.seq,
        created_at=event.created_at,
        actor_id=event.actor_id,
        event_type=event.event_type,
        target_type=event.target_type,
        target_id=event.target_id,
        from_state=event.from_state,
        to_state=event.to_state,
        data=event.data,
        salt=event.salt,
    )
    event.save(force_insert=True)
    AuditChainHead.objects.filter(pk=AuditChainHead.ONE).update(
        seq=event.seq, hash=event.hash, last_at=event.created_at
    )
    return event


def _head_locked() -> AuditChainHead:
    """The chain's head, locked to the end of the transaction. Migration 0012 writes the row;
    a database emptied since (tests flush theirs) gets it again, from its last event."""
    heads = AuditChainHead.objects.select_for_update()
    head = heads.filter(pk=AuditChainHead.ONE).first()
    if head is None:
        last = AuditEvent.objects.order_by("-seq").first()
        AuditChainHead.objects.bulk_create(
            [
                AuditChainHead(
                    seq=last.seq if last else 0,
                    hash=last.hash if last else GENESIS,
                    last_at=last.created_at if last else None,
                )
            ],
            ignore_conflicts=True,  # another transaction did it first: take theirs
        )
        head = heads.get(pk=AuditChainHead.ONE)
    return head
