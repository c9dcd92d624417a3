"""What we keep: ErrorLog rows written outside the request's transaction, redacted and bounded."""

from __future__ import annotations

import datetime
import functools
import itertools
import json
import logging
import sys
import time
import traceback
from collections.abc import Callable, Mapping
from typing import Any, Final, Literal, TypedDict, get_args

from django.core import mail
from django.db import connections, models, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import LazyObject

from apierrors.catalog import drafts
from apierrors.conf import apierrors_settings
from apierrors.core.resolve import Problem
from apierrors.formats import ClientError
from apierrors.formats.base import body_text
from apierrors.log import counts, storm, writer
from apierrors.log.body import query_string, request_body, request_headers
from apierrors.log.redaction import TRUNCATED, column_text, redact, redact_text, safe_str
from apierrors.models import ErrorLog

logger = logging.getLogger("apierrors.log")

# Attribute of the Django request holding the log steps the middleware runs after the view.
PENDING_ATTR: Final = "_apierrors_pending"


class _EveryRow(TypedDict):
    """The keys of every record: the light row's columns, and two that are not columns."""

    error_id: str
    code: str
    status_code: int
    method: str
    path: str
    query_string: str
    request_id: str
    request_id_from_client: bool
    user_pk: str
    username: str
    language: str
    exception_class: str
    created_at: datetime.datetime
    # Not columns: what storm control calls the same error (detail_key()), and whether to
    # create a draft catalog entry for an unknown code.
    detail_key: tuple[Any, ...]
    create_draft: bool


class Record(_EveryRow, total=False):
    """One error's ErrorLog row as plain data, built inside the handler and saved later.

    head() makes the keys every row has; build_record() adds a full row's detail. A light row
    (storm control trimmed its detail) leaves the detail columns to their defaults and names in
    ``detail_from`` the full row standing for it; fit() adds ``cut`` to a row it had to cut.
    JSON columns hold any JSON value.
    """

    exception_message: str
    traceback: str
    params: Any
    field_errors: Any
    request_headers: Any
    request_body: Any
    response_body: Any
    response_text: str
    sentry_event_id: str
    detail_from: str
    cut: dict[str, int]


# Keys of a record that are not ErrorLog columns.
NOT_COLUMNS: Final = frozenset({"create_draft", "detail_key"})
# Frames of a traceback that tell one error from another (a recursion repeats itself).
MAX_SHAPE_FRAMES: Final = 100


def django_request_of(request: Any) -> HttpRequest | None:
    """The Django HttpRequest: ``request`` itself, or the one a DRF Request extends.

    DRF's Request extends the HttpRequest by composition and hands on every attribute and
    method it does not define itself (DRF's guide to requests, "Standard HttpRequest
    attributes"): a method read through it is the HttpRequest's own, bound to that request.
    """
    if isinstance(request, HttpRequest):
        return request
    bound_to = getattr(getattr(request, "get_full_path", None), "__self__", None)
    return bound_to if isinstance(bound_to, HttpRequest) else None


def _user(django_request: HttpRequest | None) -> tuple[str, str]:
    """The user as far as it was already known: never authenticates, never queries.

    DRF's ``request.user`` authenticates on first access, and again after an authenticator
    raised something other than an APIException: touching it here could raise, or query a
    connection the view's failure left unusable. The Django request's own ``user`` is read
    instead, where DRF sets the user it authenticated, ``auth`` beside it. Until then it holds
    what Django's AuthenticationMiddleware put there, a lazy user that reads the session and
    the database when first used: that one is not read.
    """
    if django_request is None:
        return "", ""
    attributes = vars(django_request)
    user = attributes.get("user")
    try:
        if isinstance(user, LazyObject) and "auth" not in attributes:
            return "", ""
        if user is None or not getattr(user, "is_authenticated", False):
            return "", ""
        return column_text(user.pk, 64), column_text(user.get_username(), 150)
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
        # Python 3.10 places no markers and has no exception groups.
        if sys.version_info >= (3, 11):
            for frame in current.stack:
                frame.colno = None
            pending += current.exceptions or []
        pending += [current.__cause__, current.__context__]
    return "".join(root.format())


