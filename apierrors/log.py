"""What we keep: ErrorLog rows written outside the request's transaction, redacted and bounded."""

from __future__ import annotations

import functools
import json
import logging
import time
import traceback
from collections.abc import Callable
from functools import partial
from typing import Any, Final

from django.core import mail
from django.db import connections, models, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import empty

from apierrors import counts, storm, writer
from apierrors.conf import apierrors_settings
from apierrors.formats import ClientError
from apierrors.formats.base import body_text
from apierrors.models import ErrorCode, ErrorLog
from apierrors.redaction import (
    column_text,
    query_string,
    redact,
    redact_text,
    request_body,
    request_headers,
    safe_str,
)
from apierrors.resolve import Problem

logger = logging.getLogger("apierrors.log")

# Attribute of the Django request holding the log steps the middleware runs after the view.
PENDING_ATTR: Final = "_apierrors_pending"
Record = dict[str, Any]


def _user(request: Any) -> tuple[str, str]:
    """The user as far as it was already known: never authenticates, never queries.

    DRF's ``request.user`` authenticates on first access, and again after an authenticator
    raised something other than an APIException: touching it here could raise, or query a
    connection the view's failure left unusable. The Django request's own attribute is read,
    and only when something already resolved it.
    """
    django_request = getattr(request, "_request", request)
    try:
        user = django_request.__dict__.get("user")
        wrapped = getattr(user, "_wrapped", user)
        if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
            return "", ""
        return column_text(wrapped.pk, 64), column_text(wrapped.get_username(), 150)
    except Exception:
        return "", ""


def _class_path(exc: BaseException) -> str:
    """The exception's dotted class path, as the column holds it."""
    # Typed as a plain type: mypy does not take type[BaseException] as lru_cache's Hashable.
    klass: type = type(exc)
    return _path_of_class(klass)


@functools.lru_cache(maxsize=1024)
def _path_of_class(klass: type) -> str:
    # Read for every error's log head: building it each time cost more than the lookup.
    return column_text(f"{klass.__module__}.{klass.__qualname__}", 255)


def format_traceback(exc: BaseException) -> str:
    """Python's traceback text, chained exceptions included, without the ``^^^^`` markers:
    placing them parses every frame's source line, which cost more than the rest of the log."""
    root = traceback.TracebackException.from_exception(exc)
    pending: list[traceback.TracebackException | None] = [root]
    seen: set[int] = set()
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        for frame in current.stack:
            frame.colno = None
        pending += [current.__cause__, current.__context__, *(current.exceptions or [])]
    return "".join(root.format())


def _traceback(exc: BaseException) -> str:
    try:
        text = format_traceback(exc)
    except Exception:
        text = f"{_class_path(exc)}: {safe_str(exc)}"
    return redact_text(text, apierrors_settings.LOG_MAX_TRACEBACK, keep="tail")


def head(error: ClientError, problem: Problem, body: dict[str, Any], request: Any) -> Record:
    """What storm control decides on and a summary row keeps, cheap to make for every error.

    The path and the body are the request's own: redacted by build_record() for a kept error,
    by the summary for counted ones.
    """
    exc = problem.exc
    django_request = getattr(request, "_request", request)
    return {
        "error_id": error.error_id,
        "code": column_text(error.code, 100),
        "status_code": error.status_code,
        "method": column_text(getattr(django_request, "method", "") or "", 16),
        # One character more than the column: redact_text() then marks the cut.
        "path": safe_str(getattr(django_request, "path", "") or "")[: storm.MAX_PATH_LENGTH + 1],
        "language": column_text(error.language, 16),
        "exception_class": _class_path(exc) if exc is not None else "",
        "response_body": body,
        "created_at": timezone.now(),
    }


