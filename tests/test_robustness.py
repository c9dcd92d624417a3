"""The handler never raises: hostile templates, failing steps, the request.user and rollback traps."""

from __future__ import annotations

import dataclasses
import io
import json
import logging
import time

import pytest
from django.core.management import call_command
from django.core.signals import got_request_exception
from django.db import connection
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from apierrors import APIError
from apierrors.catalog.store import bump_version, catalog
from apierrors.core import ids
from apierrors.core.entry import LAST_RESORT
from apierrors.core.error import client_error
from apierrors.core.placeholders import fill, template_problems
from apierrors.formats import FORMATS
from apierrors.models import TRANSLATED_FIELDS, ErrorCode, ErrorLog
from tests.conftest import log_row, site_format
from tests.sites.helpers import admin_form
from tests.testapp import views
from tests.testapp.models import Widget

LANGUAGES = ("en", "fr", "de", "es")
FIELDS = TRANSLATED_FIELDS
NOT_A_PLACEHOLDER = (
    "{text} is not a placeholder: use {{name}} with letters, digits and underscores only, "
    "or {{{{ and }}}} for literal braces."
)
# Each template the issue names, and what the admin tells the editor about it.
HOSTILE_TEMPLATES = {
    "{productId.__class__}": NOT_A_PLACEHOLDER.format(text="{productId.__class__}"),
    "{0}": NOT_A_PLACEHOLDER.format(text="{0}"),
    "{x!r:>999999}": NOT_A_PLACEHOLDER.format(text="{x!r:>999999}"),
    "{productId:>100000000}": NOT_A_PLACEHOLDER.format(text="{productId:>100000000}"),
    "Product {productId": "An opening brace is never closed: {productId",
    "Product productId}": "A closing brace has no opening brace at position 18.",
    "{{productId}": "A closing brace has no opening brace at position 12.",
}


def strings_in(value):
    """Every string anywhere in a decoded JSON body."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, str):
            yield item


def wire_status(formatter, status):
    """The status ``formatter`` sends for an error of ``status`` (OCTO sends 400 for all)."""
    error = client_error(LAST_RESORT, error_id="", request_id="", instance="")
    return formatter.status_code(dataclasses.replace(error, status_code=status))


def assert_valid_error(response, formatter, status):
    """A response a client can use: the format's media type, JSON, ids in headers, a log row."""
    assert response.status_code == wire_status(formatter, status)
    assert response["Content-Type"] == formatter.media_type
    body = json.loads(response.content)
    assert isinstance(body, dict) and body
    assert ids.normalize_error_id(response["X-Error-Id"]) == response["X-Error-Id"]
    assert ids.valid_request_id(response["X-Request-Id"])
    assert response["Content-Language"]
    return body


# Hostile templates ------------------------------------------------------------------------------


def set_column(column, value, code="invalid_product_id"):
    """Store a text as a broken import or a raw SQL edit would: no validation on the way."""
    ErrorCode.objects.filter(code=code).update(**{column: value})
    bump_version()


@pytest.mark.django_db
@pytest.mark.parametrize("template", list(HOSTILE_TEMPLATES))
def test_hostile_templates_answer_as_written_in_every_format_and_language(
    client, no_storm, template
):
    for name in FORMATS:
        with site_format(name) as formatter:
            for language in LANGUAGES:
                for field in FIELDS:
                    set_column(f"{field}_{language}", template)
                    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE=language)

                    body = assert_valid_error(response, formatter, 400)
                    if field == "message":
                        # The untemplated text, exactly as the editor wrote it.
                        assert template in set(strings_in(body)), (name, language, body)
                    assert log_row(response).code == "invalid_product_id"
                    set_column(f"{field}_{language}", "Sound text for {productId}.")


@pytest.mark.django_db
@pytest.mark.parametrize(("template", "explanation"), list(HOSTILE_TEMPLATES.items()))
def test_admin_rejects_hostile_templates_in_every_language_column(
    admin_client, template, explanation
):
    entry = ErrorCode.objects.rewrite(False).get(code="invalid_product_id")
    before = admin_form(entry)
    escaped = explanation.replace(">", "&gt;")

    columns = [f"{field}_{language}" for field in FIELDS for language in LANGUAGES]

    response = admin_client.post(
        f"/admin/apierrors/errorcode/{entry.pk}/change/",
        {**before, **dict.fromkeys(columns, template)},
    )

    html = response.content.decode()
    assert response.status_code == 200
    for column in columns:
        assert f'<ul class="errorlist" id="id_{column}_error"><li>{escaped}</li></ul>' in html
    assert html.count('class="errorlist"') == len(columns)
    entry.refresh_from_db()
    assert admin_form(entry) == before


