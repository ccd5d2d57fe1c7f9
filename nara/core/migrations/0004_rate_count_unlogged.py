"""On PostgreSQL the rate counters live in an UNLOGGED table: no write-ahead log for them, so
counting an attempt does not wait for a flush to disk at commit. A crash empties the table
(every window starts again from zero), which a rate limit can afford; read replicas do not
see it, which they do not need (bench/README.md, "Production settings, measured")."""

from django.db import migrations


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE nara_rate_count SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE nara_rate_count SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_rate_count")]

    operations = [migrations.RunPython(unlogged, logged)]
