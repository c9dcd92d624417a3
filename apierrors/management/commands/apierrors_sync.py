"""apierrors_sync: load the default catalog again, keeping what staff edited."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import DEFAULT_DB_ALIAS

from apierrors.catalog.sync import sync_catalog


class Command(BaseCommand):
    help = (
        "Load the default error catalog: create missing entries, update the shipped fields staff "
        "did not edit, add the columns of languages added to LANGUAGES since the last migrate."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--database", default=DEFAULT_DB_ALIAS, help="Database alias to load into."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        report = sync_catalog(options["database"])
        for column in report.added_columns:
            self.stdout.write(f"added column {column}")
        for code in report.created:
            self.stdout.write(f"created {code}")
        for code in report.updated:
            self.stdout.write(f"updated {code}")
        for code, name in report.kept:
            self.stdout.write(f"kept staff edit {code}.{name}", self.style.WARNING)
        self.stdout.write(self.style.SUCCESS(f"Catalog synced: {report.summary()}."))
