"""Support lookups on a large log: per-hour counts for the catalog, (username, created_at) and
(code, created_at) indexes that include what filter pairs need, and on PostgreSQL indexes for
the admin's path searches."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import migrations, models
from django.db.migrations.operations.base import Operation
from django.db.models import Count
from django.db.models.functions import TruncHour

PATH_INDEX = "apierrors_log_path_trgm"
PREFIX_INDEX = "apierrors_log_path_prefix"
CODE_STATUS_STATISTICS = "apierrors_log_code_status"
COUNTS_FILLFACTOR = 30
# Characters of the path the prefix index holds: a btree entry must stay under 2,704 bytes.
PREFIX_LENGTH = 255


def path_index() -> Any:
    """GIN over path with pg_trgm's operator class: it answers ``path ILIKE '%…%'`` without
    reading the log."""
    # Imported here: django.contrib.postgres needs psycopg, which SQLite sites may lack.
    from django.contrib.postgres.indexes import GinIndex

    return GinIndex(fields=["path"], opclasses=["gin_trgm_ops"], name=PATH_INDEX)


class PostgreSQLExtras(Operation):
    """On PostgreSQL: the path indexes and the statistics the planner needs to see that a code
    has one status; elsewhere nothing. They stay out of the model state, so that SQLite and
    the other databases never see them.

    - pg_trgm (Django's TrigramExtension) and its GIN index on path, for fragments, when the
      server has the extension;
    - a btree on UPPER(LEFT(path, 255)) with text_pattern_ops, for prefixes: trigrams of
      "/api/v1/…" are in every row, and a GIN scan of them reads most of the index;
    - extended statistics of (code, status_code): without them the planner multiplies the two
      selectivities and picks a bitmap of the whole status for a code and its status;
    - room on the counts' pages (fillfactor 30): each batch of log rows updates its codes'
      counts, and an update that fits on its page (HOT) leaves no index entry behind.
    """

    reversible = True

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        connection = schema_editor.connection
        model = to_state.apps.get_model(app_label, "errorlog")
        if connection.vendor != "postgresql" or not self.allow_migrate_model(
            connection.alias, model
        ):
            return
        quote = schema_editor.quote_name
        table = quote(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            has_trigrams = cursor.fetchone() is not None
        if has_trigrams:
            from django.contrib.postgres.operations import TrigramExtension

            TrigramExtension().database_forwards(app_label, schema_editor, from_state, to_state)
            schema_editor.add_index(model, path_index())
        schema_editor.execute(
            f"CREATE INDEX {quote(PREFIX_INDEX)} ON {table} "
            f"((UPPER(LEFT({quote('path')}, {PREFIX_LENGTH}))) text_pattern_ops)"
        )
        schema_editor.execute(
            f"CREATE STATISTICS {quote(CODE_STATUS_STATISTICS)} (dependencies) "
            f"ON {quote('code')}, {quote('status_code')} FROM {table}"
        )
        schema_editor.execute(f"ANALYZE {table}")
        counts = to_state.apps.get_model(app_label, "errorcount")
        schema_editor.execute(
            f"ALTER TABLE {quote(counts._meta.db_table)} SET (fillfactor = {COUNTS_FILLFACTOR})"
        )

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        quote = schema_editor.quote_name
        # The extension stays: other tables may use it.
        for index in (PATH_INDEX, PREFIX_INDEX):
            schema_editor.execute(f"DROP INDEX IF EXISTS {quote(index)}")
        schema_editor.execute(f"DROP STATISTICS IF EXISTS {quote(CODE_STATUS_STATISTICS)}")

    def describe(self) -> str:
        return "On PostgreSQL, path indexes, (code, status_code) statistics, counts' fillfactor"


def count_existing_rows(apps: Any, schema_editor: Any) -> None:
    """The per-hour counts of the rows already in the log."""
    from django.conf import settings

    alias = schema_editor.connection.alias
    log = apps.get_model("apierrors", "ErrorLog")
    counts = apps.get_model("apierrors", "ErrorCount")
    utc = datetime.timezone.utc if settings.USE_TZ else None
    rows = (
        log.objects.using(alias)
        .annotate(hour=TruncHour("created_at", tzinfo=utc))
        .values("code", "hour")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts.objects.using(alias).bulk_create(
        (counts(code=row["code"], hour=row["hour"], count=row["n"]) for row in rows.iterator()),
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("apierrors", "0007_request_id_source_and_row_budget"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="errorlog",
            index=models.Index(
                fields=["username", "-created_at", "code", "status_code"],
                name="apierrors_log_user_created",
            ),
        ),
        migrations.RemoveIndex(model_name="errorlog", name="apierrors_log_code_created"),
        migrations.AddIndex(
            model_name="errorlog",
            index=models.Index(
                fields=["code", "-created_at", "status_code"],
                name="apierrors_log_code_created",
            ),
        ),
        # The single-column indexes of code and username: the (code, created_at) and
        # (username, created_at) indexes serve the same lookups.
        migrations.AlterField(
            model_name="errorlog",
            name="code",
            field=models.CharField(max_length=100, verbose_name="code"),
        ),
        migrations.AlterField(
            model_name="errorlog",
            name="username",
            field=models.CharField(blank=True, max_length=150, verbose_name="user"),
        ),
        migrations.CreateModel(
            name="ErrorCount",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("code", models.CharField(max_length=100, verbose_name="code")),
                (
                    "hour",
                    models.DateTimeField(
                        help_text="The hour's start, in UTC.", verbose_name="hour"
                    ),
                ),
                ("count", models.PositiveIntegerField(default=0, verbose_name="count")),
            ],
            options={
                "verbose_name": "error count per hour",
                "verbose_name_plural": "error counts per hour",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("code", "hour"), name="apierrors_count_code_hour"
                    )
                ],
            },
        ),
        migrations.RunPython(count_existing_rows, migrations.RunPython.noop, elidable=True),
        PostgreSQLExtras(),
    ]
