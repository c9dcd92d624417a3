"""Database down: clients still get their errors; every error_id still reaches a record."""

from __future__ import annotations

import io
import json
import logging
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from apierrors.catalog.store import catalog
from apierrors.models import ErrorCode, ErrorLog
from tests.conftest import log_row

ROOT = Path(__file__).resolve().parent.parent
# A port of this project's range that nothing listens on: a database server that is down.
CLOSED_PORT = 8449


def not_stored_lines(caplog) -> dict[str, dict]:
    """error_id -> the record as the structured line in Python logging carries it."""
    found = {}
    for record in caplog.records:
        message = record.getMessage()
        if record.name == "apierrors.log" and " not stored (" in message:
            found[record.error_id] = json.loads(message.split("): ", 1)[1])
    return found


def failing_requests(client, middleware: bool):
    """One error of each route: DRF views, then (with the middleware) a plain view and an
    unknown URL, which only the middleware answers."""
    responses = [
        client.get("/api/t/raise/not_found/", HTTP_X_REQUEST_ID="during-outage-1"),
        client.post("/api/t/orders/", {"email": "nope"}, format="json"),
        client.get("/api/t/raise/crash/"),
    ]
    if middleware:
        responses += [client.get("/api/t/plain/crash/"), client.get("/api/no/such/endpoint/")]
    return responses


def drop(model) -> None:
    with connection.schema_editor() as editor:
        editor.delete_model(model)


def create(model) -> None:
    with connection.schema_editor() as editor:
        editor.create_model(model)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("middleware", [True, False])
def test_log_table_dropped_mid_run(client, caplog, settings, middleware):
    if not middleware:  # records written at once by the handler, not after the view
        settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "apierrors" not in m]
    before = client.get("/api/t/raise/not_found/")
    drop(ErrorLog)
    try:
        with caplog.at_level(logging.ERROR, logger="apierrors.log"):
            during = failing_requests(client, middleware)
    finally:
        create(ErrorLog)
    after = client.get("/api/t/raise/not_found/")

    assert [r.status_code for r in during] == [404, 400, 500, 500, 404][: len(during)]
    lines = not_stored_lines(caplog)
    assert set(lines) == {r["X-Error-Id"] for r in during}
    for response in during:
        line = lines[response["X-Error-Id"]]
        assert response.json()["error_id"] == line["error_id"]
        assert line["status_code"] == response.status_code
        assert line["request_id"] == response["X-Request-Id"]
    assert lines[during[0]["X-Error-Id"]]["request_id"] == "during-outage-1"
    assert lines[during[1]["X-Error-Id"]]["field_errors"][0]["path"] == ["name"]
    # Before and after the outage, rows as usual (the table came back empty).
    assert ErrorLog.objects.filter(error_id=before["X-Error-Id"]).count() == 0
    assert log_row(after).code == "not_found"


@pytest.mark.django_db(transaction=True)
def test_catalog_table_missing_answers_from_the_shipped_defaults(client, caplog):
    drop(ErrorCode)
    catalog.invalidate()
    try:
        with caplog.at_level(logging.WARNING, logger="apierrors"):
            german = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="de")
            french = client.get("/api/t/raise/not_found/", HTTP_ACCEPT_LANGUAGE="fr")
            unknown = client.get("/api/t/raise/unknown_code/")
    finally:
        create(ErrorCode)
        call_command("apierrors_sync", stdout=io.StringIO())

    assert (german.status_code, german.json()["detail"]) == (
        400,
        "Die Produkt-ID ist ungültig oder fehlt",
    )
    assert (french.status_code, french.json()["title"]) == (404, "Introuvable")
    assert (unknown.status_code, unknown.json()["code"]) == (500, "no_such_code")
    assert log_row(german).code == "invalid_product_id"
    assert log_row(unknown).code == "no_such_code"
    assert any("catalog unreadable" in r.getMessage() for r in caplog.records)


def unreachable_site(mode: str) -> dict:
    """Run tests/unreachable_site.py in its own process and read what it reports."""
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", CLOSED_PORT)) != 0, "the port must be closed"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.unreachable_site",
        "APIERRORS_UNREACHABLE": mode,
        "APIERRORS_CLOSED_PORT": str(CLOSED_PORT),
    }
    result = subprocess.run(
        [sys.executable, "-m", "tests.unreachable_site"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return json.loads(result.stdout)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("mode", "statuses"),
    [
        # Only the log's database is down: the catalog and the API's data still answer.
        ("log", [404, 500, 404, 400, 400]),
        # Every database is down: the shipped catalog answers, data access is a 503.
        ("all", [404, 500, 404, 503, 400]),
    ],
)
def test_a_log_database_whose_server_is_unreachable(mode, statuses):
    report = unreachable_site(mode)

    responses = report["responses"]
    assert [r["status"] for r in responses] == statuses
    assert responses[4]["body"]["detail"] == "L'ID de produit est invalide ou manquant"
    lines = [
        line for line in report["lines"] if " not stored (database write failed)" in line["message"]
    ]
    assert len(lines) == len(responses)
    for response, line in zip(responses, lines, strict=True):
        assert response["content_type"] == "application/problem+json"
        assert response["body"]["error_id"] == response["error_id"]
        assert line["message"].startswith(f"apierrors error_id={response['error_id']} not stored")
        record = json.loads(line["message"].split("): ", 1)[1])
        assert (record["error_id"], record["status_code"], record["path"]) == (
            response["error_id"],
            response["status"],
            response["path"],
        )
        assert record["request_id"] == response["request_id"]
    catalog_warnings = [line for line in report["lines"] if "catalog unreadable" in line["message"]]
    assert bool(catalog_warnings) == (mode == "all")
