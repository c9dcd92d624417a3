"""Error storms: a burst of one error becomes a few kept rows and one counted summary row."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from apierrors import ids
from apierrors.conf import apierrors_settings
from apierrors.redaction import redact, redact_text

if TYPE_CHECKING:
    from django.db.models import QuerySet

logger = logging.getLogger("apierrors.storm")

# Most (code, method, path) windows tracked at once; past it, only the per-code limit applies.
MAX_TRACKED: Final = 10_000
# Distinct paths named in one summary row; the others are counted together.
MAX_SUMMARY_PATHS: Final = 20
OTHER_PATHS: Final = "(other paths)"
# The ErrorLog path column.
MAX_PATH_LENGTH: Final = 2048

Record = dict[str, Any]


@dataclass(slots=True)
class _Window:
    started: float
    kept: int = 0


@dataclass(slots=True)
class _Drops:
    """The errors of one code counted, not stored, since ``started``."""

    started: float
    first: Record
    last: Record
    count: int = 0
    paths: Counter[str] = field(default_factory=Counter)
    methods: Counter[str] = field(default_factory=Counter)


class Storm:
    """Per-process limits on rows per window, with every dropped error counted.

    A record is kept while its code has had fewer than STORM_CODE_LIMIT rows, and its code,
    method and path fewer than STORM_PATH_LIMIT, in the current window of STORM_WINDOW
    seconds. Past that it is counted: the first record that arrives after the window of its
    code's drops has closed carries one summary row with ``occurrences`` = the count, so
    staff see how many occurred. ``flush()`` hands over the summaries still open.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: dict[tuple[Any, ...], _Window] = {}
        self._codes: dict[tuple[Any, ...], _Window] = {}
        self._drops: dict[tuple[Any, ...], _Drops] = {}
        # When the oldest open summary started: none is looked at before its window closed.
        self._oldest = math.inf

    def decide(self, head: Record, now: float | None = None) -> tuple[bool, list[Record]]:
        """Whether to store the error ``head`` stands for, and the summaries whose window has
        closed, to write now.

        ``head`` holds what the decision and a summary need (error_id, code, status_code,
        method, path, language, exception_class, created_at, response_body), as the request
        had them: the full record is built only for an error that is kept, and what a summary
        takes from a head is redacted when the summary is made.
        """
        window = apierrors_settings.STORM_WINDOW
        path_limit = apierrors_settings.STORM_PATH_LIMIT
        code_limit = apierrors_settings.STORM_CODE_LIMIT
        if not window or (path_limit is None and code_limit is None):
            return True, []
        now = time.monotonic() if now is None else now
        code_key = (head["code"], head["status_code"])
        path_key = (*code_key, head["method"], head["path"])
        with self._lock:
            out = self._closed(now, window) if now - self._oldest >= window else []
            code_window = self._window(self._codes, code_key, now, window)
            path_window = self._window(self._paths, path_key, now, window)
            if (code_limit is None or code_window is None or code_window.kept < code_limit) and (
                path_limit is None or path_window is None or path_window.kept < path_limit
            ):
                if code_window is not None:
                    code_window.kept += 1
                if path_window is not None:
                    path_window.kept += 1
                return True, out
            self._count(code_key, head, now)
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "apierrors error_id=%s counted, not stored (storm control: %s %s %s)",
                head["error_id"],
                head["code"],
                head["method"],
                redact_text(head["path"], MAX_PATH_LENGTH),
                extra={"error_id": head["error_id"]},
            )
        return False, out

    def due(self, now: float | None = None) -> list[Record]:
        """Summaries whose window has closed, for a writer that runs between requests."""
        window = apierrors_settings.STORM_WINDOW or 0
        with self._lock:
            return self._closed(time.monotonic() if now is None else now, window)

    def flush(self) -> list[Record]:
        """Every open summary, closed now (at exit, or before counting rows)."""
        with self._lock:
            drops, self._drops, self._oldest = self._drops, {}, math.inf
        return [_summary(item) for item in drops.values()]

    def reset(self) -> None:
        """Forget every window and count."""
        with self._lock:
            self._paths.clear()
            self._codes.clear()
            self._drops.clear()
            self._oldest = math.inf

    # Inside the lock -------------------------------------------------------------------------

    def _window(
        self, windows: dict[tuple[Any, ...], _Window], key: tuple[Any, ...], now: float, span: float
    ) -> _Window | None:
        current = windows.get(key)
        if current is not None and now - current.started < span:
            return current
        if current is None and len(windows) >= MAX_TRACKED:
            for stale in [k for k, w in windows.items() if now - w.started >= span]:
                del windows[stale]
            if len(windows) >= MAX_TRACKED:
                return None
        windows[key] = _Window(started=now)
        return windows[key]

    def _count(self, key: tuple[Any, ...], record: Record, now: float) -> None:
        drops = self._drops.get(key)
        if drops is None:
            drops = self._drops[key] = _Drops(started=now, first=record, last=record)
            self._oldest = min(self._oldest, now)
        drops.count += 1
        drops.last = record
        drops.methods[record["method"]] += 1
        path = record["path"]
        if path in drops.paths or len(drops.paths) < MAX_SUMMARY_PATHS:
            drops.paths[path] += 1
        else:
            drops.paths[OTHER_PATHS] += 1

    def _closed(self, now: float, span: float) -> list[Record]:
        closed = [key for key, drops in self._drops.items() if now - drops.started >= span]
        summaries = [_summary(self._drops.pop(key)) for key in closed]
        self._oldest = min((drops.started for drops in self._drops.values()), default=math.inf)
        return summaries


