"""The audit log becomes a hash chain (nara/audit/chain.py): the events already written are
chained in (created_at, id) order, in batches, and the chain's head row is written; then seq
is made unique and the three fields required."""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import Q

from nara.audit.chain import GENESIS, event_hash, new_salt

BATCH = 5000
FIELDS = (
    "id",
    "created_at",
    "actor_id",
    "event_type",
    "target_type",
    "target_id",
    "from_state",
    "to_state",
    "data",
)


def chain_existing(apps, schema_editor):
    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    events = AuditEvent.objects.using(schema_editor.connection.alias).order_by("created_at", "id")
    seq, prev, last = 0, GENESIS, None
    while True:
        page = events if last is None else events.filter(
            Q(created_at__gt=last[1]) | Q(created_at=last[1], id__gt=last[0])
        )
        rows = list(page.values_list(*FIELDS)[:BATCH])
        if not rows:
            break
        links = []
        for pk, created_at, actor_id, event_type, target_type, target_id, frm, to, data in rows:
            seq += 1
            salt = new_salt()
            link = event_hash(
                prev,
                seq=seq,
                created_at=created_at,
                actor_id=actor_id,
                event_type=event_type,
                target_type=target_type,
                target_id=target_id,
                from_state=frm,
                to_state=to,
                data=data,
                salt=salt,
            )
            links.append((seq, prev, link, salt, pk))
            prev = link
        with schema_editor.connection.cursor() as cursor:
            cursor.executemany(
                "UPDATE audit_auditevent SET seq = %s, prev_hash = %s, hash = %s, salt = %s "
                "WHERE id = %s",
                links,
            )
        last = rows[-1][:2]
    AuditChainHead.objects.using(schema_editor.connection.alias).create(
        id=1, seq=seq, hash=prev, last_at=last[1] if last else None
    )


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0011_more_events"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(editable=False, max_length=64, null=True),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="salt",
            field=models.CharField(editable=False, max_length=32, null=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="created_at",
            field=models.DateTimeField(
                db_index=True, default=django.utils.timezone.now, editable=False
            ),
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                (
                    "id",
                    models.PositiveSmallIntegerField(
                        default=1, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(default=0)),
                (
                    "hash",
                    models.CharField(
                        default="0000000000000000000000000000000000000000000000000000000000000000",
                        max_length=64,
                    ),
                ),
                ("last_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "audit chain head",
                "verbose_name_plural": "audit chain head",
                "constraints": [
                    models.CheckConstraint(condition=models.Q(id=1), name="audit_one_head")
                ],
            },
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="prev_hash",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(editable=False, max_length=64),
        ),
        migrations.AlterField(
            model_name="auditevent",
            name="salt",
            field=models.CharField(editable=False, max_length=32),
        ),
    ]
