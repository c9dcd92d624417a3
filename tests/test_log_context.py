"""error_id and request_id on every log line of the request: plain logging and structlog."""

from __future__ import annotations

import io
import logging

import pytest
import structlog

from apierrors.http import log_context
from apierrors.http.log_context import RequestContextFilter, add_request_context

pytestmark = pytest.mark.django_db


@pytest.fixture
def lines():
    """Everything logged during the test, formatted with the two ids, through the filter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestContextFilter())
    handler.setFormatter(logging.Formatter("%(name)s [%(request_id)s|%(error_id)s] %(message)s"))
    root = logging.getLogger()
    root.addHandler(handler)
    previous = root.level
    root.setLevel(logging.DEBUG)
    yield lambda: stream.getvalue().splitlines()
    root.removeHandler(handler)
    root.setLevel(previous)


def test_every_line_of_a_failing_request_carries_both_ids(client, lines):
    response = client.get("/api/t/raise/crash/", HTTP_X_REQUEST_ID="req-42")
    error_id = response["X-Error-Id"]

    request_lines = [line for line in lines() if line.startswith("django.request")]
    assert request_lines[0].startswith(f"django.request [req-42|{error_id}] Internal Server Error")


@pytest.mark.urls("tests.log_urls")
def test_lines_before_the_error_have_the_request_id_and_after_it_the_error_id(client, lines):
    response = client.get("/api/work/", HTTP_X_REQUEST_ID="req-7")
    error_id = response["X-Error-Id"]

    assert "views [req-7|] working" in lines()
    assert f"django.request [req-7|{error_id}] Bad Request: /api/work/" in lines()


def test_lines_outside_a_request_have_empty_ids(client, lines):
    client.get("/api/t/raise/api_error/", HTTP_X_REQUEST_ID="req-8")
    logging.getLogger("outside").warning("after the request")

    assert lines()[-1] == "outside [|] after the request"


def test_values_passed_in_extra_are_kept(lines):
    log_context.begin("req-9")
    logging.getLogger("x").warning("given", extra={"error_id": "01explicit"})
    log_context.clear()

    assert lines()[-1] == "x [req-9|01explicit] given"


def test_structlog_events_get_both_ids():
    captured = []

    def capture(logger, method_name, event_dict):
        captured.append(dict(event_dict))
        raise structlog.DropEvent

    structlog.configure(processors=[add_request_context, capture])
    try:
        log = structlog.get_logger("views")
        log.info("before any request")
        log_context.begin("req-10")
        log.info("in the request")
        log_context.bind_error_id("01errorid")
        log.info("after the error")
        log_context.clear()
        log.info("after the request")
    finally:
        structlog.reset_defaults()

    assert captured == [
        {"event": "before any request"},
        {"event": "in the request", "request_id": "req-10"},
        {"event": "after the error", "request_id": "req-10", "error_id": "01errorid"},
        {"event": "after the request"},
    ]


def test_the_handler_binds_its_error_id_inside_a_request(client):
    seen = {}

    def remember(**kwargs):
        seen.update(log_context.current())

    from django.core.signals import got_request_exception

    got_request_exception.connect(remember)
    try:
        response = client.get("/api/t/raise/crash/", HTTP_X_REQUEST_ID="req-11")
    finally:
        got_request_exception.disconnect(remember)

    assert seen == {"request_id": "req-11", "error_id": response["X-Error-Id"]}
    assert log_context.current() == {}
