"""A stopping process stores the log rows it still holds, within a bound, however it stops.

Three ways out, each with its own point where the rows are stored:

- The interpreter ends (gunicorn's sync and gthread workers, uWSGI's workers, a script,
  ``manage.py`` commands, Ctrl-C): before it runs the atexit functions it waits for every
  thread that is not a daemon. The first record of a process starts one such thread, which
  waits for the main thread to end, then stores what waits and ends itself. ``atexit`` does
  the same once more for a process whose threads were never waited for.
- A child of ``multiprocessing`` (``Process``, ``Pool``, ``ProcessPoolExecutor``, fork or
  spawn) leaves through ``os._exit()``, which runs no atexit function; but it too waits for
  the threads that are not daemons first, so the same thread stores its rows.
- uvicorn, alone or as gunicorn's ``UvicornWorker``, ends its process on SIGTERM by raising
  the signal again once it has shut down, with the default handler: nothing runs after that.
  It sends the ASGI lifespan shutdown event first and waits for its answer, and
  :func:`apierrors.asgi.with_lifespan` stores the rows then.

Every wait is bounded by STOP_TIMEOUT: a log database that does not answer costs a stopping
process that long at most; the rows it could not store are counted in an error log line.
A process killed by SIGKILL (or one that calls ``os._exit()`` itself) loses what had not been
stored yet: the batch being inserted (at most LOG["BATCH_SIZE"] rows) and what queued behind it
while it was written.
"""

from __future__ import annotations

import os
import threading
from typing import Final

# Seconds a stopping process waits at most for its writer to store what it holds: below the
# time servers allow a stopping worker (gunicorn's graceful_timeout 30, uWSGI's
# worker-reload-mercy 60).
STOP_TIMEOUT: Final = 5.0

_watched_pid = 0


def store_before_exit(timeout: float = STOP_TIMEOUT) -> bool:
    """Store every queued row and end the writer, for a process about to end (what runs at
    exit, at lifespan shutdown and after the main thread); False when ``timeout`` ran out
    first. Safe to call more than once.
    """
    from apierrors.log.writer import shutdown

    return shutdown(timeout)


def watch_process_end() -> None:
    """Store this process's rows once its main thread ended; called as its writer starts.

    Idempotent per process. A thread cannot start once the interpreter is finalising: then
    atexit is what stores the rows.
    """
    global _watched_pid
    pid = os.getpid()
    if _watched_pid == pid:
        return
    _watched_pid = pid
    watcher = threading.Thread(
        target=_store_after_main_thread, name=f"apierrors-log-exit-{pid}", daemon=False
    )
    try:
        watcher.start()
    except RuntimeError:
        _watched_pid = 0


def _store_after_main_thread() -> None:
    threading.main_thread().join()
    store_before_exit()
