"""The catalog's 24 h and 7 days counts: kept with the rows as they are written, equal to them."""

from __future__ import annotations

import datetime
import importlib
import re
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apierrors.catalog.sync import sync_catalog
from apierrors.core.ids import new_error_id
from apierrors.log import counts, writer
from apierrors.log import record as log
from apierrors.models import ErrorCount, ErrorLog
from tests.conftest import a_record, stored_row

pytestmark = pytest.mark.django_db

CODES_URL = "/admin/apierrors/errorcode/"


def conflict_at(when: datetime.datetime) -> ErrorLog:
    return stored_row(error_id=new_error_id(), code="conflict", status_code=409, created_at=when)


def catalog_cell(page: str, code: str, column: str) -> str:
    found = re.search(rf"<tr>(?:(?!</tr>).)*>{code}</a></th>(.*?)</tr>", page, re.S)
    assert found is not None, f"no row for {code}"
    cell = re.search(rf'<td class="field-{column}[^"]*">(.*?)</td>', found.group(1), re.S)
    assert cell is not None
    return re.sub(r"<[^>]+>", "", cell.group(1))


def test_the_counts_take_rows_at_the_edges_of_the_periods_from_the_log(admin_client):
    now = timezone.now()
    for minutes in (1, 60 * 24 - 2, 60 * 24 + 2, 60 * 24 * 7 - 2, 60 * 24 * 7 + 2):
        conflict_at(now - datetime.timedelta(minutes=minutes))

    page = admin_client.get(CODES_URL).content.decode()

    assert catalog_cell(page, "conflict", "occurrences_24h") == "2"
    assert catalog_cell(page, "conflict", "occurrences_7d") == "4"


def test_the_counts_are_the_rows_the_requests_wrote(admin_client, client):
    for _ in range(3):
        client.get("/api/t/raise/api_error/")
    client.get("/api/t/raise/not_found/")

    page = admin_client.get(CODES_URL).content.decode()

    for code in ("invalid_product_id", "not_found"):
        rows = ErrorLog.objects.filter(code=code).count()
        assert rows > 0
        assert catalog_cell(page, code, "occurrences_24h") == str(rows)
        assert catalog_cell(page, code, "occurrences_7d") == str(rows)


def test_a_batch_the_database_refuses_is_stored_row_by_row_and_counted_once(admin_client):
    first = conflict_at(timezone.now())
    again = {"error_id": first.error_id, "code": "conflict", "status_code": 409}
    new = {"error_id": new_error_id(), "code": "conflict", "status_code": 409}
    batch = [a_record(**item) for item in (new, again)]

    # The error_id again: the unique column refuses the batch, and its count goes with it;
    # each row is then tried on its own, and the one already stored is not stored twice.
    log.save_now(batch)

    page = admin_client.get(CODES_URL).content.decode()
    assert set(ErrorLog.objects.filter(code="conflict").values_list("error_id", flat=True)) == {
        first.error_id,
        new["error_id"],
    }
    assert catalog_cell(page, "conflict", "occurrences_24h") == "2"


def test_prune_drops_the_counts_of_the_hours_it_emptied():
    now = timezone.now()
    conflict_at(now - datetime.timedelta(days=40))
    conflict_at(now - datetime.timedelta(minutes=1))

    call_command("apierrors_prune", "--older-than", "30d", "--yes", stdout=StringIO())

    assert list(ErrorCount.objects.values_list("code", "hour", "count")) == [
        ("conflict", counts.hour_of(now - datetime.timedelta(minutes=1)), 1)
    ]


@pytest.mark.django_db(transaction=True)
def test_the_counts_include_the_background_writers_rows(admin_client, client, settings):
    sync_catalog()  # transactional tests before this one emptied the tables
    settings.APIERRORS = {**settings.APIERRORS, "LOG": {"MODE": "background"}}
    try:
        for _ in range(4):
            client.get("/api/t/raise/api_error/")
        assert writer.flush(timeout=10)
    finally:
        writer.shutdown()

    page = admin_client.get(CODES_URL).content.decode()

    rows = ErrorLog.objects.filter(code="invalid_product_id").count()
    assert rows == 4
    assert catalog_cell(page, "invalid_product_id", "occurrences_24h") == "4"


@pytest.mark.django_db(transaction=True)
def test_the_migration_counts_the_rows_already_logged_and_indexes_paths_on_postgresql():
    migration = importlib.import_module("apierrors.migrations.0008_log_lookups").Migration
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    executor.migrate(migration.dependencies)
    old_log = executor.loader.project_state(migration.dependencies).apps.get_model(
        "apierrors", "ErrorLog"
    )
    now = timezone.now()
    for code, hours_ago in (("conflict", 0), ("conflict", 0), ("conflict", 5), ("not_found", 30)):
        old_log.objects.create(
            error_id=new_error_id(),
            code=code,
            status_code=409,
            created_at=now - datetime.timedelta(hours=hours_ago),
        )

    MigrationExecutor(connection).migrate(leaves)

    assert sorted(ErrorCount.objects.values_list("code", "hour", "count")) == sorted(
        [
            ("conflict", counts.hour_of(now), 2),
            ("conflict", counts.hour_of(now - datetime.timedelta(hours=5)), 1),
            ("not_found", counts.hour_of(now - datetime.timedelta(hours=30)), 1),
        ]
    )
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, ErrorLog._meta.db_table)
    path_indexes = {
        name: details["type"]
        for name, details in constraints.items()
        if details["index"] and details["columns"] == ["path"]
    }
    expected = {"apierrors_log_path_trgm": "gin"} if connection.vendor == "postgresql" else {}
    assert path_indexes == expected


def test_a_database_without_upsert_adds_to_the_counts_all_the_same(admin_client, monkeypatch):
    """The update-then-insert path of databases with neither ON CONFLICT nor ON DUPLICATE KEY."""
    monkeypatch.setattr(connection.features, "supports_update_conflicts_with_target", False)
    monkeypatch.setattr(connection, "vendor", "other")
    now = timezone.now()
    for _ in range(3):
        conflict_at(now)
    conflict_at(now - datetime.timedelta(hours=3))

    monkeypatch.undo()
    page = admin_client.get(CODES_URL).content.decode()

    assert catalog_cell(page, "conflict", "occurrences_24h") == "4"
    assert sorted(ErrorCount.objects.values_list("hour", "count")) == [
        (counts.hour_of(now - datetime.timedelta(hours=3)), 1),
        (counts.hour_of(now), 3),
    ]