@pytest.mark.parametrize(
    "template",
    ["{ " * 100_000, "{ " * 100_000 + "}", "} " * 100_000, "{{" * 100_000 + "{", "{a}" * 70_000],
)
def test_checking_and_filling_pathological_templates_takes_one_pass(template):
    started = time.perf_counter()

    problems = template_problems(template)
    filled = fill(template, {"a": "x"})

    assert time.perf_counter() - started < 1.0
    assert len(problems) <= 5
    assert filled == (("x" * 70_000) if template.startswith("{a}") else template)


def test_params_fill_placeholders_without_being_read_as_templates():
    assert fill("Product {productId} ({productId})", {"productId": "{x.__class__}"}) == (
        "Product {x.__class__} ({x.__class__})"
    )


@pytest.mark.django_db
def test_missing_and_inactive_entries_answer_in_every_format(client, no_storm):
    for name in FORMATS:
        with site_format(name) as formatter:
            ErrorCode.objects.filter(code="invalid_product_id").update(is_active=False)
            bump_version()
            inactive = client.get("/api/t/raise/api_error/")
            ErrorCode.objects.filter(code="invalid_product_id").delete()
            bump_version()
            missing = client.get("/api/t/raise/api_error/")
            unknown = client.get("/api/t/raise/unknown_code/")

            # An inactive entry keeps its status; without an entry a code has none: 500.
            assert_valid_error(inactive, formatter, 400)
            assert_valid_error(missing, formatter, 500)
            assert_valid_error(unknown, formatter, 500)
            assert log_row(missing).code == "invalid_product_id"
            ErrorCode.objects.filter(is_draft=True).delete()
            call_command("apierrors_sync", stdout=io.StringIO())


# Hostile exceptions ---------------------------------------------------------------------------


class Unprintable(Exception):
    def __str__(self):
        raise RuntimeError("__str__ exploded")

    def __repr__(self):
        raise RuntimeError("__repr__ exploded")


def looping_causes():
    first, second = ValueError("first"), KeyError("second")
    first.__cause__, second.__cause__ = second, first
    return first