def build_record(
    problem: Problem,
    error: ClientError,
    body: dict[str, Any],
    request: Any,
    head_record: Record | None = None,
) -> Record:
    """The ErrorLog row as plain data; built inside the handler, written later.

    Everything that came from outside is redacted and bounded (apierrors.redaction), and every
    value fits its column, so no client input can make the row fail to save.
    """
    exc = problem.exc
    django_request = getattr(request, "_request", request)
    user_pk, username = _user(request) if request is not None else ("", "")
    first = head_record or head(error, problem, body, request)
    # What the client was sent, redacted like the rest: formats may echo params.
    redacted_body = redact(body)
    record: Record = {
        **first,
        "path": redact_text(first["path"], storm.MAX_PATH_LENGTH),
        "query_string": "",
        "request_id": column_text(error.request_id, 128),
        "user_pk": user_pk,
        "username": username,
        "exception_message": redact_text(safe_str(exc)) if exc is not None else "",
        "traceback": "",
        "params": redact(problem.params),
        "field_errors": redact(
            [
                {"path": list(item.path), "code": item.code, "message": item.message}
                for item in problem.field_errors[: apierrors_settings.LOG_MAX_ITEMS]
            ]
        ),
        "request_headers": {},
        "request_body": None,
        "response_body": redacted_body,
        # The body as sent: a JSON column may reorder keys (PostgreSQL's jsonb does).
        "response_text": body_text(redacted_body),
        # Not a column: whether to create a draft catalog entry for an unknown code.
        "create_draft": False,
    }
    if isinstance(django_request, HttpRequest):
        record["query_string"] = query_string(django_request)
        record["request_headers"] = request_headers(django_request)
        record["request_body"] = request_body(request)
    if exc is not None and error.status_code >= 500:
        record["traceback"] = _traceback(exc)
    return record


def record(first: Record, request: Any, build: Callable[[], Record] | None = None) -> None:
    """Keep an error once the view returned (see after_response and keep)."""
    if not apierrors_settings.LOG_ENABLED:
        return
    after_response(request, partial(keep, first, build))


def keep(first: Record, build: Callable[[], Record] | None = None) -> None:
    """Store an error: its full record (``build()``, else ``first``) unless storm control only
    counts it. ``first`` is the error's head(): the full record is built only when it is kept.
    """
    kept, out = storm.decide(first)
    if kept:
        out.append(build() if build is not None else first)
    if out:
        write(out)


def after_response(request: Any, step: Callable[[], None]) -> None:
    """Run ``step`` once the view returned, when the middleware runs: outside the view's
    transaction (under ATOMIC_REQUESTS, the database lock it may hold is released by then);
    else now. A step must not raise."""
    if not after_view(request, step):
        step()


def after_view(request: Any, step: Callable[[], None]) -> bool:
    """Run ``step`` when the middleware runs after the view, if it runs; whether it will.
    A step must not raise."""
    pending = getattr(getattr(request, "_request", request), PENDING_ATTR, None)
    if pending is None:
        return False
    pending.append(step)
    return True


def run_pending(steps: list[Callable[[], None]]) -> None:
    """The middleware's part, after the view: what after_response() kept for later.

    The list is emptied: a step holds the error's handler, hence its exception and traceback,
    whose frames reach back to the middleware's own frame and this list; left there, the lot
    would be a reference cycle for the garbage collector to find, on every error.
    """
    try:
        for step in steps:
            try:
                step()
            except Exception:
                logger.exception("apierrors: a log step failed after the response")
    finally:
        steps.clear()


def write(records: list[dict[str, Any]]) -> None:
    """Hand the rows over: to this process's background writer, or inserted now in sync mode."""
    if not records:
        return
    if log_mode() == "background":
        writer.submit(records)
    else:
        store(records)


def log_mode() -> str:
    """LOG_MODE, "auto" resolved: a test reads its rows right after the response."""
    mode = str(apierrors_settings.LOG_MODE)
    if mode == "auto":
        # setup_test_environment() gives django.core.mail an outbox; teardown removes it.
        return "sync" if hasattr(mail, "outbox") else "background"
    return mode


