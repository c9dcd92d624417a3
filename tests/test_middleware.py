"""Non-DRF views and unknown URLs under API prefixes; request ids; other paths left to Django."""

from __future__ import annotations

import pytest

from tests.conftest import log_row

pytestmark = pytest.mark.django_db


def test_unknown_url_under_api_prefix_is_a_json_404(client):
    response = client.get("/api/no/such/endpoint/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert response.json() == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Resource not found.",
        "instance": "/api/no/such/endpoint/",
        "code": "not_found",
        "error_id": response["X-Error-Id"],
    }
    assert log_row(response).path == "/api/no/such/endpoint/"


def test_plain_view_http404_never_shows_its_message(client):
    response = client.get("/api/t/plain/http404/")

    assert response.status_code == 404
    assert "Widget" not in response.content.decode()
    assert response.json()["detail"] == "Resource not found."


def test_plain_view_crash_is_a_json_500_with_error_id(client):
    response = client.get("/api/t/plain/crash/")

    assert response.status_code == 500
    assert response["Content-Type"] == "application/problem+json"
    assert "hunter2" not in response.content.decode()
    row = log_row(response)
    assert row.code == "server_error"
    assert "RuntimeError: secret internals" in row.traceback


def test_plain_view_api_error(client):
    response = client.get("/api/t/plain/api_error/")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_product_id"


def test_other_paths_are_left_to_django(client):
    crash = client.get("/html/plain/crash/")
    missing = client.get("/html/nothing-here/")

    assert crash.status_code == 500
    assert "X-Error-Id" not in crash
    assert missing.status_code == 404
    assert missing["Content-Type"].startswith("text/html")


def test_valid_request_id_is_echoed_and_logged(client):
    response = client.get("/api/t/raise/not_found/", HTTP_X_REQUEST_ID="req-2024.11:abc_1")

    assert response["X-Request-Id"] == "req-2024.11:abc_1"
    assert log_row(response).request_id == "req-2024.11:abc_1"


@pytest.mark.parametrize("hostile", ["<script>", "a" * 129, "id with spaces", "../../etc", "é"])
def test_invalid_request_ids_are_replaced(client, hostile):
    response = client.get("/api/t/raise/not_found/", HTTP_X_REQUEST_ID=hostile)

    assert response["X-Request-Id"] != hostile
    assert len(response["X-Request-Id"]) == 32
    assert log_row(response).request_id == response["X-Request-Id"]


def test_successful_responses_carry_a_request_id(client):
    response = client.get("/api/t/raise/nothing/")

    assert response.status_code == 200
    assert len(response["X-Request-Id"]) == 32


@pytest.fixture
def trace_id_header(settings) -> None:
    settings.APIERRORS = {**settings.APIERRORS, "REQUEST_ID_HEADER": "X-Trace-Id"}


@pytest.mark.parametrize(
    "path",
    [
        "/api/t/raise/not_found/",  # a DRF view's error
        "/api/t/plain/crash/",  # a plain view's, under an API prefix
        "/api/no/such/endpoint/",  # no URL matched
    ],
)
def test_the_request_id_header_is_read_and_written_under_its_setting(client, trace_id_header, path):
    response = client.get(path, HTTP_X_TRACE_ID="trace-42", HTTP_X_REQUEST_ID="other-1")

    assert response["X-Trace-Id"] == "trace-42"
    assert "X-Request-Id" not in response
    row = log_row(response)
    assert (row.request_id, row.request_id_from_client) == ("trace-42", True)


def test_the_request_id_header_of_a_successful_response_follows_its_setting(
    client, trace_id_header
):
    response = client.get("/api/t/raise/nothing/", HTTP_X_REQUEST_ID="other-1")

    assert response.status_code == 200
    assert len(response["X-Trace-Id"]) == 32
    assert "X-Request-Id" not in response
