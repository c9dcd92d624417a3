"""apierrors_export: the catalog as stable, sorted JSON or YAML, for version control."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from apierrors.catalog import io as catalog_io


class Command(BaseCommand):
    help = (
        "Write the error catalog (every entry, every language, every field staff edit) as "
        "sorted JSON or YAML; the same catalog always gives the same bytes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--format",
            choices=catalog_io.FORMATS,
            help="json or yaml; by default from the output file's extension, else json.",
        )
        parser.add_argument("--output", "-o", help="File to write; standard output by default.")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        output = options["output"]
        file_format = options["format"] or catalog_io.format_for(output)
        try:
            text = catalog_io.export(file_format, using=options["database"])
        except ImportError as exc:
            raise CommandError("YAML needs PyYAML: pip install 'django-apierrors[yaml]'") from exc
        if output:
            Path(output).write_text(text, encoding="utf-8")
            self.stderr.write(f"Wrote {output} ({file_format}).")
        else:
            self.stdout.write(text, ending="")
