"""The write-behind log: a bounded queue of records drained in batches by one thread a process."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connections

logger = logging.getLogger("apierrors.log")

Record = dict[str, Any]
Store = Callable[[list[Record]], None]


@dataclass(frozen=True, slots=True)
class WriterStats:
    """What one process's writer did since it started; counts of records unless named."""

    queued: int
    submitted: int
    stored: int
    dropped: int
    batches: int


class LogWriter:
    """Accepts records without ever blocking and stores them in batches from a daemon thread.

    A batch goes out when ``batch_size`` records wait, when the oldest waited
    ``flush_interval`` seconds, on ``flush()`` and on ``stop()``. Past ``queue_size`` waiting
    records, new ones are dropped and counted: a request never waits for the log database.
    The thread opens its own database connections (Django's are per thread), so what it writes
    never shares a request's transaction; it closes them as Django closes a request's.
    """

    def __init__(
        self,
        store: Store,
        *,
        batch_size: int,
        flush_interval: float,
        queue_size: int,
    ) -> None:
        self.store = store
        self.batch_size = batch_size
        self.flush_interval = flush_interval
        self.queue_size = queue_size
        self.pid = os.getpid()
        self._queue: deque[Record] = deque()
        self._lock = threading.Condition(threading.Lock())
        self._thread: threading.Thread | None = None
        self._stopping = False
        self._flushers = 0
        self._submitted = 0
        self._done = 0
        self._dropped = 0
        self._batches = 0
        self._unreported_drops = 0
        self._reported_at = 0.0

    # The request side ---------------------------------------------------------------------

    def submit(self, records: list[Record]) -> int:
        """Queue what fits and return how many; the rest is counted as dropped. Never blocks."""
        with self._lock:
            room = 0 if self._stopping else max(self.queue_size - len(self._queue), 0)
            accepted = records[:room]
            waiting_before = len(self._queue)
            self._queue.extend(accepted)
            self._submitted += len(accepted)
            overflow = len(records) - len(accepted)
            if overflow:
                self._dropped += overflow
                self._unreported_drops += overflow
            # Wake the thread only when it has something new to decide: a first record starts
            # the flush_interval clock, a full batch goes out at once.
            waiting = len(self._queue)
            if accepted and (waiting_before == 0 or waiting >= self.batch_size > waiting_before):
                self._lock.notify_all()
            if self._thread is None and not self._stopping:
                self._start()
        if overflow:
            self._report_drops(records[len(accepted) :])
        return len(accepted)

    def _report_drops(self, dropped: list[Record]) -> None:
        """One warning per flush_interval at most: a storm must not become a storm of lines."""
        now = time.monotonic()
        with self._lock:
            if now - self._reported_at < self.flush_interval:
                return
            self._reported_at = now
            count, self._unreported_drops = self._unreported_drops, 0
            total = self._dropped
        logger.warning(
            "apierrors: error log queue full (%d records waiting): %d records dropped "
            "since the last report, %d in all; last dropped error_id=%s",
            self.queue_size,
            count,
            total,
            dropped[-1].get("error_id", ""),
        )

    # Control ------------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record submitted so far is stored; False if ``timeout`` ran out."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            target = self._submitted
            self._flushers += 1
            self._lock.notify_all()
            try:
                while self._done < target:
                    if self._thread is None or not self._thread.is_alive():
                        return False
                    remaining = None if deadline is None else deadline - time.monotonic()
                    if remaining is not None and remaining <= 0:
                        return False
                    self._lock.wait(remaining)
            finally:
                self._flushers -= 1
        return True

    def stop(self, timeout: float | None = None) -> bool:
        """Store what waits, end the thread and close its connections; False on timeout."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
            thread = self._thread
        if thread is None:
            return True
        thread.join(timeout)
        return not thread.is_alive()

    def stats(self) -> WriterStats:
        with self._lock:
            return WriterStats(
                queued=len(self._queue),
                submitted=self._submitted,
                stored=self._done,
                dropped=self._dropped,
                batches=self._batches,
            )

    # The thread ---------------------------------------------------------------------------

    def _start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"apierrors-log-writer-{self.pid}", daemon=True
        )
        self._thread.start()

    def _next_batch(self) -> list[Record] | None:
        """Wait for a reason to write, then take up to batch_size records; None means stop."""
        with self._lock:
            deadline: float | None = None
            while True:
                waiting = len(self._queue)
                if waiting >= self.batch_size or (waiting and (self._stopping or self._flushers)):
                    break
                if self._stopping:
                    return None
                if not waiting:
                    deadline = None
                    self._lock.wait()
                    continue
                now = time.monotonic()
                if deadline is None:
                    deadline = now + self.flush_interval
                if now >= deadline:
                    break
                self._lock.wait(deadline - now)
            count = min(self.batch_size, len(self._queue))
            return [self._queue.popleft() for _ in range(count)]

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                self._close_old_connections()
                try:
                    self.store(batch)
                except Exception:
                    # store() reports its own failures; this keeps the thread alive regardless.
                    logger.exception("apierrors: the log writer failed on %d records", len(batch))
                finally:
                    self._close_old_connections()
                    with self._lock:
                        self._done += len(batch)
                        self._batches += 1
                        self._lock.notify_all()
        finally:
            connections.close_all()

    @staticmethod
    def _close_old_connections() -> None:
        # What Django does around each request: honour CONN_MAX_AGE, drop broken connections.
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()


_writer: LogWriter | None = None
_writer_lock = threading.Lock()


def get_writer() -> LogWriter:
    """This process's writer, made from the current settings on first use (and after a fork)."""
    global _writer
    writer = _writer
    if writer is not None and writer.pid == os.getpid():
        return writer
    from apierrors.conf import apierrors_settings
    from apierrors.log import store

    with _writer_lock:
        if _writer is None or _writer.pid != os.getpid():
            _writer = LogWriter(
                store,
                batch_size=apierrors_settings.LOG_BATCH_SIZE,
                flush_interval=apierrors_settings.LOG_FLUSH_INTERVAL,
                queue_size=apierrors_settings.LOG_QUEUE_SIZE,
            )
            # The one hook of apierrors.lifecycle here: this process stores what its writer
            # holds when it ends, however it ends.
            from apierrors.lifecycle import watch_process_end

            watch_process_end()
        return _writer


def submit(records: list[Record]) -> int:
    return get_writer().submit(records)


def flush(timeout: float | None = None) -> bool:
    """Store every record this process queued so far; for tests, commands and shutdown."""
    writer = _writer
    if writer is None or writer.pid != os.getpid():
        return True
    return writer.flush(timeout)


def shutdown(timeout: float | None = 10.0) -> bool:
    """Store what waits and end the thread; the next record starts a new writer."""
    global _writer
    with _writer_lock:
        writer, _writer = _writer, None
    if writer is None or writer.pid != os.getpid():
        return True
    stopped = writer.stop(timeout)
    if not stopped:
        # Those queued and the batch the thread is still inserting.
        stats = writer.stats()
        logger.error(
            "apierrors: the log writer did not finish within %ss; %d records not stored",
            timeout,
            stats.submitted - stats.stored,
        )
    return stopped


def after_fork_in_child() -> None:
    """A fork copies the queue but not the thread: the child starts afresh, the parent stores."""
    global _writer, _writer_lock
    _writer = None
    _writer_lock = threading.Lock()
