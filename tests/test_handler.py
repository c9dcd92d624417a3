"""Every exception a view can raise, answered from the catalog: status, headers, body, log row."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import assert_golden, log_row, request_exceptions

pytestmark = pytest.mark.django_db

# kind -> (status, code, client-visible detail)
CASES = {
    "api_error": (400, "invalid_product_id", "The Product ID was invalid or missing"),
    "api_error_detail": (400, "invalid_product_id", "Product 123 is retired."),
    "api_error_status": (
        423,
        "conflict",
        "The request could not be completed due to a conflict with the current state of the target resource.",
    ),
    "unknown_code": (500, "no_such_code", "An internal server error has occurred."),
    "parse": (400, "invalid_json", "JSON parse error - Expecting value"),
    "authentication_failed": (
        403,
        "authentication_failed",
        "Incorrect authentication credentials.",
    ),
    "permission_denied": (403, "forbidden", "Permission denied."),
    "not_found": (404, "not_found", "Resource not found."),
    "not_found_custom": (404, "not_found", "No widget 7."),
    "not_found_coded": (404, "booking_not_found", "No booking was found with the given ID."),
    "not_acceptable": (406, "not_acceptable", None),
    "unsupported_media_type": (415, "unsupported_media_type", None),
    "throttled": (429, "too_many_requests", None),
    "http404": (404, "not_found", "Resource not found."),
    "django_permission_denied": (403, "forbidden", "Permission denied."),
    "does_not_exist": (404, "not_found", "Resource not found."),
    "model_clean": (
        400,
        "validation_error",
        "The request is invalid and cannot be processed. Update your request and try again.",
    ),
    "integrity": (
        409,
        "conflict",
        "The request could not be completed due to a conflict with the current state of the target resource.",
    ),
    "protected": (
        409,
        "conflict",
        "The request could not be completed due to a conflict with the current state of the target resource.",
    ),
    "multiple": (500, "sql_multiple_results_found", None),
    "too_big": (413, "payload_too_large", None),
    "operational": (503, "database_unavailable", None),
    "database": (503, "database_unavailable", None),
    "configured": (504, "gateway_timeout", None),
    "configured_subclass": (504, "gateway_timeout", None),
    "crash": (500, "server_error", "An internal server error has occurred."),
}


# A failed write poisons the test's own transaction: these run in autocommit, like a real request.
TRANSACTIONAL = {"integrity", "protected"}
KINDS = [
    pytest.param(kind, marks=pytest.mark.django_db(transaction=True))
    if kind in TRANSACTIONAL
    else kind
    for kind in sorted(CASES)
]


@pytest.mark.parametrize("kind", KINDS)
def test_every_exception_answers_from_the_catalog(client, kind):
    status, code, detail = CASES[kind]

    response = client.get(f"/api/t/raise/{kind}/")

    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["error_id"] == response["X-Error-Id"]
    assert body["instance"] == f"/api/t/raise/{kind}/"
    if detail is not None:
        assert body["detail"] == detail
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]
    row = log_row(response)
    assert (row.code, row.status_code, row.method, row.path) == (
        code,
        status,
        "GET",
        f"/api/t/raise/{kind}/",
    )
    assert row.request_id == response["X-Request-Id"]
    assert row.response_body == body
    assert bool(row.traceback) == (status >= 500)
    assert_golden(f"problem/{kind}", response)


@pytest.mark.parametrize("kind", KINDS)
def test_catalog_format_by_path_prefix(client, kind):
    status, code, _detail = CASES[kind]

    response = client.get(f"/api/catalog-style/t/raise/{kind}/")

    body = response.json()
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert (body["code"], body["key"], body["error_id"]) == (status, code, response["X-Error-Id"])
    assert_golden(f"catalog/{kind}", response)


def test_non_public_errors_never_show_exception_text(client):
    for kind in (
        "crash",
        "operational",
        "database",
        "configured",
        "multiple",
        "integrity",
        "http404",
    ):
        response = client.get(f"/api/t/raise/{kind}/")
        text = response.content.decode()
        for secret in (
            "hunter2",
            "settings.py",
            "10.0.0.5",
            "relation",
            "user:pw",
            "Widget",
            "twin",
        ):
            assert secret not in text, (kind, secret)


def test_api_error_echoes_params_and_keeps_exact_body(client):
    response = client.get("/api/t/raise/api_error/")

    assert response.json() == {
        "type": "about:blank",
        "title": "Invalid Product ID",
        "status": 400,
        "detail": "The Product ID was invalid or missing",
        "instance": "/api/t/raise/api_error/",
        "code": "invalid_product_id",
        "error_id": response["X-Error-Id"],
    }
    assert log_row(response).params == {"productId": "123"}


def test_throttled_keeps_retry_after(client):
    response = client.get("/api/t/raise/throttled/")

    assert response["Retry-After"] == "42"
    assert log_row(response).params == {"wait": 42}


def test_not_authenticated_keeps_www_authenticate(client):
    response = client.get("/api/t/protected/")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    assert response.json()["code"] == "unauthorized"


def test_method_not_allowed(client):
    response = client.delete("/api/t/orders/")

    assert response.status_code == 405
    assert response.json()["code"] == "not_allowed"
    assert response.json()["detail"] == (
        "A request was made of a resource using a request method not supported by that resource."
    )


def test_validation_errors_keep_every_field_at_any_depth(client):
    response = client.post(
        "/api/t/orders/",
        {
            "email": "nope",
            "quantity": 0,
            "address": {"street": "x", "zipcode": "1234567"},
            "tags": [1, "a", 3, "b"],
            "items": [{"quantity": 1}, {"name": "ok", "quantity": 0}],
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "#/name", "code": "required", "detail": "This field is required."},
        {"pointer": "#/email", "code": "invalid", "detail": "Enter a valid email address."},
        {
            "pointer": "#/quantity",
            "code": "min_value",
            "detail": "Ensure this value is greater than or equal to 1.",
        },
        {
            "pointer": "#/address/zipcode",
            "code": "max_length",
            "detail": "Ensure this field has no more than 5 characters.",
        },
        {"pointer": "#/tags/1", "code": "invalid", "detail": "A valid integer is required."},
        {"pointer": "#/tags/3", "code": "invalid", "detail": "A valid integer is required."},
        {"pointer": "#/items/0/name", "code": "required", "detail": "This field is required."},
        {
            "pointer": "#/items/1/quantity",
            "code": "min_value",
            "detail": "Ensure this value is greater than or equal to 1.",
        },
    ]
    assert log_row(response).field_errors[3] == {
        "path": ["address", "zipcode"],
        "code": "max_length",
        "message": "Ensure this field has no more than 5 characters.",
    }


def test_many_bodies_and_non_field_errors(client):
    response = client.post(
        "/api/t/orders/",
        [{"name": "overlap", "email": "a@b.co", "quantity": 1}, {"name": "x", "email": "a@b.co"}],
        format="json",
    )

    assert response.json()["errors"] == [
        {"pointer": "#/0/non_field_errors", "code": "overlap", "detail": "Dates overlap."},
        {"pointer": "#/1/quantity", "code": "required", "detail": "This field is required."},
    ]


def test_django_model_validation_is_a_400_with_field_errors(client):
    response = client.get("/api/t/raise/model_clean/")

    assert response.status_code == 400
    assert response.json()["errors"] == [
        {"pointer": "#/size", "code": "negative", "detail": "Size cannot be negative."}
    ]


def test_malformed_json_body(client):
    response = client.post("/api/t/orders/", data="{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_json"


def test_unknown_code_answers_and_creates_a_draft(client):
    from apierrors.models import ErrorCode

    response = client.get("/api/t/raise/unknown_code/")

    assert response.status_code == 500
    assert response.json()["title"] == "Internal Server Error"
    draft = ErrorCode.objects.get(code="no_such_code")
    assert (draft.is_draft, draft.is_public, draft.status_code) == (True, False, 500)
    again = client.get("/api/t/raise/unknown_code/")
    assert again.json()["code"] == "no_such_code"
    assert ErrorCode.objects.filter(code="no_such_code").count() == 1


def test_codes_match_case_insensitively(client):
    upper = client.get("/api/t/raise/api_error/")  # raises "INVALID_PRODUCT_ID"
    lower = client.get("/api/t/raise/api_error_detail/")  # raises "invalid_product_id"

    assert upper.json()["code"] == lower.json()["code"] == "invalid_product_id"


def test_server_errors_reach_logging_and_the_signal(client, caplog):
    with request_exceptions() as received, caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/t/raise/crash/")

    assert response.status_code == 500
    assert received == ["/api/t/raise/crash/"]
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.levelno == logging.ERROR
    assert record.exc_info[0] is RuntimeError


def test_client_errors_do_not_send_the_signal(client):
    with request_exceptions() as received:
        client.get("/api/t/raise/not_found/")

    assert received == []


def test_per_view_format_override(client):
    response = client.get("/api/t/override/not_found/")

    assert response["Content-Type"] == "application/json"
    assert response.json()["key"] == "not_found"


def test_language_follows_accept_language(client):
    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")

    assert response["Content-Language"] == "fr"
    assert response.json()["detail"] == "L'ID de produit est invalide ou manquant"
    assert log_row(response).language == "fr"


def test_the_last_resort_answers_when_the_pipeline_fails(client, monkeypatch, caplog):
    from apierrors.http import pipeline

    def broken(self):
        raise RuntimeError("catalog exploded")

    monkeypatch.setattr(pipeline.ErrorHandler, "lookup", lambda self, problem, lang: broken(self))
    with caplog.at_level(logging.ERROR, logger="apierrors"):
        response = client.get("/api/t/raise/not_found/")

    assert response.status_code == 500
    assert response.json() == {
        "type": "about:blank",
        "title": "Internal Server Error",
        "status": 500,
        "detail": "An internal server error has occurred.",
        "instance": "/api/t/raise/not_found/",
        "code": "server_error",
        "error_id": response["X-Error-Id"],
    }
    assert any(response["X-Error-Id"] in r.getMessage() for r in caplog.records)


def test_drf_error_detail_flattens_depth_first_with_every_message_of_a_field_in_order():
    from rest_framework.exceptions import ErrorDetail

    from apierrors.core.resolve import flatten_drf_errors

    detail = {
        "name": [ErrorDetail("Too short.", "min_length"), ErrorDetail("Not a name.", "invalid")],
        "items": [{"sku": [ErrorDetail("Unknown.", "does_not_exist")]}, {}],
        "address": {"zipcode": ErrorDetail("Five digits.", "max_length")},
        "tags": ["A plain string.", None],
    }

    assert [(e.path, e.code, e.message) for e in flatten_drf_errors(detail)] == [
        (("name",), "min_length", "Too short."),
        (("name",), "invalid", "Not a name."),
        (("items", 0, "sku"), "does_not_exist", "Unknown."),
        (("address", "zipcode"), "max_length", "Five digits."),
        (("tags",), "invalid", "A plain string."),
    ]
