"""Error storms: past a window's limit an error's row is kept light, pointing to a full row."""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from apierrors.conf import apierrors_settings
from apierrors.log.redaction import redact_text

if TYPE_CHECKING:
    from apierrors.log.record import Record

logger = logging.getLogger("apierrors.storm")

# Most windows, and most kinds of error with a full row, tracked at once; past it a window is
# not limited and an error of a kind not tracked keeps its full row.
MAX_TRACKED: Final = 10_000
# The ErrorLog path column.
MAX_PATH_LENGTH: Final = 2048


@dataclass(slots=True)
class _Window:
    started: float
    kept: int = 0


class Storm:
    """Per-process limits on full rows per window; every error keeps a row of its own.

    A record is stored whole while its code has had fewer than STORM["CODE_LIMIT"] full rows,
    and its code, method and path fewer than STORM["PATH_LIMIT"], in the current window of
    STORM["WINDOW"] seconds. Past that, its row keeps only the light columns and names, in
    ``detail_from``, the latest full row of the same error (same code, exception class and
    traceback shape: ``head["detail_key"]``), whose headers, bodies and traceback stand for
    its own. An error whose kind has no full row yet is stored whole, whatever the limits.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._paths: dict[tuple[Any, ...], _Window] = {}
        self._codes: dict[tuple[Any, ...], _Window] = {}
        # detail_key -> (error_id of its latest full row, when it was kept).
        self._full: dict[Any, tuple[str, float]] = {}

    def decide(self, head: Record, now: float | None = None) -> str | None:
        """None when the error ``head`` stands for is stored whole, else the error_id of the
        full row its light row points to.

        ``head`` holds what the decision needs: error_id, code, status_code, method, path and
        detail_key, as the request had them.
        """
        window = apierrors_settings.STORM["WINDOW"]
        path_limit = apierrors_settings.STORM["PATH_LIMIT"]
        code_limit = apierrors_settings.STORM["CODE_LIMIT"]
        if not window or (path_limit is None and code_limit is None):
            return None
        now = time.monotonic() if now is None else now
        code_key = (head["code"], head["status_code"])
        path_key = (*code_key, head["method"], head["path"])
        kind = head["detail_key"]
        with self._lock:
            code_window = self._window(self._codes, code_key, now, window)
            path_window = self._window(self._paths, path_key, now, window)
            full = self._full.get(kind)
            within = (
                code_limit is None or code_window is None or code_window.kept < code_limit
            ) and (path_limit is None or path_window is None or path_window.kept < path_limit)
            if not within and full is not None:
                detail_from = full[0]
            else:
                if code_window is not None:
                    code_window.kept += 1
                if path_window is not None:
                    path_window.kept += 1
                self._remember(kind, head["error_id"], now, window)
                return None
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "apierrors error_id=%s stored light, its detail in error_id=%s "
                "(storm control: %s %s %s)",
                head["error_id"],
                detail_from,
                head["code"],
                head["method"],
                redact_text(head["path"], MAX_PATH_LENGTH),
                extra={"error_id": head["error_id"]},
            )
        return detail_from

    def reset(self) -> None:
        """Forget every window and full row."""
        with self._lock:
            self._paths.clear()
            self._codes.clear()
            self._full.clear()

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

    def _remember(self, kind: Any, error_id: str, now: float, span: float) -> None:
        if kind not in self._full and len(self._full) >= MAX_TRACKED:
            for stale in [k for k, (_id, at) in self._full.items() if now - at >= span]:
                del self._full[stale]
            if len(self._full) >= MAX_TRACKED:
                return
        self._full[kind] = (error_id, now)


storm = Storm()
decide = storm.decide
reset = storm.reset