def _traceback(exc: BaseException) -> str:
    try:
        text = format_traceback(exc)
    except Exception:
        text = f"{_class_path(exc)}: {safe_str(exc)}"
    return redact_text(text, apierrors_settings.LOG["MAX_TRACEBACK"], keep="tail")


def detail_key(error: ClientError, exc: BaseException | None) -> tuple[Any, ...]:
    """What makes two errors the same error for storm control: code, exception class and the
    traceback's shape (each frame's file and line), so that a light row's detail is taken from
    a full row that failed the same way."""
    if exc is None:
        return (error.code, "")
    frames = itertools.islice(traceback.walk_tb(exc.__traceback__), MAX_SHAPE_FRAMES)
    return (error.code, type(exc), *((f.f_code.co_filename, line) for f, line in frames))


def head(
    error: ClientError, problem: Problem, request: Any, *, request_id_from_client: bool = False
) -> Record:
    """The keys every row has, redacted and bounded: what storm control decides on, and the
    whole of a light row."""
    exc = problem.exc
    django_request = django_request_of(request)
    user_pk, username = _user(django_request)
    # One character more than the column: redact_text() then marks the cut.
    path = safe_str(getattr(django_request, "path", "") or "")[: storm.MAX_PATH_LENGTH + 1]
    return {
        "error_id": error.error_id,
        "code": column_text(error.code, 100),
        "status_code": error.status_code,
        "method": column_text(getattr(django_request, "method", "") or "", 16),
        "path": redact_text(path, storm.MAX_PATH_LENGTH, single_line=True),
        "query_string": query_string(django_request) if django_request is not None else "",
        "request_id": column_text(error.request_id, 128),
        "request_id_from_client": request_id_from_client,
        "user_pk": user_pk,
        "username": username,
        "language": column_text(error.language, 16),
        "exception_class": _class_path(exc) if exc is not None else "",
        "created_at": timezone.now(),
        "detail_key": detail_key(error, exc),
        "create_draft": False,
    }


def build_record(
    problem: Problem,
    error: ClientError,
    body: dict[str, Any],
    request: Any,
    head_record: Record | None = None,
) -> Record:
    """The full ErrorLog row as plain data: the error's head() and its detail.

    Everything that came from outside is redacted and bounded (apierrors.log.redaction), and every
    value fits its column, so no client input can make the row fail to save.
    """
    exc = problem.exc
    django_request = django_request_of(request)
    # What the client was sent, redacted like the rest: formats may echo params.
    redacted_body = redact(body)
    return {
        **(head_record or head(error, problem, request)),
        "exception_message": redact_text(safe_str(exc)) if exc is not None else "",
        "traceback": _traceback(exc) if exc is not None and error.status_code >= 500 else "",
        "params": redact(problem.params),
        "field_errors": redact(
            [
                {"path": list(item.path), "code": item.code, "message": item.message}
                for item in problem.field_errors[: apierrors_settings.LOG["MAX_ITEMS"]]
            ]
        ),
        "request_headers": request_headers(django_request) if django_request is not None else {},
        "request_body": request_body(request),
        "response_body": redacted_body,
        # The body as sent: a JSON column may reorder keys (PostgreSQL's jsonb does).
        "response_text": body_text(redacted_body),
    }


def record(first: Record, build: Callable[[], Record]) -> None:
    """Save an error's row: its full record (``build()``), or, when storm control trims the
    detail, its head() ``first`` as a light row pointing to an earlier full row of the same
    error. Only the record saved is built."""
    detail_from = storm.decide(first)
    if detail_from is None:
        item = build()
    else:
        item = first
        item["detail_from"] = detail_from
    save([item])


