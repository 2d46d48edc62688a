from django.conf import settings
from django.db import migrations, models
import django.db.models.deletion

SQLITE = [
    # External content: the text lives once, in search_archiveentry; FTS5 keeps only its index.
    "CREATE VIRTUAL TABLE search_archive_fts USING fts5(title, body, facets, content='search_archiveentry', "
    "content_rowid='key', tokenize='porter unicode61 remove_diacritics 2')",
    # ORDER BY rank: the headline counts double, facets not at all.
    "INSERT INTO search_archive_fts(search_archive_fts, rank) VALUES('rank', 'bm25(2.0, 1.0, 0.0)')",
    "CREATE TRIGGER search_archiveentry_ai AFTER INSERT ON search_archiveentry BEGIN "
    "INSERT INTO search_archive_fts(rowid, title, body, facets) VALUES (new.key, new.title, new.body, new.facets); END",
    "CREATE TRIGGER search_archiveentry_ad AFTER DELETE ON search_archiveentry BEGIN "
    "INSERT INTO search_archive_fts(search_archive_fts, rowid, title, body, facets) "
    "VALUES ('delete', old.key, old.title, old.body, old.facets); END",
    "CREATE TRIGGER search_archiveentry_au AFTER UPDATE ON search_archiveentry BEGIN "
    "INSERT INTO search_archive_fts(search_archive_fts, rowid, title, body, facets) "
    "VALUES ('delete', old.key, old.title, old.body, old.facets); "
    "INSERT INTO search_archive_fts(rowid, title, body, facets) VALUES (new.key, new.title, new.body, new.facets); END",
]


def _postgres(config):
    return [
        # Headline weight A, the rest B, facets D under the 'simple' configuration (never stemmed).
        "ALTER TABLE search_archiveentry ADD COLUMN document tsvector GENERATED ALWAYS AS ("
        f"setweight(to_tsvector('{config}'::regconfig, title), 'A') || "
        f"setweight(to_tsvector('{config}'::regconfig, body), 'B') || "
        "to_tsvector('simple'::regconfig, facets)) STORED",
        "CREATE INDEX search_archiveentry_document ON search_archiveentry USING gin (document)",
    ]


def full_text(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        statements = SQLITE
    elif vendor == "postgresql":
        config = settings.WAGTAILSEARCH_BACKENDS["default"].get("SEARCH_CONFIG") or "english"
        if not config.isidentifier():
            raise ValueError(f"WAGTAILSEARCH_BACKENDS SEARCH_CONFIG {config!r} is not a text search configuration name")
        statements = _postgres(config)
    else:
        raise RuntimeError(f"The archive index needs SQLite (FTS5) or PostgreSQL, not {vendor}")
    for statement in statements:
        schema_editor.execute(statement)


def drop_full_text(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for trigger in ("ai", "ad", "au"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS search_archiveentry_{trigger}")
        schema_editor.execute("DROP TABLE IF EXISTS search_archive_fts")


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("newsroom", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="ArchiveEntry",
            fields=[
                ("key", models.BigIntegerField(primary_key=True, serialize=False)),
                ("title", models.TextField()),
                ("body", models.TextField()),
                ("facets", models.TextField()),
                (
                    "article",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="newsroom.articlepage"
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="IndexFormat",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("version", models.PositiveIntegerField()),
            ],
        ),
        migrations.RunPython(full_text, drop_full_text),
    ]