def _summary(drops: _Drops) -> Record:
    """One ErrorLog row standing for ``drops.count`` errors that were not stored one by one."""
    first, last = drops.first, drops.last
    first_at: datetime = first["created_at"]
    # Heads carry the request's own path and body: redacted here, once per summary.
    paths: Counter[str] = Counter()
    for raw, count in drops.paths.items():
        paths[raw if raw == OTHER_PATHS else redact_text(raw, MAX_PATH_LENGTH)] += count
    path = paths.most_common(1)[0][0] if paths else ""
    return {
        "error_id": ids.new_error_id(),
        "code": last["code"],
        "status_code": last["status_code"],
        "method": drops.methods.most_common(1)[0][0] if drops.methods else "",
        "path": "" if path == OTHER_PATHS else path,
        "query_string": "",
        "request_id": "",
        "user_pk": "",
        "username": "",
        "language": last["language"],
        "exception_class": last["exception_class"],
        "exception_message": "",
        "traceback": "",
        "params": {
            "first_error_id": first["error_id"],
            "last_error_id": last["error_id"],
            "paths": dict(paths.most_common()),
        },
        "field_errors": [],
        "request_headers": {},
        "request_body": None,
        "response_body": redact(last["response_body"]),
        "created_at": first_at,
        "last_seen_at": last["created_at"],
        "occurrences": drops.count,
        "create_draft": False,
    }


storm = Storm()
decide = storm.decide
due = storm.due
flush = storm.flush
reset = storm.reset


def write_open_summaries() -> None:
    """At process exit (registered in AppConfig.ready): open counts are written, not lost."""
    from apierrors.log import write

    summaries = flush()
    if summaries:
        write(summaries)


def summaries_covering(error_id: str, queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Summary rows that may count ``error_id``, a dropped error's id that has no row.

    An error_id carries the millisecond it was issued; a summary spans at most one window.
    Indexed on created_at, so the search stays fast on a large table.
    """
    issued = ids.error_id_time(error_id)
    slack = timedelta(seconds=1)
    span = timedelta(seconds=float(apierrors_settings.STORM_WINDOW or 0)) + slack
    return queryset.filter(
        occurrences__gt=1,
        created_at__gte=issued - span,
        created_at__lte=issued + slack,
        last_seen_at__gte=issued - slack,
    )
