"""The write-behind log: batches from a thread, bounded, flushed on size, time, demand and exit."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from django.core.checks import run_checks
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.backends.signals import connection_created
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apierrors import ids, log, writer
from apierrors.models import ErrorLog
from apierrors.sync import sync_catalog
from tests.testapp.models import Widget

# The writer thread opens its own connection, which a test transaction cannot wrap.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def background(settings) -> Iterator[Callable[..., None]]:
    """Background mode; call the fixture's value to change the writer's sizes."""

    def configure(**keys: Any) -> None:
        settings.APIERRORS = {**settings.APIERRORS, "LOG_MODE": "background", **keys}

    configure()
    sync_catalog()  # transactional tests before this one emptied the tables
    yield configure
    writer.shutdown()


@pytest.fixture
def insert_statements() -> Iterator[list[str]]:
    """Every INSERT into the error log, on any connection of any thread opened from now on."""
    seen: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if sql.lstrip().upper().startswith("INSERT") and "apierrors_errorlog" in sql:
            seen.append(sql)
        return execute(sql, params, many, context)

    def instrument(sender: Any, connection: Any, **kwargs: Any) -> None:
        if count not in connection.execute_wrappers:
            connection.execute_wrappers.append(count)

    connection_created.connect(instrument)
    yield seen
    connection_created.disconnect(instrument)
    for wrapper in connections.all(initialized_only=True):
        if count in wrapper.execute_wrappers:
            wrapper.execute_wrappers.remove(count)


def new_record(code: str = "not_found", status_code: int = 404) -> dict[str, Any]:
    return {
        "error_id": ids.new_error_id(),
        "code": code,
        "status_code": status_code,
        "method": "GET",
        "path": "/api/burst/",
        "query_string": "{}",
        "request_id": ids.new_request_id(),
        "user_pk": "",
        "username": "",
        "language": "en",
        "exception_class": "rest_framework.exceptions.NotFound",
        "exception_message": "Not found.",
        "traceback": "",
        "params": {},
        "field_errors": [],
        "request_headers": {"Accept": "application/json"},
        "request_body": None,
        "response_body": {"code": code},
        "created_at": timezone.now(),
        "create_draft": False,
    }


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> float:
    """Seconds until ``predicate`` held; fails the test after ``timeout``."""
    started = time.monotonic()
    while not predicate():
        if time.monotonic() - started > timeout:
            pytest.fail(f"still false after {timeout}s")
        time.sleep(0.01)
    return time.monotonic() - started


def test_warm_error_costs_no_query_on_the_request_path(client, background):
    client.get("/api/t/raise/api_error/")  # warms the catalog
    writer.flush()

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/t/raise/api_error/")

    assert response.status_code == 400
    # Not one query of the catalog, nor of the log: the row waits for the writer thread.
    assert queries.captured_queries == []
    assert writer.flush(timeout=5)
    row = ErrorLog.objects.get(error_id=response["X-Error-Id"])
    assert (row.code, row.status_code, row.path) == ("invalid_product_id", 400, row.path)


def test_row_outlives_the_views_rollback_without_the_middleware(client, background, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if not m.startswith("apierrors.")]
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    try:
        response = client.post("/api/t/write/api_error/")
    finally:
        connection.settings_dict["ATOMIC_REQUESTS"] = False

    assert response.status_code == 400
    assert writer.flush(timeout=5)
    assert not Widget.objects.filter(name="written-api_error").exists()
    assert ErrorLog.objects.filter(error_id=response["X-Error-Id"]).exists()


def test_a_burst_reaches_the_database_in_batches(background, insert_statements):
    background(LOG_BATCH_SIZE=100, LOG_QUEUE_SIZE=10_000, LOG_FLUSH_INTERVAL=0.5)
    burst = [new_record() for _ in range(10_000)]

    for item in burst:  # one hand-over per error, as requests make them
        log.write([item])
    assert writer.flush(timeout=60)

    stats = writer.get_writer().stats()
    assert stats.dropped == 0
    assert stats.stored == 10_000
    assert ErrorLog.objects.count() == 10_000
    assert set(ErrorLog.objects.values_list("error_id", flat=True)) == {
        item["error_id"] for item in burst
    }
    # Batches, not 10,000 single INSERTs. SQLite caps the variables of one statement, so a
    # batch of 100 rows takes a few statements there; PostgreSQL takes one per batch.
    assert stats.batches <= 10_000 / 100 + 10
    assert len(insert_statements) <= 3 * stats.batches
    if connection.vendor == "postgresql":
        assert len(insert_statements) == stats.batches


def test_overflow_is_counted_and_logged_and_never_blocks(background, caplog):
    background(LOG_BATCH_SIZE=100, LOG_QUEUE_SIZE=1_000)
    gate = threading.Event()

    def slow_store(records: list[dict[str, Any]]) -> None:
        gate.wait(10)  # a log database that does not answer
        log.store(records)

    stuck = writer.LogWriter(slow_store, batch_size=100, flush_interval=0.05, queue_size=1_000)
    burst = [new_record() for _ in range(5_000)]
    started = time.monotonic()
    accepted = sum(stuck.submit([item]) for item in burst)
    elapsed = time.monotonic() - started

    stats = stuck.stats()
    # The queue holds queue_size records, and the thread may already hold one batch in hand.
    assert 1_000 <= accepted <= 1_100
    assert accepted == stats.submitted
    assert stats.dropped == 5_000 - accepted
    assert elapsed < 2.0
    warnings = [r.getMessage() for r in caplog.records if "queue full" in r.getMessage()]
    assert len(warnings) == 1
    assert "dropped" in warnings[0]

    gate.set()
    assert stuck.flush(timeout=30)
    assert stuck.stop(timeout=10)
    assert ErrorLog.objects.count() == accepted


def test_a_full_batch_goes_out_without_waiting_for_the_interval(background):
    background(LOG_BATCH_SIZE=10, LOG_FLUSH_INTERVAL=3600)

    log.write([new_record() for _ in range(9)])
    time.sleep(0.3)
    assert ErrorLog.objects.count() == 0  # below the batch size, within the interval

    log.write([new_record()])
    # The writer's own count, not the table: on SQLite's shared in-memory test database a read
    # made while the writer inserts makes the insert fail ("database table is locked").
    wait_for(lambda: writer.get_writer().stats().batches == 1)
    assert ErrorLog.objects.count() == 10


def test_a_lone_row_goes_out_after_the_flush_interval(background):
    background(LOG_BATCH_SIZE=100, LOG_FLUSH_INTERVAL=0.3)

    log.write([new_record()])
    assert ErrorLog.objects.count() == 0

    waited = wait_for(lambda: writer.get_writer().stats().batches == 1)
    assert waited >= 0.2
    assert ErrorLog.objects.count() == 1


def test_unwritable_log_goes_to_python_logging_from_the_thread(client, background, caplog):
    with connection.schema_editor() as editor:
        editor.delete_model(ErrorLog)
    try:
        response = client.get("/api/t/raise/not_found/")
        assert writer.flush(timeout=5)
    finally:
        with connection.schema_editor() as editor:
            editor.create_model(ErrorLog)

    assert response.status_code == 404
    lines = [r.getMessage() for r in caplog.records if "not stored" in r.getMessage()]
    assert len(lines) == 1
    assert response["X-Error-Id"] in lines[0]


def test_shutdown_stores_what_waits_and_ends_the_thread(background):
    background(LOG_BATCH_SIZE=100, LOG_FLUSH_INTERVAL=3600)
    log.write([new_record() for _ in range(42)])
    thread = writer.get_writer()._thread
    assert thread is not None

    assert writer.shutdown(timeout=10)

    assert not thread.is_alive()
    assert ErrorLog.objects.count() == 42


def test_unknown_code_creates_its_draft_from_the_thread(client, background):
    response = client.get("/api/t/raise/unknown_code/")
    assert writer.flush(timeout=5)

    from apierrors.models import ErrorCode

    assert ErrorCode.objects.get(code="no_such_code").is_draft
    assert ErrorLog.objects.get(error_id=response["X-Error-Id"]).code == "no_such_code"


def test_process_exit_stores_the_queue(tmp_path):
    database = tmp_path / "exit.sqlite3"
    script = textwrap.dedent(
        f"""
        import django
        from django.conf import settings

        settings.configure(
            INSTALLED_APPS=["modeltranslation", "django.contrib.contenttypes",
                            "django.contrib.auth", "rest_framework", "apierrors", "tests.testapp"],
            DATABASES={{"default": {{"ENGINE": "django.db.backends.sqlite3",
                                     "NAME": {str(database)!r}}}}},
            USE_TZ=True,
            APIERRORS={{"LOG_MODE": "background", "LOG_FLUSH_INTERVAL": 3600}},
        )
        django.setup()
        from django.db import connection
        from apierrors import log
        from apierrors.models import ErrorCount, ErrorLog
        from tests.test_writer import new_record

        with connection.schema_editor() as editor:
            editor.create_model(ErrorLog)
            editor.create_model(ErrorCount)
        log.write([new_record() for _ in range(250)])
        print("queued", flush=True)
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "queued"
    import sqlite3

    with sqlite3.connect(database) as db:
        assert db.execute("SELECT count(*) FROM apierrors_errorlog").fetchone() == (250,)


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"LOG_MODE": "later"}, ["apierrors.E401"]),
        ({"LOG_BATCH_SIZE": 0}, ["apierrors.E402"]),
        ({"LOG_BATCH_SIZE": "100"}, ["apierrors.E402"]),
        ({"LOG_FLUSH_INTERVAL": 0}, ["apierrors.E403"]),
        ({"LOG_FLUSH_INTERVAL": True}, ["apierrors.E403"]),
        ({"LOG_QUEUE_SIZE": 50}, ["apierrors.E404"]),
        ({"LOG_QUEUE_SIZE": 100, "LOG_BATCH_SIZE": 100, "LOG_FLUSH_INTERVAL": 0.25}, []),
    ],
)
def test_bad_writer_settings_are_reported(settings, keys, expected):
    settings.APIERRORS = {**settings.APIERRORS, **keys}

    found = sorted(m.id for m in run_checks() if m.id.startswith("apierrors."))

    assert found == expected


