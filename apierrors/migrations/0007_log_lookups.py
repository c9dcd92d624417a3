"""Support lookups on a large log: per-hour counts for the catalog, a (username, created_at)
index, and on PostgreSQL a trigram index on path for the admin's path searches."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import migrations, models
from django.db.migrations.operations.base import Operation
from django.db.models import Count
from django.db.models.functions import TruncHour

PATH_INDEX = "apierrors_log_path_trgm"


def path_index() -> Any:
    """GIN over path with pg_trgm's operator class: it answers ``path LIKE '%…%'`` and
    ``path LIKE '…%'`` (``path__contains``, ``path__startswith``) without reading the log."""
    # Imported here: django.contrib.postgres needs psycopg, which SQLite sites may lack.
    from django.contrib.postgres.indexes import GinIndex

    return GinIndex(fields=["path"], opclasses=["gin_trgm_ops"], name=PATH_INDEX)


class PathTrigramIndex(Operation):
    """On PostgreSQL with pg_trgm available: the extension (Django's TrigramExtension) and the
    index; elsewhere nothing. The index stays out of the model state, so that SQLite and the
    other databases never see it."""

    reversible = True

    def state_forwards(self, app_label: str, state: Any) -> None:
        pass

    @staticmethod
    def _applies(schema_editor: Any) -> bool:
        if schema_editor.connection.vendor != "postgresql":
            return False
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
            return cursor.fetchone() is not None

    def database_forwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if not self._applies(schema_editor):
            return
        from django.contrib.postgres.operations import TrigramExtension

        TrigramExtension().database_forwards(app_label, schema_editor, from_state, to_state)
        model = to_state.apps.get_model(app_label, "errorlog")
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            schema_editor.add_index(model, path_index())

    def database_backwards(
        self, app_label: str, schema_editor: Any, from_state: Any, to_state: Any
    ) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        # The extension stays: other tables may use it.
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(PATH_INDEX)}")

    def describe(self) -> str:
        return "On PostgreSQL, a trigram index on path"


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
        ("apierrors", "0005_storm_counts"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="errorlog",
            index=models.Index(
                fields=["username", "-created_at"], name="apierrors_log_user_created"
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
        PathTrigramIndex(),
    ]
