"""apierrors_lookup: print the error log record of an error_id, as pasted from a support email."""

from __future__ import annotations

import contextlib
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import router
from django.urls import NoReverseMatch, reverse

from apierrors.core import ids
from apierrors.core.controls import escape_controls
from apierrors.models import ErrorLog


def _json(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def _indented(text: str) -> str:
    return "\n".join("  " + line for line in text.splitlines())


def describe(row: ErrorLog, detail: ErrorLog | None = None) -> str:
    """A record as staff read it in a terminal: the facts first, then each stored part.

    ``detail`` is the full row a light row points to: its stored parts are printed, marked as
    taken from it.
    """
    facts = [
        ("error_id", row.error_id),
        ("created at", row.created_at.isoformat()),
        ("status", f"{row.status_code} {row.code}"),
        ("request", f"{row.method} {row.path}".strip()),
        ("request id", row.request_id or "-"),
        ("user", f"{row.username} (id {row.user_pk})" if row.username else "-"),
        ("language", row.language or "-"),
    ]
    if row.detail_from:
        found = "" if detail is not None else ", no longer in the log"
        facts.append(("detail from", f"{row.detail_from} (light row of an error storm{found})"))
    with contextlib.suppress(NoReverseMatch):
        facts.append(("admin", reverse("admin:apierrors_errorlog_change", args=[row.pk])))
    width = max(len(name) for name, _value in facts)
    # Rows written before control characters were escaped, or by other writers, may hold
    # them raw: nothing printed here may retitle, clear or rewrite the reader's terminal.
    lines = [
        f"{name.ljust(width)}  {escape_controls(value, keep_lines=False)}" for name, value in facts
    ]
    source = detail or row
    taken = f" (from {source.error_id})" if source is not row else ""
    exception = f"{row.exception_class}: {source.exception_message}".strip(": ")
    sections = [
        ("Exception" + (taken if source.exception_message else ""), exception),
        ("Traceback" + taken, source.traceback),
        ("Query string", row.query_string if row.query_string not in ("", "{}") else ""),
    ]
    # Bodies are shown whenever one was kept, even empty; the other parts when not empty.
    stored = {
        "Request headers": source.request_headers or None,
        "Request body": source.request_body,
        "Params": source.params or None,
        "Field errors": source.field_errors or None,
        "Response body": source.response_body,
    }
    sections += [
        (title + taken, _json(value)) for title, value in stored.items() if value is not None
    ]
    for title, text in sections:
        if text:
            lines += ["", title, _indented(escape_controls(text))]
    return "\n".join(lines)


class Command(BaseCommand):
    help = (
        "Print the error log record of an error_id. Spaces, line breaks, quotes and upper "
        "case around a pasted id are ignored."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("error_id", nargs="+", help="The error_id (X-Error-Id header).")
        parser.add_argument(
            "--database",
            default=None,
            help="Database alias of the log; by default the one the routers choose.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # A pasted id may arrive split by the shell: "01M8 0BDB…" is one id.
        pasted = " ".join(options["error_id"])
        error_id = ids.normalize_error_id(pasted)
        if error_id is None:
            raise CommandError(
                f"{pasted.strip()!r} is not an error_id: 26 letters and digits, as in the "
                "X-Error-Id header or the error_id of a response body."
            )
        alias = options["database"] or router.db_for_read(ErrorLog)
        rows = ErrorLog.objects.using(alias)
        row = rows.filter(error_id=error_id).first()
        if row is None:
            issued = ids.error_id_time(error_id)
            raise CommandError(
                f"No error log record has error_id {error_id} (issued {issued.isoformat()}). "
                "It may have been pruned, or come from another site."
            )
        detail = rows.filter(error_id=row.detail_from).first() if row.detail_from else None
        self.stdout.write(describe(row, detail))