HOSTILE_EXCEPTIONS = {
    "unprintable": (Unprintable, 500, "server_error"),
    "looping causes": (looping_causes, 500, "server_error"),
    "huge message": (lambda: RuntimeError("x" * 5_000_000), 500, "server_error"),
    "code not a string": (lambda: APIError(404), 500, "404"),
    "code too long": (lambda: APIError("a" * 5000), 500, "a" * 100),
    "code with markup": (lambda: APIError("<b>x</b>\n"), 500, "<b>x</b>"),
    "empty code": (lambda: APIError("   "), 500, "server_error"),
    "params that are objects": (
        lambda: APIError("invalid_product_id", productId=object(), deep=[[[[1]]]]),
        400,
        "invalid_product_id",
    ),
    "recursion": (lambda: RecursionError("maximum recursion depth exceeded"), 500, "server_error"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("kind", list(HOSTILE_EXCEPTIONS))
def test_hostile_exceptions_are_answered_and_recorded_in_every_format(client, no_storm, kind):
    factory, status, code = HOSTILE_EXCEPTIONS[kind]
    for name in FORMATS:
        with site_format(name) as formatter:
            views.INJECTED[:] = [factory()]

            response = client.get("/api/t/injected/")

            assert_valid_error(response, formatter, status)
            row = log_row(response)
            assert (row.code, row.status_code) == (code, status)
            assert len(row.exception_message) <= 4096 + len("[truncated]")
    # A draft is made only for what could be a catalog code (a slug).
    assert not ErrorCode.objects.filter(code="<b>x</b>").exists()


# Failures inside the handler ---------------------------------------------------------------------


@pytest.mark.django_db
def test_a_failing_record_step_keeps_the_response_and_logs_the_error_id(
    client, monkeypatch, caplog
):
    from apierrors.log import record as log

    def broken(*args, **kwargs):
        raise RuntimeError("record building exploded")

    monkeypatch.setattr(log, "build_record", broken)
    with caplog.at_level(logging.ERROR, logger="apierrors"):
        response = client.get("/api/t/raise/not_found/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    lines = [r.getMessage() for r in caplog.records if response["X-Error-Id"] in r.getMessage()]
    assert lines == [
        f"apierrors error_id={response['X-Error-Id']}: the record step failed; "
        "the response was sent"
    ]


@pytest.mark.django_db
def test_a_failing_signal_receiver_keeps_the_response_and_the_row(client, caplog):
    def receiver(sender, request, **kwargs):
        raise RuntimeError("error tracker offline")

    got_request_exception.connect(receiver)
    try:
        with caplog.at_level(logging.ERROR, logger="apierrors"):
            response = client.get("/api/t/raise/crash/")
    finally:
        got_request_exception.disconnect(receiver)

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert log_row(response).code == "server_error"
    assert any("the report step failed" in r.getMessage() for r in caplog.records)


@pytest.mark.django_db
def test_the_last_resort_survives_a_broken_format_and_keeps_a_record(client, monkeypatch, caplog):
    from apierrors.formats.problem import ProblemFormatter

    def broken(self, error):
        raise RuntimeError("format exploded")

    monkeypatch.setattr(ProblemFormatter, "body", broken)
    with caplog.at_level(logging.ERROR, logger="apierrors"):
        response = client.get("/api/t/raise/crash/")

    error_id = response["X-Error-Id"]
    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "title": "Internal Server Error",
        "status": 500,
        "code": "server_error",
        "error_id": error_id,
    }
    row = log_row(response)
    assert row.exception_class == "builtins.RuntimeError"
    assert "secret internals: password=[redacted]" in row.exception_message
    assert "The error handler then failed" in row.traceback
    assert "format exploded" in row.traceback
    line = next(r.getMessage() for r in caplog.records if "last resort" in r.getMessage())
    assert error_id in line and "format exploded" in line
    assert "hunter2" not in line and "hunter2" not in row.traceback


@pytest.mark.django_db
def test_the_last_resort_answers_in_the_sites_format(client, monkeypatch, settings):
    from apierrors.http import pipeline

    settings.APIERRORS = {**settings.APIERRORS, "FORMAT": "catalog", "FORMAT_BY_PATH": {}}
    monkeypatch.setattr(
        pipeline.ErrorHandler, "compose", lambda *a: (_ for _ in ()).throw(KeyError("x"))
    )

    response = client.get("/api/t/raise/not_found/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/json"
    assert response.json()["key"] == "server_error"
    assert response.json()["error_id"] == response["X-Error-Id"]


@pytest.mark.django_db
def test_the_last_resort_writes_the_request_id_under_its_header(client, monkeypatch, settings):
    from apierrors.http import pipeline

    settings.APIERRORS = {**settings.APIERRORS, "REQUEST_ID_HEADER": "X-Trace-Id"}
    monkeypatch.setattr(
        pipeline.ErrorHandler, "compose", lambda *a: (_ for _ in ()).throw(KeyError("x"))
    )

    response = client.get("/api/t/raise/not_found/", HTTP_X_TRACE_ID="trace-9")

    assert response.status_code == 500
    assert response["X-Trace-Id"] == "trace-9"
    assert "X-Request-Id" not in response
    assert log_row(response).request_id == "trace-9"


@pytest.mark.django_db
def test_a_request_id_header_that_cannot_be_sent_does_not_make_the_handler_raise(client, settings):
    # Without the middleware, which would fail on every response with it.
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "apierrors" not in m]
    settings.APIERRORS = {**settings.APIERRORS, "REQUEST_ID_HEADER": "X-Trace-Ïd"}

    response = client.get("/api/t/raise/not_found/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
    assert ids.valid_request_id(response["X-Request-Id"])


# The request.user trap ----------------------------------------------------------------------------


@pytest.fixture
def auth_calls():
    views.CountingAuthentication.calls.clear()
    yield views.CountingAuthentication.calls
    views.CountingAuthentication.calls.clear()


def test_the_trap_is_real_drf_authenticates_again_on_each_access(auth_calls):
    request = Request(
        APIRequestFactory().get("/x/", HTTP_X_AUTH_CRASH="1"),
        authenticators=[views.CountingAuthentication()],
    )
    for _ in range(2):
        with pytest.raises(RuntimeError):
            request.user  # noqa: B018

    assert len(auth_calls) == 2


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("kind", "headers", "status", "code", "calls"),
    [
        ("negotiation", {"HTTP_ACCEPT": "text/csv"}, 406, "not_acceptable", 0),
        ("versioning", {}, 404, "not_found", 0),
        ("crash", {"HTTP_X_AUTH_CRASH": "1"}, 500, "server_error", 1),
        ("bad-key", {"HTTP_AUTHORIZATION": "Bearer wrong"}, 403, "forbidden", 1),
        ("no-key", {}, 401, "unauthorized", 1),
    ],
)
def test_the_handler_never_triggers_authentication(
    client, auth_calls, kind, headers, status, code, calls
):
    response = client.get(f"/api/t/auth-trap/{kind}/", **headers)

    assert (response.status_code, response.json()["code"]) == (status, code)
    # Errors before authentication: none ran. An authenticator that raised: it ran once.
    assert len(auth_calls) == calls
    row = log_row(response)
    assert (row.username, row.user_pk) == ("", "")
    assert "abc123" not in response.content.decode() + row.exception_message


# The rollback trap ------------------------------------------------------------------------------


class QueryRecorder:
    def __init__(self):
        self.doomed: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        if connection.in_atomic_block and connection.needs_rollback:
            self.doomed.append(sql)
        return execute(sql, params, many, context)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("kind", "status"), [("integrity", 409), ("crash", 500), ("api_error", 400)]
)
def test_no_query_runs_on_a_transaction_marked_for_rollback(client, atomic_requests, kind, status):
    recorder = QueryRecorder()
    responses = []
    with connection.execute_wrapper(recorder):
        for _ in range(2):
            catalog.invalidate()  # cold: the catalog would have to be read
            responses.append(client.post(f"/api/t/write/{kind}/"))

    assert recorder.doomed == []
    for response in responses:
        assert response.status_code == status
        assert log_row(response).path == f"/api/t/write/{kind}/"
    assert not Widget.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("view", ["write", "never-cached-write"])
def test_without_the_middleware_a_rolled_back_views_record(
    client, atomic_requests, settings, caplog, view
):
    # Written now, in the view's transaction marked for rollback, the row would vanish with it;
    # it goes to Python logging instead (with never_cache reading the response there too).
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "apierrors" not in m]

    with caplog.at_level(logging.ERROR, logger="apierrors.log"):
        response = client.post(f"/api/t/{view}/crash/")

    assert response.status_code == 500
    assert not Widget.objects.exists()
    assert_logged_not_stored(caplog, response)


