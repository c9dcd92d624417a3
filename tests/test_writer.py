"""The write-behind log: group commit from a thread, bounded, lossless while the queue has room."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from html import unescape
from typing import Any

import pytest
from django.core.checks import run_checks
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test.utils import CaptureQueriesContext

from apierrors.catalog.sync import sync_catalog
from apierrors.core import ids
from apierrors.log import record as log
from apierrors.log import writer
from apierrors.models import ErrorLog
from tests.conftest import a_record
from tests.testapp.models import Widget

# The writer thread opens its own connection, which a test transaction cannot wrap.
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def background(settings) -> Iterator[Callable[..., None]]:
    """Background mode; call the fixture's value to change the writer's sizes."""

    def configure(**keys: Any) -> None:
        settings.APIERRORS = {**settings.APIERRORS, "LOG": {"MODE": "background", **keys}}

    configure()
    sync_catalog()  # transactional tests before this one emptied the tables
    yield configure
    writer.shutdown()


def new_record(code: str = "not_found", status_code: int = 404) -> log.Record:
    return a_record(
        code=code,
        status_code=status_code,
        method="GET",
        path="/api/burst/",
        query_string="{}",
        request_id=ids.new_request_id(),
        language="en",
        exception_class="rest_framework.exceptions.NotFound",
        exception_message="Not found.",
        traceback="",
        params={},
        field_errors=[],
        request_headers={"Accept": "application/json"},
        request_body=None,
        response_body={"code": code},
    )


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


def test_a_burst_from_several_threads_reaches_the_database_in_batches(background):
    background(BATCH_SIZE=100, QUEUE_SIZE=10_000)
    bursts = [[new_record() for _ in range(2_500)] for _ in range(4)]

    def send(burst: list[log.Record]) -> None:
        for item in burst:  # one hand-over per error, as requests make them
            log.save([item])

    threads = [threading.Thread(target=send, args=(burst,)) for burst in bursts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert writer.flush(timeout=60)

    stats = writer.get_writer().stats()
    assert (stats.submitted, stats.stored, stats.dropped, stats.given_up) == (10_000, 10_000, 0, 0)
    assert set(ErrorLog.objects.values_list("error_id", flat=True)) == {
        item["error_id"] for burst in bursts for item in burst
    }
    # What arrives while a batch is written makes the next one: batches, not 10,000 writes.
    assert stats.batches <= 10_000 / 10


def test_a_lone_record_is_stored_without_a_flush(background):
    background(BATCH_SIZE=100)
    item = new_record()

    log.save([item])

    # The writer's own count, not the table: on SQLite's shared in-memory test database a read
    # made while the writer inserts makes the insert wait and try again.
    wait_for(lambda: writer.get_writer().stats().stored == 1, timeout=30)
    assert ErrorLog.objects.filter(error_id=item["error_id"]).count() == 1


def test_overflow_is_counted_reported_once_and_never_waited_for(background, caplog):
    entered, gate = threading.Event(), threading.Event()

    def slow_save_batch(records: list[log.Record]) -> list[tuple[log.Record, str]]:
        entered.set()
        gate.wait(30)  # a log database that does not answer
        return log.save_batch(records)

    stuck = writer.LogWriter(slow_save_batch, batch_size=100, queue_size=1_000)
    burst = [new_record() for _ in range(5_000)]
    assert stuck.put(burst[:1]) == 1
    assert entered.wait(30)  # the thread holds that one record in the database
    accepted = 1 + sum(stuck.put([item]) for item in burst[1:])

    stats = stuck.stats()
    # Every hand-over returned while the database held the first batch: none waited for room.
    assert stats.stored == 0
    assert (accepted, stats.submitted, stats.dropped) == (1_001, 1_001, 3_999)

    gate.set()
    assert stuck.flush(timeout=30)
    assert stuck.stop(timeout=10)
    assert ErrorLog.objects.count() == 1_001
    warnings = [r.getMessage() for r in caplog.records if "queue full" in r.getMessage()]
    assert warnings == [
        "apierrors: error log queue full (1000 records waiting): 3999 records dropped since the "
        f"last report, 3999 in all; first dropped error_id={burst[1_001]['error_id']}, last "
        f"dropped error_id={burst[-1]['error_id']}"
    ]


def test_dropped_records_are_reported_at_most_once_per_interval(background, caplog):
    quiet = writer.LogWriter(log.save_batch, batch_size=100, queue_size=1_000, report_interval=3600)
    records = [new_record() for _ in range(4_500)]

    def reports() -> list[str]:
        return [r.getMessage() for r in caplog.records if "queue full" in r.getMessage()]

    assert quiet.put(records[:1_500]) == 1_000  # one hand-over larger than the queue
    wait_for(lambda: len(reports()) == 1)
    assert quiet.flush(timeout=30)
    assert quiet.put(records[1_500:3_000]) == 1_000
    assert quiet.flush(timeout=30)
    assert quiet.put(records[3_000:]) == 1_000
    assert quiet.flush(timeout=30)
    assert len(reports()) == 1  # within the interval: counted, not yet reported

    assert quiet.stop(timeout=10)  # stopping reports what is left

    assert reports() == [
        "apierrors: error log queue full (1000 records waiting): 500 records dropped since the "
        f"last report, 500 in all; first dropped error_id={records[1_000]['error_id']}, last "
        f"dropped error_id={records[1_499]['error_id']}",
        "apierrors: error log queue full (1000 records waiting): 1000 records dropped since the "
        f"last report, 1500 in all; first dropped error_id={records[2_500]['error_id']}, last "
        f"dropped error_id={records[4_499]['error_id']}",
    ]
    assert quiet.stats().dropped == 1_500
    assert ErrorLog.objects.count() == 3_000


@contextmanager
def log_table_away() -> Iterator[None]:
    """The log table under another name: a database without it, until the block ends."""
    table = ErrorLog._meta.db_table
    with connection.schema_editor() as editor:
        editor.alter_db_table(ErrorLog, table, f"{table}_away")
    try:
        yield
    finally:
        with connection.schema_editor() as editor:
            editor.alter_db_table(ErrorLog, f"{table}_away", table)


def test_a_missing_log_table_holds_the_records_until_it_is_back(client, background, caplog):
    before = client.get("/api/t/raise/not_found/")
    assert writer.flush(timeout=30)

    with log_table_away():
        during = [
            client.get("/api/t/raise/not_found/"),
            client.post("/api/t/orders/", {"email": "nope"}, format="json"),
            client.get("/api/t/raise/crash/"),
        ]
        wait_for(lambda: writer.get_writer().stats().failing, timeout=30)
    assert writer.flush(timeout=60)

    # The clients got their errors, each with its error_id, while the table was away.
    assert [r.status_code for r in during] == [404, 400, 500]
    assert all(r.json()["error_id"] == r["X-Error-Id"] for r in during)
    stats = writer.get_writer().stats()
    assert (stats.stored, stats.dropped, stats.given_up, stats.failing) == (4, 0, 0, False)
    error_ids = [r["X-Error-Id"] for r in [before, *during]]
    assert ErrorLog.objects.filter(error_id__in=error_ids).count() == 4
    # One line for the outage, none per record or per try.
    errors = [r.getMessage() for r in caplog.records if r.name == "apierrors.log"]
    assert len(errors) == 1
    assert errors[0].startswith("apierrors: error log unavailable (")
    assert not any("not stored" in r.getMessage() for r in caplog.records)


def test_records_still_held_when_the_writer_stops_go_to_python_logging(background, caplog):
    held = [new_record() for _ in range(3)]
    with log_table_away():
        stopping = writer.LogWriter(log.save_batch, batch_size=100, queue_size=1_000)
        assert stopping.put(held) == 3
        wait_for(lambda: stopping.stats().failing, timeout=30)

        assert stopping.stop(timeout=0.5)

    lines = {r.error_id: r.getMessage() for r in caplog.records if "not stored" in r.getMessage()}
    assert set(lines) == {item["error_id"] for item in held}
    for item in held:
        assert lines[item["error_id"]].startswith(
            f"apierrors error_id={item['error_id']} not stored (the database was still failing "
            "when the writer stopped): "
        )
        assert f'"request_id": "{item["request_id"]}"' in lines[item["error_id"]]
    assert stopping.stats().given_up == 3
    assert not ErrorLog.objects.exists()


def test_a_row_the_database_refuses_goes_to_python_logging_alone(background, caplog):
    good = [new_record() for _ in range(5)]
    bad = {**new_record(), "status_code": -1}  # the column's CHECK constraint refuses it

    assert writer.put([*good[:2], bad, *good[2:]]) == 6
    assert writer.flush(timeout=30)

    stats = writer.get_writer().stats()
    assert (stats.stored, stats.given_up, stats.failing) == (5, 1, False)
    stored = set(ErrorLog.objects.values_list("error_id", flat=True))
    assert stored == {item["error_id"] for item in good}
    lines = [r.getMessage() for r in caplog.records if "not stored" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].startswith(
        f"apierrors error_id={bad['error_id']} not stored (the database refused the row: "
    )
    assert f'"request_id": "{bad["request_id"]}"' in lines[0]


def test_a_batch_tried_again_after_it_was_committed_stores_each_row_once():
    batch = [new_record() for _ in range(5)]
    log.save_batch(batch[:2])  # a first try whose commit went through, its answer lost

    assert log.save_batch(batch) == []

    assert ErrorLog.objects.filter(error_id__in=[i["error_id"] for i in batch]).count() == 5


def test_copy_and_insert_store_the_same_values(background):
    """A batch of COPY_FROM_ROWS goes through COPY on PostgreSQL; a single row through INSERT."""
    tricky = {
        "exception_message": "tab\there, newline\n, backslash \\N, \x01\x1f\x7f, ünïcödé 🎉",
        "traceback": "",
        "username": "",
        "params": {"nested": {"list": [1, 2.5, None, True, "\\N"], "empty": {}, "": ""}},
        "field_errors": [{"path": ["a", 0], "code": "\u2028", "message": 'ctrl \x02 "q"'}],
        "request_headers": {},
        "request_body": None,
        "response_body": {"title": "Ungültig: 無効", "detail": "\t\\", "n": 10**15},
        "response_text": '{"title": "Ungültig: 無効"}\n',
    }
    one = {**new_record(), **tricky}
    many = [{**new_record(), **tricky} for _ in range(log.COPY_FROM_ROWS)]

    log.insert_rows([one], DEFAULT_DB_ALIAS)
    log.insert_rows(many, DEFAULT_DB_ALIAS)

    columns = [f.attname for f in ErrorLog._meta.concrete_fields if f.attname != "id"]
    rows = {row["error_id"]: row for row in ErrorLog.objects.values(*columns)}
    assert len(rows) == 1 + len(many)
    for item in [one, *many]:
        given = {key: value for key, value in item.items() if key not in log.NOT_COLUMNS}
        row = rows[item["error_id"]]
        assert {key: row[key] for key in given} == given
        # The columns the record leaves to their defaults, alike both ways.
        defaults = {key: value for key, value in row.items() if key not in given}
        assert defaults == {k: v for k, v in rows[one["error_id"]].items() if k not in given}


def test_shutdown_stores_what_waits_and_ends_the_thread(background):
    background(BATCH_SIZE=100)
    log.save([new_record() for _ in range(42)])
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


@pytest.mark.slow
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
            APIERRORS={{"LOG": {{"MODE": "background"}}}},
        )
        django.setup()
        from django.db import connection
        from apierrors.log import record as log
        from apierrors.models import ErrorCount, ErrorLog
        from tests.test_writer import new_record

        with connection.schema_editor() as editor:
            editor.create_model(ErrorLog)
            editor.create_model(ErrorCount)
        log.save([new_record() for _ in range(250)])
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


def test_staff_see_what_the_log_lost_on_the_admin_index_and_in_the_checks(admin_client, background):
    background(BATCH_SIZE=1, QUEUE_SIZE=1)
    notice = (
        "The error log is missing records of this server process: 4 dropped because the log "
        "writer's queue was full, 0 written to Python logging instead."
    )
    assert notice not in unescape(admin_client.get("/admin/").content.decode())

    assert writer.put([new_record() for _ in range(5)]) == 1  # a queue of one
    assert writer.flush(timeout=30)

    assert notice in unescape(admin_client.get("/admin/").content.decode())
    assert notice in unescape(admin_client.get("/admin/apierrors/").content.decode())
    losses = [m for m in run_checks() if m.id == "apierrors.W402"]
    assert [m.msg for m in losses] == [notice]


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ({"LOG": {"MODE": "later"}}, ["apierrors.E401"]),
        ({"LOG": {"BATCH_SIZE": 0}}, ["apierrors.E402"]),
        ({"LOG": {"BATCH_SIZE": "100"}}, ["apierrors.E402"]),
        ({"LOG": {"QUEUE_SIZE": 50}}, ["apierrors.E404"]),
        ({"LOG": {"QUEUE_SIZE": 0}}, ["apierrors.E404"]),
        ({"LOG": {"QUEUE_SIZE": 100, "BATCH_SIZE": 100}}, []),
        ({"LOG": {"ENABLED": "no"}}, ["apierrors.E405"]),
        # A setting of earlier versions: the writer stores at once now.
        ({"LOG_FLUSH_INTERVAL": 1.0}, ["apierrors.W001"]),
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
    settings.APIERRORS = {**settings.APIERRORS, "LOG": {"MODE": "background"}}
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

    settings.APIERRORS = {**settings.APIERRORS, "LOG": {"MODE": "auto"}}
    assert log.log_mode() == "sync"  # pytest-django set up Django's test environment

    monkeypatch.delattr(mail, "outbox")  # as in a server process

    assert log.log_mode() == "background"
