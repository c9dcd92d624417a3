"""Shared fixtures: an API client that answers errors instead of raising them, and log helpers."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.signals import got_request_exception
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from rest_framework.test import APIClient

from apierrors.catalog import drafts
from apierrors.catalog.store import catalog
from apierrors.core.ids import new_error_id
from apierrors.formats import Formatter, get_formatter
from apierrors.log import record as log
from apierrors.log import storm
from apierrors.models import ErrorLog

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(autouse=True)
def _fresh_catalog_cache():
    """Each test starts with a cold catalog, as a new process would."""
    catalog.invalidate()
    cache.clear()
    yield
    catalog.invalidate()


@pytest.fixture(autouse=True)
def _calm_storm():
    """Storm windows are per process: each test starts with none, as a new process would."""
    storm.reset()
    drafts.gate.reset()
    yield
    storm.reset()
    drafts.gate.reset()


@pytest.fixture
def no_storm(settings):
    """Storm limits off: for tests that send one request many times on purpose."""
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"PATH_LIMIT": None, "CODE_LIMIT": None}}


@pytest.fixture
def atomic_requests():
    """ATOMIC_REQUESTS on, as the demo and many sites run."""
    connection.settings_dict["ATOMIC_REQUESTS"] = True
    yield
    connection.settings_dict["ATOMIC_REQUESTS"] = False


@pytest.fixture
def client() -> APIClient:
    return APIClient(raise_request_exception=False)


@pytest.fixture
def api_key_client() -> APIClient:
    client = APIClient(raise_request_exception=False)
    client.credentials(HTTP_AUTHORIZATION="Bearer demo-key-123")
    return client


@contextmanager
def site_format(name: str) -> Iterator[Formatter]:
    """The whole site answering in format ``name`` (no per-path formats)."""
    with override_settings(APIERRORS={**settings.APIERRORS, "FORMAT": name, "FORMAT_BY_PATH": {}}):
        yield get_formatter(name)


def a_record(**fields: Any) -> log.Record:
    """A record with the keys every row has, each its column's default unless given (a new
    error_id, created now); a full row's columns only where given."""
    code = fields.get("code", "not_found")
    record: log.Record = {
        "error_id": new_error_id(),
        "code": code,
        "status_code": 404,
        "method": "",
        "path": "",
        "query_string": "",
        "request_id": "",
        "request_id_from_client": False,
        "user_pk": "",
        "username": "",
        "language": "",
        "exception_class": "",
        "created_at": timezone.now(),
        "detail_key": (code, ""),
        "create_draft": False,
    }
    record.update(fields)
    return record


def stored_row(**fields: Any) -> ErrorLog:
    """A log row written as the app writes its rows (apierrors.log.record.save_now()), counts included;
    the columns not given keep their defaults."""
    record = a_record(**fields)
    log.save_now([record])
    return ErrorLog.objects.get(error_id=record["error_id"])


def log_row(response: Any) -> ErrorLog:
    """The one ErrorLog row of a response, found by the error_id it carries."""
    return ErrorLog.objects.get(error_id=response["X-Error-Id"])


def stable(body: Any, response: Any) -> Any:
    """The body with this response's unguessable ids replaced by placeholders."""
    text = json.dumps(body, ensure_ascii=False, sort_keys=False)
    text = text.replace(response["X-Error-Id"], "<error_id>")
    return json.loads(text)


def assert_golden(name: str, response: Any) -> None:
    """Compare a response's status, content type and body with tests/golden/<name>.json.

    UPDATE_GOLDEN=1 writes missing files; an existing file is never overwritten silently.
    """
    path = GOLDEN / f"{name}.json"
    actual = {
        "status": response.status_code,
        "content_type": response["Content-Type"],
        "body": stable(json.loads(response.content), response),
    }
    if not path.exists() and os.environ.get("UPDATE_GOLDEN") == "1":
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(actual, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    expected = json.loads(path.read_text(encoding="utf-8"))
    assert actual == expected


@contextmanager
def request_exceptions() -> Iterator[list[str]]:
    """The paths of the requests that sent got_request_exception (what Sentry listens to)."""
    received: list[str] = []

    def receiver(sender: Any, request: Any, **kwargs: Any) -> None:
        received.append(request.path)

    got_request_exception.connect(receiver)
    try:
        yield received
    finally:
        got_request_exception.disconnect(receiver)