@pytest.mark.parametrize(
    ("database", "expected"),
    [
        ({"NAME": ":memory:"}, []),
        ({"NAME": "/srv/app/db.sqlite3"}, ["apierrors.W401"]),
        (
            {"NAME": "/srv/app/db.sqlite3", "OPTIONS": {"transaction_mode": "IMMEDIATE"}},
            [],
        ),
    ],
)
def test_background_mode_on_sqlite_is_checked(settings, database, expected):
    settings.APIERRORS = {**settings.APIERRORS, "LOG_MODE": "background"}
    original = connections.settings[DEFAULT_DB_ALIAS]
    connections.settings[DEFAULT_DB_ALIAS] = {
        **original,
        "ENGINE": "django.db.backends.sqlite3",
        "OPTIONS": {},
        **database,
    }
    try:
        found = sorted(m.id for m in run_checks() if m.id.startswith("apierrors."))
    finally:
        connections.settings[DEFAULT_DB_ALIAS] = original

    assert found == expected


def test_auto_mode_is_sync_in_a_test_run_and_background_elsewhere(settings, monkeypatch):
    from django.core import mail

    settings.APIERRORS = {**settings.APIERRORS, "LOG_MODE": "auto"}
    assert log.log_mode() == "sync"  # pytest-django set up Django's test environment

    monkeypatch.delattr(mail, "outbox")  # as in a server process

    assert log.log_mode() == "background"
