"""apierrors_import: load an exported catalog; validate first, change nothing on any error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS

from apierrors.catalog import io as catalog_io


class Command(BaseCommand):
    help = (
        "Load a catalog file written by apierrors_export. The whole file is validated first: "
        "any problem is reported with its line and nothing changes. Fields staff edited are "
        "kept unless --overwrite-staff-edits; entries the file does not mention are left alone. "
        "Refused: files over 10 MiB, nesting deeper than 10 levels, YAML anchors and aliases, "
        "messages and actions over 4000 characters."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The catalog file (.json, .yaml or .yml).")
        parser.add_argument(
            "--format",
            choices=catalog_io.FORMATS,
            help="json or yaml; by default from the file's extension.",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would change, as a diff of the exported catalog; change nothing.",
        )
        edits = parser.add_mutually_exclusive_group()
        edits.add_argument(
            "--keep-staff-edits",
            dest="keep_staff_edits",
            action="store_true",
            default=True,
            help="Keep fields staff changed from the shipped text (the default).",
        )
        edits.add_argument(
            "--overwrite-staff-edits",
            dest="keep_staff_edits",
            action="store_false",
            help="The file wins over what staff changed.",
        )
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias.")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        file_format = options["format"] or catalog_io.format_for(str(path))
        try:
            text = catalog_io.read_file(path)
            entries = catalog_io.load_file(text, file_format)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"{path}: cannot be read: {exc}") from exc
        except ImportError as exc:
            raise CommandError("YAML needs PyYAML: pip install 'django-apierrors[yaml]'") from exc
        except catalog_io.CatalogFileError as exc:
            for problem in exc.problems:
                self.stderr.write(problem.render(str(path)))
            raise CommandError(
                f"{len(exc.problems)} problem(s) in {path}: nothing was imported."
            ) from exc
        using = options["database"]
        plan = catalog_io.plan_import(
            entries, keep_staff_edits=options["keep_staff_edits"], using=using
        )
        if options["dry_run"] or options["verbosity"] >= 2:
            self.stdout.write(catalog_io.diff(plan, using), ending="")
        for code, column in plan.kept:
            self.stdout.write(f"kept staff edit {code}.{column}", self.style.WARNING)
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {plan.summary()}; nothing was changed.")
            return
        catalog_io.apply(plan, using)
        self.stdout.write(self.style.SUCCESS(f"Catalog imported: {plan.summary()}."))
