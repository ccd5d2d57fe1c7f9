from django.db import models, transaction

from .models import AuditEvent, EventType


def audit_record(
    *,
    actor,
    event_type: EventType,
    target: models.Model,
    from_state: str = "",
    to_state: str = "",
    data: dict | None = None,
) -> AuditEvent:
    """Write one audit event. Must run inside the transaction of the change it records."""
    conn = transaction.get_connection()
    if not conn.in_atomic_block:
        raise RuntimeError("audit_record() must be called inside transaction.atomic()")
    return AuditEvent.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        event_type=event_type,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        from_state=from_state,
        to_state=to_state,
        data=data or {},
    )
