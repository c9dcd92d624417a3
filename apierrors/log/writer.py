"""The write-behind log: a bounded queue of records stored in batches by one thread a process."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.core.signals import setting_changed
from django.db import connections
from django.dispatch import receiver

if TYPE_CHECKING:
    from apierrors.log.record import Record

logger = logging.getLogger("apierrors.log")

# Saves a batch; returns the records the database refused for what they hold, each with why;
# raises when the database itself failed (the batch is then tried again).
SaveBatch = Callable[[list["Record"]], list[tuple["Record", str]]]
# Hands a record that will not be stored to Python logging, whole, with the reason why.
GiveUp = Callable[["Record", str], None]

# Seconds between two reports of records dropped by a full queue.
REPORT_INTERVAL: Final = 10.0
# Seconds before the first retry of a batch the database did not take, doubling up to RETRY_MAX.
RETRY_FIRST: Final = 0.1
RETRY_MAX: Final = 5.0
# Seconds stop() waits past its timeout for a thread that is not in a database call to end.
STOP_GRACE: Final = 1.0


@dataclass(frozen=True, slots=True)
class WriterStats:
    """What one process's writer did since it started; counts of records unless named.

    ``dropped``: refused by a full queue, counted only. ``given_up``: accepted but not stored,
    written whole to Python logging instead (refused by the database, or still waiting when
    ``stop()`` ran out of time). ``failing``: the database fails now and the writer retries.
    """

    queued: int
    submitted: int
    stored: int
    dropped: int
    given_up: int
    batches: int
    failing: bool


@dataclass(frozen=True, slots=True)
class _LossReport:
    count: int
    total: int
    first: str
    last: str


class LogWriter:
    """Accepts records without ever blocking and stores them from a daemon thread, at once.

    Group commit: the thread stores whatever waits, up to ``batch_size`` records, as soon as a
    record waits; while it stores one batch the next one gathers, so batches grow with the load
    and an idle process holds a record only while one batch is written. Past ``queue_size``
    waiting records new ones are dropped and counted, with one warning per ``report_interval``:
    a request never waits for the log database. A batch the database does not take (down, table
    missing, locked) is kept and tried again, after ``RETRY_FIRST`` seconds doubling up to
    ``retry_max``, while new records queue behind it; one line says so per failure episode.
    The thread opens its own database connections (Django's are per thread), so what it writes
    never shares a request's transaction; it closes them as Django closes a request's.
    """

    def __init__(
        self,
        save_batch: SaveBatch,
        *,
        batch_size: int,
        queue_size: int,
        give_up: GiveUp | None = None,
        report_interval: float = REPORT_INTERVAL,
        retry_max: float = RETRY_MAX,
    ) -> None:
        self.save_batch = save_batch
        self.give_up = give_up or _log_line
        self.batch_size = batch_size
        self.queue_size = queue_size
        self.report_interval = report_interval
        self.retry_max = retry_max
        self.pid = os.getpid()
        self._queue: deque[Record] = deque()
        self._lock = threading.Lock()
        # The thread waits on _work for records or a stop; flush() waits on _progress.
        self._work = threading.Condition(self._lock)
        self._progress = threading.Condition(self._lock)
        self._thread: threading.Thread | None = None
        self._stopping = False
        # Once stopping: the time after which what cannot be stored is given up.
        self._give_up_at: float | None = None
        self._submitted = 0
        self._handled = 0  # stored or given up
        self._stored = 0
        self._given_up = 0
        self._dropped = 0
        self._batches = 0
        self._failing_since: float | None = None
        self._storing = False  # the thread is in a database call
        self._unreported = 0
        self._first_lost = ""
        self._last_lost = ""
        self._reported_at: float | None = None

    # The request side ---------------------------------------------------------------------

    def put(self, records: list[Record]) -> int:
        """Queue what fits and return how many; the rest is counted as dropped. Never blocks."""
        report = None
        with self._lock:
            room = 0 if self._stopping else max(self.queue_size - len(self._queue), 0)
            accepted = records[:room]
            if accepted:
                if not self._queue:
                    self._work.notify()
                self._queue.extend(accepted)
                self._submitted += len(accepted)
            if len(records) > room:
                self._count_drops(records[room:])
                if self._stopping and self._report_due():
                    report = self._take_report()  # no thread left to report them
            if self._thread is None and not self._stopping:
                self._start()
        if report is not None:
            self._report(report)
        return len(accepted)

    def _count_drops(self, dropped: list[Record]) -> None:
        self._dropped += len(dropped)
        if not self._unreported:
            self._first_lost = str(dropped[0].get("error_id", ""))
            self._work.notify()  # the thread reports it, now or when the interval is over
        self._unreported += len(dropped)
        self._last_lost = str(dropped[-1].get("error_id", ""))

    # Control ------------------------------------------------------------------------------

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every record submitted so far is handled (stored, or given up to Python
        logging); False if ``timeout`` ran out first."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._lock:
            target = self._submitted
            while self._handled < target:
                if self._thread is None or not self._thread.is_alive():
                    return False
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._progress.wait(remaining)
        return True

    def stop(self, timeout: float | None = None) -> bool:
        """Store what waits and end the thread; False on timeout.

        While the database fails, the writer keeps trying until ``timeout``; then every record
        it still holds goes whole to Python logging (``give_up``), and so does what still waits
        if the thread is stuck in the database past it.
        """
        with self._lock:
            self._stopping = True
            if timeout is not None:
                self._give_up_at = time.monotonic() + timeout
            self._work.notify_all()
            thread = self._thread
        if thread is not None:
            thread.join(timeout)
            with self._lock:
                storing = self._storing
            if thread.is_alive() and not storing:
                # It gave up at the timeout and is ending, or takes no other batch now.
                thread.join(STOP_GRACE)
        with self._lock:
            left = list(self._queue)
            self._queue.clear()
            report = self._take_report()
        reason = "the log writer stopped before the database took it"
        self._abandon([(item, reason) for item in left])
        if report is not None:
            self._report(report)
        return thread is None or not thread.is_alive()

    def stats(self) -> WriterStats:
        with self._lock:
            return WriterStats(
                queued=len(self._queue),
                submitted=self._submitted,
                stored=self._stored,
                dropped=self._dropped,
                given_up=self._given_up,
                batches=self._batches,
                failing=self._failing_since is not None,
            )

    # The thread ---------------------------------------------------------------------------

    def _start(self) -> None:
        self._thread = threading.Thread(
            target=self._run, name=f"apierrors-log-writer-{self.pid}", daemon=True
        )
        self._thread.start()

    def _run(self) -> None:
        try:
            while (batch := self._next_batch()) is not None:
                if batch:
                    self._write(batch)
        finally:
            connections.close_all()

    def _next_batch(self) -> list[Record] | None:
        """Wait for records, then take up to batch_size of them; None means stop. Reports
        dropped records on the way; [] when it only did that."""
        with self._lock:
            while not self._queue and not self._stopping and not self._report_due():
                self._work.wait(self._until_report())
            report = self._take_report() if self._report_due() else None
            # Stopping with nothing left, or past stop()'s timeout: stop() gives up what waits.
            done = self._gave_up() or (not self._queue and report is None)
            count = 0 if done else min(self.batch_size, len(self._queue))
            batch = [self._queue.popleft() for _ in range(count)]
            if batch:
                self._batches += 1
        if report is not None:
            self._report(report)
        return None if done else batch

    def _write(self, batch: list[Record]) -> None:
        """Store the batch, trying again while the database fails; then count it handled."""
        delay = RETRY_FIRST
        while True:
            self._close_old_connections()
            with self._lock:
                self._storing = True
            failure: Exception | None = None
            try:
                refused = self.save_batch(batch)
            except Exception as exc:
                failure = exc
            finally:
                with self._lock:
                    self._storing = False
                self._close_old_connections()
            if failure is None:
                break
            self._failed(failure, len(batch))
            if not self._wait_to_retry(delay):
                reason = "the database was still failing when the writer stopped"
                self._abandon([(item, reason) for item in batch])
                return
            delay = min(delay * 2, self.retry_max)
        self._abandon(refused)
        with self._lock:
            self._stored += len(batch) - len(refused)
            self._handled += len(batch) - len(refused)
            self._progress.notify_all()
            failed_since, self._failing_since = self._failing_since, None
        if failed_since is not None:
            logger.info(
                "apierrors: error log available again after %.1fs; held records stored",
                time.monotonic() - failed_since,
            )

    def _failed(self, exc: Exception, count: int) -> None:
        """The database did not take a batch: one line for the episode, not one per try."""
        with self._lock:
            if self._failing_since is not None:
                return
            self._failing_since = time.monotonic()
            waiting = len(self._queue)
        logger.error(
            "apierrors: error log unavailable (%s: %s); its records wait in memory (%d now, %d "
            "at most) and are tried again until it answers",
            type(exc).__name__,
            exc,
            count + waiting,
            self.queue_size,
        )

    def _wait_to_retry(self, delay: float) -> bool:
        """Sleep ``delay`` seconds, reporting drops meanwhile; False once stop() gave up."""
        retry_at = time.monotonic() + delay
        while True:
            with self._lock:
                now = time.monotonic()
                if self._gave_up():
                    return False
                if now >= retry_at:
                    return True
                if not self._report_due():
                    wake = retry_at
                    if self._stopping and self._give_up_at is not None:
                        wake = min(wake, self._give_up_at)
                    until_report = self._until_report()
                    if until_report is not None:
                        wake = min(wake, now + until_report)
                    self._work.wait(max(wake - now, 0))
                report = self._take_report() if self._report_due() else None
            if report is not None:
                self._report(report)

    def _abandon(self, records: list[tuple[Record, str]]) -> None:
        """Records that will not be stored: whole to Python logging, counted as handled."""
        if not records:
            return
        for item, reason in records:
            try:
                self.give_up(item, reason)
            except Exception:
                logger.exception("apierrors: could not log error_id=%s", item.get("error_id"))
        with self._lock:
            self._given_up += len(records)
            self._handled += len(records)
            self._progress.notify_all()

    def _gave_up(self) -> bool:
        """Whether stop()'s timeout is over (with the lock held)."""
        return (
            self._stopping and self._give_up_at is not None and time.monotonic() >= self._give_up_at
        )

    # Reports of dropped records (with the lock held, but _report) --------------------------

    def _report_due(self) -> bool:
        return bool(self._unreported) and (self._until_report() or 0.0) <= 0

    def _until_report(self) -> float | None:
        """Seconds until unreported drops may be reported; None when there are none."""
        if not self._unreported:
            return None
        if self._reported_at is None:
            return 0.0
        return self._reported_at + self.report_interval - time.monotonic()

    def _take_report(self) -> _LossReport | None:
        if not self._unreported:
            return None
        report = _LossReport(self._unreported, self._dropped, self._first_lost, self._last_lost)
        self._unreported = 0
        self._reported_at = time.monotonic()
        return report

    def _report(self, report: _LossReport) -> None:
        logger.warning(
            "apierrors: error log queue full (%d records waiting): %d records dropped since the "
            "last report, %d in all; first dropped error_id=%s, last dropped error_id=%s",
            self.queue_size,
            report.count,
            report.total,
            report.first,
            report.last,
        )

    @staticmethod
    def _close_old_connections() -> None:
        # What Django does around each request: honour CONN_MAX_AGE, drop broken connections.
        for connection in connections.all(initialized_only=True):
            connection.close_if_unusable_or_obsolete()


def _log_line(item: Record, reason: str) -> None:
    from apierrors.log.record import log_line

    log_line(item, reason=reason)


_writer: LogWriter | None = None
_writer_lock = threading.Lock()


def get_writer() -> LogWriter:
    """This process's writer, made from the current settings on first use (and after a fork)."""
    global _writer
    writer = _writer
    if writer is not None and writer.pid == os.getpid():
        return writer
    from apierrors.conf import apierrors_settings
    from apierrors.log.record import save_batch

    with _writer_lock:
        if _writer is None or _writer.pid != os.getpid():
            _writer = LogWriter(
                save_batch,
                batch_size=apierrors_settings.LOG["BATCH_SIZE"],
                queue_size=apierrors_settings.LOG["QUEUE_SIZE"],
            )
            # The one hook of apierrors.log.lifecycle here: this process stores what its writer
            # holds when it ends, however it ends.
            from apierrors.log.lifecycle import watch_process_end

            watch_process_end()
        return _writer


def current_stats() -> WriterStats | None:
    """This process's writer's stats, or None if it has not written anything."""
    writer = _writer
    if writer is None or writer.pid != os.getpid():
        return None
    return writer.stats()


def put(records: list[Record]) -> int:
    """Queue the rows on this process's writer; how many it took (LogWriter.put)."""
    return get_writer().put(records)


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
        stats = writer.stats()
        logger.error(
            "apierrors: the log writer did not finish within %ss; %d records not stored went "
            "whole to this log, %d in the batch the database still holds are lost",
            timeout,
            stats.given_up,
            stats.submitted - stats.stored - stats.given_up,
        )
    return stopped


def after_fork_in_child() -> None:
    """A fork copies the queue but not the thread: the child starts afresh, the parent stores."""
    global _writer, _writer_lock
    _writer = None
    _writer_lock = threading.Lock()


@receiver(setting_changed)
def _restart(*, setting: str, **kwargs: Any) -> None:
    """The writer was sized from the old settings: store what it holds, start anew."""
    if setting == "APIERRORS":
        shutdown()