# The parts of a row that may be cut to fit LOG["MAX_ROW_BYTES"], in the order they give way:
# least useful to support first.
CutPart = Literal[
    "request_body",
    "request_headers",
    "response_body",
    "params",
    "field_errors",
    "query_string",
    "response_text",
    "exception_message",
    "traceback",
    "path",
]
CUT_ORDER: Final[tuple[CutPart, ...]] = get_args(CutPart)
# A part of this size or less is never cut: it would save less than its marker costs.
_KEPT_WHOLE: Final = 64


def _size(value: Any) -> int:
    """Bytes ``value`` takes in its column: UTF-8 text, or JSON's."""
    if isinstance(value, str):
        return len(value) if value.isascii() else len(value.encode())
    if value is None:
        return 0
    return len(json.dumps(value, ensure_ascii=False, default=str).encode())


def _shrunk(name: CutPart, value: Any, room: int) -> Any:
    """``value`` within ``room`` bytes: a text keeps its head (a traceback its tail), a JSON
    part becomes a marker saying how big it was."""
    if isinstance(value, str):
        text = value.encode()[-room:] if name == "traceback" else value.encode()[:room]
        return text.decode("utf-8", "ignore")
    return {TRUNCATED: f"{_size(value)} bytes, cut to fit the row"}


def fit(record: Record) -> Record:
    """The row within LOG["MAX_ROW_BYTES"]: parts give way in CUT_ORDER until it fits, and its
    ``cut`` column names each part cut with its size before."""
    budget = apierrors_settings.LOG["MAX_ROW_BYTES"]
    sizes = {name: _size(record[name]) for name in CUT_ORDER if name in record}
    total = sum(sizes.values())
    if total <= budget:
        return record
    cut: dict[str, int] = {}
    for name in CUT_ORDER:
        if total <= budget:
            break
        size = sizes.get(name, 0)
        if size <= _KEPT_WHOLE:
            continue
        value = _shrunk(name, record[name], max(size - (total - budget), _KEPT_WHOLE))
        total += _size(value) - size
        record[name] = value
        cut[name] = size
    record["cut"] = cut
    return record


def after_response(request: Any, step: Callable[[], None]) -> None:
    """Run ``step`` once the view returned, when the middleware runs after it: outside the view's
    transaction (under ATOMIC_REQUESTS, the database lock it may hold is released by then);
    now without the middleware. A step must not raise."""
    pending = getattr(request, PENDING_ATTR, None)
    if pending is None:
        step()
    else:
        pending.append(step)


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


def save(records: list[Record]) -> None:
    """Save the rows, each fitted to LOG["MAX_ROW_BYTES"]: put on this process's writer's queue
    (background mode), or saved now (save_now)."""
    if not records:
        return
    records = [fit(item) for item in records]
    if log_mode() == "background":
        writer.put(records)
    else:
        save_now(records)


def log_mode() -> str:
    """LOG["MODE"], "auto" resolved: a test reads its rows right after the response."""
    mode = str(apierrors_settings.LOG["MODE"])
    if mode == "auto":
        # setup_test_environment() gives django.core.mail an outbox; teardown removes it.
        return "sync" if hasattr(mail, "outbox") else "background"
    return mode


def save_now(records: list[Record]) -> None:
    """Save the rows in this thread; whatever fails goes to Python logging whole, never to the
    caller."""
    alias = router.db_for_write(ErrorLog)
    connection = connections[alias]
    if connection.in_atomic_block and connection.needs_rollback:
        # The view's transaction is doomed: a row written in it would vanish with it.
        for item in records:
            log_line(item, reason="transaction marked for rollback")
        return
    try:
        refused = save_batch(records)
    except Exception:
        logger.exception("apierrors: error log unavailable")
        for item in records:
            log_line(item, reason="database write failed")
        return
    for item, reason in refused:
        log_line(item, reason=reason)


