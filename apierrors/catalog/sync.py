"""Loading the default catalog: idempotent, and never over what staff edited."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import AppConfig
from django.db import DEFAULT_DB_ALIAS, connections, router
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from apierrors.catalog.defaults import DEFAULT_ENTRIES
from apierrors.catalog.store import bump_version
from apierrors.i18n import shipped_translation
from apierrors.models import SHIPPED_FIELDS, TRANSLATED_FIELDS, ErrorCode


@dataclass
class SyncReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    # (code, field) pairs left alone because staff changed them.
    kept: list[tuple[str, str]] = field(default_factory=list)
    added_columns: list[str] = field(default_factory=list)

    def summary(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, "
            f"{len(self.kept)} staff edits kept, {len(self.added_columns)} columns added"
        )


def shipped_values(entry: dict[str, Any]) -> dict[str, Any]:
    """Column -> value for one default entry: base columns in English, one per site language."""
    values = {name: entry[name] for name in SHIPPED_FIELDS if name not in TRANSLATED_FIELDS}
    for name in TRANSLATED_FIELDS:
        values[name] = entry[name]
        for language in AVAILABLE_LANGUAGES:
            column = build_localized_fieldname(name, language)
            values[column] = shipped_translation(str(entry[name]), language)
    return values


def add_missing_columns(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """Columns of languages added to LANGUAGES after the migrations ran."""
    connection = connections[using]
    table = ErrorCode._meta.db_table
    with connection.cursor() as cursor:
        if table not in connection.introspection.table_names(cursor):
            return []
        columns = {
            column.name for column in connection.introspection.get_table_description(cursor, table)
        }
    missing = [f for f in ErrorCode._meta.local_concrete_fields if f.column not in columns]
    if missing:
        with connection.schema_editor() as editor:
            for model_field in missing:
                editor.add_field(ErrorCode, model_field)
    return [str(model_field.column) for model_field in missing]


def sync_catalog(using: str = DEFAULT_DB_ALIAS) -> SyncReport:
    """Create missing default entries; update shipped fields that staff left as shipped."""
    report = SyncReport(added_columns=add_missing_columns(using))
    manager = ErrorCode.objects.db_manager(using).rewrite(False)
    rows = {row["code"]: row for row in manager.values()}
    for entry in DEFAULT_ENTRIES:
        code = str(entry["code"])
        new = shipped_values(entry)
        row = rows.get(code)
        if row is None:
            manager.create(code=code, shipped_values=new, **new)
            report.created.append(code)
            continue
        # A draft was made for a code raised before the catalog knew it: the shipped text wins.
        previous: dict[str, Any] = {} if row["is_draft"] else row["shipped_values"]
        recorded = dict(previous)
        changes: dict[str, Any] = {}
        for name, value in new.items():
            current = row.get(name)
            if row["is_draft"] or (name in previous and current == previous[name]):
                if current != value:
                    changes[name] = value
                recorded[name] = value
            elif name in previous:
                report.kept.append((code, name))
            else:
                # Never shipped before (a new language): fill it only where it is empty.
                if current in (None, "") and value not in (None, ""):
                    changes[name] = value
                recorded[name] = value
        if changes or recorded != row["shipped_values"] or row["is_draft"]:
            manager.filter(pk=row["id"]).update(
                **changes, shipped_values=recorded, is_draft=False, updated_at=timezone.now()
            )
            if changes or row["is_draft"]:
                report.updated.append(code)
    bump_version()
    return report


def migrations_complete(using: str) -> bool:
    loader = MigrationLoader(connections[using], ignore_no_migrations=True)
    leaves = loader.graph.leaf_nodes(ErrorCode._meta.app_label)
    return all(leaf in loader.applied_migrations for leaf in leaves)


def sync_after_migrate(
    app_config: AppConfig, using: str = DEFAULT_DB_ALIAS, verbosity: int = 1, **kwargs: Any
) -> None:
    """Receiver of post_migrate: `migrate` leaves the default catalog loaded."""
    if not router.allow_migrate_model(using, ErrorCode) or not migrations_complete(using):
        return
    report = sync_catalog(using)
    if verbosity >= 1:
        print(f"  apierrors: default catalog synced ({report.summary()})")
