"""apierrors_prune: delete error log rows older than a given age, after asking."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Final

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import router
from django.utils import timezone

from apierrors.log import counts
from apierrors.models import ErrorLog

_AGE: Final = re.compile(r"\s*(\d+)\s*([smhdw])\s*", re.IGNORECASE)
_UNITS: Final = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
# Rows deleted per statement: short transactions and locks, each found through the
# created_at index, however large the table.
BATCH_SIZE: Final = 5000


def parse_age(text: str) -> timedelta:
    """``30d`` -> 30 days; units s, m, h, d, w."""
    match = _AGE.fullmatch(text)
    if not match or int(match.group(1)) == 0:
        raise ValueError(text)
    return timedelta(**{_UNITS[match.group(2).lower()]: int(match.group(1))})


class Command(BaseCommand):
    help = (
        "Delete error log rows created longer ago than --older-than (30d, 12h, 2w …), in "
        "batches. Asks before deleting unless --yes or --no-input; --dry-run only counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--older-than",
            required=True,
            metavar="AGE",
            help="Age of the rows to delete: a number and a unit, s m h d or w (30d).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count the rows that would go; delete none."
        )
        parser.add_argument(
            "-y", "--yes", action="store_true", help="Delete without asking for confirmation."
        )
        parser.add_argument(
            "--no-input",
            "--noinput",
            action="store_false",
            dest="interactive",
            help="Never prompt (as --yes): for cron jobs.",
        )
        parser.add_argument(
            "--database",
            default=None,
            help="Database alias of the log; by default the one the routers choose.",
        )
        parser.add_argument(
            "--batch-size", type=int, default=BATCH_SIZE, help="Rows deleted per statement."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            age = parse_age(options["older_than"])
        except ValueError:
            raise CommandError(
                f"--older-than {options['older_than']!r}: give a positive number and a unit, "
                "s m h d or w, as in 30d, 12h or 2w."
            ) from None
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be a positive number.")
        alias = options["database"] or router.db_for_write(ErrorLog)
        cutoff = timezone.now() - age
        old = ErrorLog.objects.using(alias).filter(created_at__lt=cutoff)
        count = old.count()
        before = f"created before {cutoff:%Y-%m-%d %H:%M:%S %Z}"
        described = f"{count} error log row{'s' if count != 1 else ''} {before}"
        if options["dry_run"]:
            self.stdout.write(f"Dry run: {described} would be deleted.")
            return
        if count == 0:
            self.stdout.write(f"Nothing to delete: no error log row {before}.")
            return
        if not options["yes"] and options["interactive"]:
            self.stdout.write(f"This will delete {described} from the {alias!r} database.")
            answer = input("Are you sure you want to continue? [y/N]: ").strip().lower()
            if answer not in ("y", "yes"):
                self.stdout.write("Aborted: nothing deleted.")
                return
        deleted = 0
        while True:
            # Oldest first, through the created_at index; then by primary key.
            batch = list(
                old.order_by("created_at").values_list("pk", flat=True)[: options["batch_size"]]
            )
            if not batch:
                break
            deleted += ErrorLog.objects.using(alias).filter(pk__in=batch).delete()[0]
        # The catalog's per-hour counts of the hours emptied go with their rows.
        counts.prune(cutoff, alias)
        self.stdout.write(self.style.SUCCESS(f"Deleted {deleted} error log rows."))