def assert_logged_not_stored(caplog, response) -> None:
    """The error's record went to Python logging, not to the table: the view's transaction,
    marked for rollback, would have taken the row with it."""
    assert not ErrorLog.objects.exists()
    lines = [r.getMessage() for r in caplog.records if r.name == "apierrors.log"]
    assert len(lines) == 1
    assert lines[0].startswith(
        f"apierrors error_id={response['X-Error-Id']} not stored (transaction marked for rollback)"
    )


@pytest.mark.django_db(transaction=True)
def test_without_the_middleware_and_without_atomic_requests_the_row_is_written(client, settings):
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if "apierrors" not in m]

    response = client.post("/api/t/write/crash/")

    assert log_row(response).code == "server_error"


# Bodies too deep for Python's JSON parser ----------------------------------------------------------


@pytest.mark.django_db
def test_a_body_too_deep_for_the_json_parser_is_invalid_json_not_a_crash(client):
    # Deeper than the C recursion limit of every supported Python (3.12 and 3.13 parse far
    # deeper than 3.10 and 3.11).
    body = "[" * 100_000 + "]" * 100_000

    response = client.post("/api/t/data/not_found/", body, content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"
    row = log_row(response)
    assert row.exception_class == "builtins.RecursionError"
    assert row.traceback == ""


@pytest.mark.django_db
def test_other_recursion_errors_stay_server_errors(client):
    response = client.get("/api/t/raise/recursion/")

    assert response.status_code == 500
    assert response.json()["code"] == "server_error"