def store(records: list[dict[str, Any]]) -> None:
    """Insert the rows; whatever fails goes to Python logging whole, never to the caller."""
    alias = router.db_for_write(ErrorLog)
    connection = connections[alias]
    if connection.in_atomic_block and connection.needs_rollback:
        # The view's transaction is doomed: a row written in it would vanish with it.
        for item in records:
            log_line(item, reason="transaction marked for rollback")
        return
    try:
        with transaction.atomic(using=alias):
            insert_rows(records, alias)
            counts.add(records, alias)
    except Exception:
        logger.exception("apierrors: error log unavailable")
        for item in records:
            log_line(item, reason="database write failed")
        return
    drafts = {item["code"]: item for item in records if item["create_draft"]}
    for code, item in drafts.items():
        create_draft(code, item["status_code"], alias)


# Columns whose values build_record() already makes as the driver takes them (str, int): what
# get_db_prep_save() would do to them is a chain of calls that returns the value unchanged.
_AS_IS_FIELDS: Final = (models.CharField, models.TextField, models.PositiveSmallIntegerField)
_AS_IS_VALUES: Final = (str, int)


def insert_rows(records: list[dict[str, Any]], alias: str) -> None:
    """The rows as ``bulk_create`` would send them, values prepared by each field: one
    multi-row INSERT per batch, or a few where the backend caps a statement's variables
    (SQLite: 999).

    It skips what ``bulk_create`` adds on the way, a model instance per row, a compiled
    statement per call and the preparation of values that need none, which cost more than
    the database's own work per row (README, "Performance"); the log has no signals, no auto
    fields to fill and no relations to save.
    """
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = [field for field in ErrorLog._meta.concrete_fields if not field.primary_key]
    as_is = [type(field) in _AS_IS_FIELDS for field in fields]
    rows = []
    for count, item in enumerate(records, 1):
        if count % 10 == 0:
            # Let waiting request threads of this process in between rows, as a batch
            # prepared in one go would keep them waiting for the GIL (their p99 shows it).
            time.sleep(0)
        row = []
        for field, plain in zip(fields, as_is, strict=True):
            value = item[field.attname] if field.attname in item else field.get_default()
            if not (plain and type(value) in _AS_IS_VALUES):
                value = field.get_db_prep_save(value, connection)
            row.append(value)
        rows.append(row)
    head = (
        f"INSERT INTO {quote(ErrorLog._meta.db_table)} "
        f"({', '.join(quote(str(field.column)) for field in fields)}) VALUES "
    )
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    with connection.cursor() as cursor:
        per_statement = max(1, connection.ops.bulk_batch_size(fields, rows))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                head + ", ".join([row_sql] * len(chunk)), [value for row in chunk for value in row]
            )


def create_draft(code: str, status_code: int, alias: str) -> None:
    """A catalog row for a code raised but not yet described, for staff to fill in."""
    from apierrors.catalog import catalog

    generic = catalog.generic(code, status_code, "en")
    try:
        with transaction.atomic(using=alias):
            ErrorCode.objects.using(alias).get_or_create(
                code=code,
                defaults={
                    "status_code": status_code,
                    "category": generic.category,
                    "title": generic.title,
                    "message": generic.message,
                    "action": generic.action,
                    "is_public": False,
                    "is_draft": True,
                },
            )
    except Exception:
        logger.warning("apierrors: could not create a draft entry for %r", code, exc_info=True)


def log_line(item: dict[str, Any], *, reason: str) -> None:
    """The record as one structured log line: nothing is lost when the table is not there."""
    payload = {k: v for k, v in item.items() if k != "create_draft"}
    logger.error(
        "apierrors error_id=%s not stored (%s): %s",
        item["error_id"],
        reason,
        json.dumps(payload, default=str, ensure_ascii=False),
        extra={"error_id": item["error_id"], "request_id": item["request_id"]},
    )