def save_batch(records: list[Record]) -> list[tuple[Record, str]]:
    """Save the rows in one transaction and create their drafts; what the background writer
    saves a batch with.

    Returns the records the database refused for what they hold, each with the database's
    reason (each row is then tried on its own, so that one bad row does not take its batch with
    it); raises when the database itself fails (down, table missing, locked), so that the caller
    may keep the rows and try again.
    """
    alias = router.db_for_write(ErrorLog)
    refused: list[tuple[Record, str]] = []
    try:
        _insert_and_count(records, alias)
    except Exception as exc:
        if database_unavailable(exc):
            raise
        for item in records:
            reason = _save_alone(item, alias)
            if reason:
                refused.append((item, reason))
    new_codes = {item["code"]: item for item in records if item.get("create_draft")}
    for code, item in new_codes.items():
        drafts.create(code, item["status_code"], alias)
    return refused


def _insert_and_count(records: list[Record], alias: str) -> None:
    """The rows and their per-code hourly counts, all or nothing.

    A small batch on PostgreSQL is one statement, in its own implicit transaction: the INSERT
    of the rows in a WITH clause, then the upsert of the counts, one round trip where a
    transaction of two statements takes four. That is what a row costs at everyday load, when
    the writer stores each error as it comes (a third of the CPU per row, benchmarks/insert.py).
    """
    connection = connections[alias]
    if (
        connection.vendor == "postgresql"
        and len(records) < COPY_FROM_ROWS
        and not connection.in_atomic_block
    ):
        rows_sql, rows_params = values_statement(records, alias)
        counts_sql, counts_params = counts.upsert(records, alias)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH logged AS ({rows_sql}) {counts_sql}", [*rows_params, *counts_params]
            )
        return
    with transaction.atomic(using=alias):
        insert_rows(records, alias)
        counts.add(records, alias)


def _save_alone(item: Record, alias: str) -> str:
    """Insert one row; why the database refused it, or "". Raises when the database fails."""
    try:
        _insert_and_count([item], alias)
    except Exception as exc:
        if database_unavailable(exc):
            raise
        # A retried batch whose first try was committed without the answer reaching us.
        if ErrorLog.objects.using(alias).filter(error_id=item["error_id"]).exists():
            return ""
        return f"the database refused the row: {type(exc).__name__}: {safe_str(exc)}"
    return ""


# PEP 249's exceptions of a database that failed, as opposed to rows it refused (DataError,
# IntegrityError): what Django raises, and what drivers raise where Django does not wrap them
# (psycopg's COPY).
_UNAVAILABLE: Final = frozenset(
    {"OperationalError", "InterfaceError", "ProgrammingError", "InternalError"}
)


def database_unavailable(exc: BaseException) -> bool:
    """Whether the same rows may be stored once the database is back (down, locked, no table)."""
    return any(klass.__name__ in _UNAVAILABLE for klass in type(exc).__mro__)


# Columns whose values build_record() already makes as the driver takes them (str, int): what
# get_db_prep_save() would do to them is a chain of calls that returns the value unchanged.
_AS_IS_FIELDS: Final = (models.CharField, models.TextField, models.PositiveSmallIntegerField)
_AS_IS_VALUES: Final = (str, int)

# Batches from this many rows go to PostgreSQL as COPY rather than INSERT: the same CPU time per
# row for 1 and 2 rows, from 4 on about half of it (benchmarks/insert.py).
COPY_FROM_ROWS: Final = 4


def insert_rows(records: list[Record], alias: str) -> None:
    """The rows as ``bulk_create`` would send them, values prepared by each field: on
    PostgreSQL with psycopg 3, ``COPY ... FROM STDIN`` from COPY_FROM_ROWS rows on; else one
    multi-row INSERT per batch, or a few where the backend caps a statement's variables
    (SQLite: 999).

    It skips what ``bulk_create`` adds on the way, a model instance per row, a compiled
    statement per call and the preparation of values that need none, which cost more than
    the database's own work per row; the log has no signals, no auto
    fields to fill and no relations to save.
    """
    connection = connections[alias]
    if connection.vendor == "postgresql" and len(records) >= COPY_FROM_ROWS and _has_copy():
        copy_rows(records, alias)
    else:
        values_rows(records, alias)


