"""Trigram indexes for the public search of documents (selectors.documents_published), on
PostgreSQL only: words are matched with Django's `icontains`, which PostgreSQL runs as
`UPPER(column::text) LIKE UPPER('%word%')`; these GIN indexes on the same expressions let it
find a word's rows without reading every document. The body's index covers open documents
only, the only ones whose body is searched. SQLite has no such index and scans."""

from django.db import migrations

INDEXES = [
    (
        "document_title_trgm",
        "CREATE INDEX IF NOT EXISTS document_title_trgm ON documents_document "
        'USING gin ((UPPER("title"::text)) gin_trgm_ops) WHERE published_at IS NOT NULL',
    ),
    (
        "document_open_body_trgm",
        "CREATE INDEX IF NOT EXISTS document_open_body_trgm ON documents_document "
        'USING gin ((UPPER("body"::text)) gin_trgm_ops) '
        "WHERE published_at IS NOT NULL AND grade = 'open'",
    ),
]


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for _name, sql in INDEXES:
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, _sql in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [
        ("documents", "0001_initial"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