@functools.cache
def _has_copy() -> bool:
    """Whether Django's PostgreSQL backend runs on psycopg 3 (which it prefers when installed)."""
    try:
        import psycopg  # noqa: F401
    except ImportError:  # psycopg2: no copy() taking rows
        return False
    return True


def _columns() -> list[models.Field[Any, Any]]:
    return [field for field in ErrorLog._meta.concrete_fields if not field.primary_key]


def prepared_rows(records: list[Record], alias: str) -> list[list[Any]]:
    """Each record's values in _columns() order, as the field would send them to the driver."""
    connection = connections[alias]
    fields = _columns()
    as_is = [type(field) in _AS_IS_FIELDS for field in fields]
    rows = []
    for count, item in enumerate(records, 1):
        if count % 10 == 0:
            # Let waiting request threads of this process in between rows, as a batch
            # prepared in one go would keep them waiting for the GIL (their p99 shows it).
            time.sleep(0)
        # Read by column name: a field's name is not a key mypy can check.
        columns: Mapping[str, object] = item
        row = []
        for field, plain in zip(fields, as_is, strict=True):
            value = columns[field.attname] if field.attname in columns else field.get_default()
            if not (plain and type(value) in _AS_IS_VALUES):
                value = field.get_db_prep_save(value, connection)
            row.append(value)
        rows.append(row)
    return rows


def _table_and_columns(alias: str) -> str:
    """The log table and its _columns(), quoted for ``alias``: ``table (a, b, …)``."""
    quote = connections[alias].ops.quote_name
    columns = ", ".join(quote(str(field.column)) for field in _columns())
    return f"{quote(ErrorLog._meta.db_table)} ({columns})"


def _insert_head(alias: str) -> tuple[str, str]:
    """The INSERT up to VALUES, and the placeholders of one row."""
    row_sql = "(" + ", ".join(["%s"] * len(_columns())) + ")"
    return f"INSERT INTO {_table_and_columns(alias)} VALUES ", row_sql


def values_statement(records: list[Record], alias: str) -> tuple[str, list[Any]]:
    """A few rows as one INSERT statement and its params."""
    head, row_sql = _insert_head(alias)
    rows = prepared_rows(records, alias)
    return head + ", ".join([row_sql] * len(rows)), [value for row in rows for value in row]


def values_rows(records: list[Record], alias: str) -> None:
    """The rows as multi-row INSERT statements."""
    connection = connections[alias]
    fields = _columns()
    rows = prepared_rows(records, alias)
    head, row_sql = _insert_head(alias)
    with connection.cursor() as cursor:
        per_statement = max(1, connection.ops.bulk_batch_size(fields, rows))
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            cursor.execute(
                head + ", ".join([row_sql] * len(chunk)), [value for row in chunk for value in row]
            )


def copy_rows(records: list[Record], alias: str) -> None:
    """The rows through PostgreSQL's COPY, in text format: psycopg 3's ``Cursor.copy()``,
    which Django's cursor passes through, dumps each value as the INSERT's parameter would be
    (JSON columns as the field's ``Jsonb``), and PostgreSQL parses it for its column."""
    connection = connections[alias]
    rows = prepared_rows(records, alias)
    statement = f"COPY {_table_and_columns(alias)} FROM STDIN"
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)


def log_line(item: Record, *, reason: str) -> None:
    """The record as one structured log line: nothing is lost when the table is not there."""
    payload = {k: v for k, v in item.items() if k not in NOT_COLUMNS}
    logger.error(
        "apierrors error_id=%s not stored (%s): %s",
        item["error_id"],
        reason,
        json.dumps(payload, default=str, ensure_ascii=False),
        extra={"error_id": item["error_id"], "request_id": item["request_id"]},
    )
