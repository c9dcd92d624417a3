"""Every wire format: the reference pages' examples exactly, field errors, choice, headers."""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.core.checks import run_checks
from django.utils import translation

from apierrors.formats import ClientError, Formatter
from apierrors.models import ErrorCode
from tests.conftest import GOLDEN, assert_golden, log_row, request_exceptions
from tests.testapp.models import Widget

pytestmark = pytest.mark.django_db

FORMATS = ("problem", "octo", "stripe", "catalog", "violations", "standardized")
ERROR_ID = "<error_id>"  # stands for the response's own X-Error-Id in a reference body
FULL_KEY = {"HTTP_AUTHORIZATION": "Bearer sk_test_full"}
LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"


@dataclass
class Example:
    """One example body of a reference page, and the request that makes our app answer it."""

    page: str
    name: str
    method: str
    path: str
    status: int
    body: Any
    data: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    # Members whose value the page gives only as sample prose: compared by type, not value.
    prose: frozenset[str] = frozenset()
    expected_headers: dict[str, str] = field(default_factory=dict)
    setup: Callable[[], None] | None = None
    # The page observed it with Django's LocaleMiddleware on.
    locale_middleware: bool = False
    transaction: bool = False

    @property
    def id(self) -> str:
        return f"{self.page}-{self.name}"


def _document_missing_required_field() -> None:
    """What staff do in the admin: give the entry the API's documentation link."""
    entry = ErrorCode.objects.get(code="missing_required_field")
    entry.doc_url = "https://docs.otesse.com/api/errors#missing_required_field"
    entry.save()


def _two_widgets_of_size_one() -> None:
    Widget.objects.create(name="a")
    Widget.objects.create(name="b")


OCTO = [
    # octo-errors.md: the opening example and the four "specific errors" (the page's first
    # INVALID_PRODUCT_ID body is repeated verbatim under its heading).
    Example(
        "octo",
        "INVALID_PRODUCT_ID",
        "get",
        "octo/products/123/",
        400,
        {
            "error": "INVALID_PRODUCT_ID",
            "errorMessage": "The Product ID was invalid or missing",
            "productId": "123",
        },
    ),
    Example(
        "octo",
        "INVALID_OPTION_ID",
        "post",
        "octo/bookings/",
        400,
        {
            "error": "INVALID_OPTION_ID",
            "errorMessage": "The Option ID was invalid or missing",
            "optionId": "321",
        },
        data={
            "productId": "kayak-tour",
            "optionId": "321",
            "availabilityId": "2030-06-01T09:00:00+02:00",
            "unitItems": [{"unitId": "adult"}],
        },
    ),
    Example(
        "octo",
        "INVALID_UNIT_ID",
        "post",
        "octo/bookings/",
        400,
        {
            "error": "INVALID_UNIT_ID",
            "errorMessage": "The Unit ID was invalid or missing",
            "unitId": "senior",
        },
        data={
            "productId": "kayak-tour",
            "optionId": "DEFAULT",
            "availabilityId": "2030-06-01T09:00:00+02:00",
            "unitItems": [{"unitId": "adult"}, {"unitId": "senior"}],
        },
    ),
    Example(
        "octo",
        # The page's heading and code say INVALID_AVAILABILIY_ID, a known slip of the page
        # (reference README); its code table spells it INVALID_AVAILABILITY_ID.
        "INVALID_AVAILABILITY_ID",
        "post",
        "octo/bookings/",
        400,
        {
            "error": "INVALID_AVAILABILITY_ID",
            "errorMessage": "The Availability ID was invalid or missing",
            "availabilityId": "2020-01-01T10:30+08:00",
        },
        data={
            "productId": "kayak-tour",
            "optionId": "DEFAULT",
            "availabilityId": "2020-01-01T10:30+08:00",
            "unitItems": [{"unitId": "adult"}],
        },
    ),
]

STRIPE = [
    # stripe-style-errors.txt: "Error Response Format" and the four error types with a body.
    Example(
        "stripe",
        "missing_required_field",
        "post",
        "invoices/",
        400,
        {
            "error": {
                "type": "invalid_request",
                "message": "The 'customer_id' field is required.",
                "code": "missing_required_field",
                "param": "customer_id",
                "doc_url": "https://docs.otesse.com/api/errors#missing_required_field",
            }
        },
        data={"amount": 100},
        headers=FULL_KEY,
        setup=_document_missing_required_field,
    ),
    Example(
        "stripe",
        "authentication_error",
        "post",
        "invoices/",
        401,
        {
            "error": {
                "type": "authentication_error",
                "code": "invalid_api_key",
                "message": "The API key provided is invalid.",
            }
        },
        data={"customer_id": "cus_1", "amount": 100},
        headers={"HTTP_AUTHORIZATION": "Bearer sk_live_revoked"},
        expected_headers={"WWW-Authenticate": 'Bearer realm="api"'},
    ),
    Example(
        "stripe",
        "authorization_error",
        "post",
        "invoices/",
        403,
        {
            "error": {
                "type": "authorization_error",
                "code": "insufficient_scope",
                "message": "This API key does not have the 'invoices:write' scope.",
            }
        },
        data={"customer_id": "cus_1", "amount": 100},
        headers={"HTTP_AUTHORIZATION": "Bearer sk_test_readonly"},
    ),
    Example(
        "stripe",
        "resource_not_found",
        "get",
        "bookings/bk_invalid123/",
        404,
        {
            "error": {
                "type": "resource_not_found",
                "code": "booking_not_found",
                "message": "No booking found with ID 'bk_invalid123'.",
            }
        },
    ),
    Example(
        "stripe",
        "conflict",
        "post",
        "bookings/bk_cancelled/cancel/",
        409,
        {
            "error": {
                "type": "conflict",
                "code": "booking_already_cancelled",
                "message": "This booking has already been cancelled.",
            }
        },
    ),
]


def _catalog(name, method, path, code, title, message, key, public, **kwargs) -> Example:
    """A catalog-style payload; the page says its messages are generic and vary (its prose)."""
    return Example(
        "catalog",
        name,
        method,
        path,
        code,
        {
            "code": code,
            "title": title,
            "message": message,
            "key": key,
            "public": public,
            "error_id": ERROR_ID,
        },
        prose=frozenset({"title", "message"}),
        **kwargs,
    )


CATALOG = [
    # catalog-style-errors.txt, every payload; facts corrected where the reference README
    # lists the page's slips (gateway_timeout is 504, missing_default_value is spelt so).
    _catalog(
        "bad_request",
        "get",
        "catalog/bad_request/",
        400,
        "Bad Request",
        "The request can’t be processed",  # noqa: RUF001 (the page's own apostrophe)
        "bad_request",
        True,
    ),
    _catalog(
        "unauthorized",
        "get",
        "account/",
        401,
        "Unauthorized",
        "Authentication failed",
        "unauthorized",
        True,
        expected_headers={"WWW-Authenticate": 'Bearer realm="api"'},
    ),
    _catalog(
        "forbidden",
        "delete",
        "account/",
        403,
        "Forbidden",
        "Permission denied",
        "forbidden",
        True,
        headers=FULL_KEY,
    ),
    _catalog(
        "credit_card_check",
        "get",
        "catalog/credit_card_check/",
        403,
        "Credit card validation error",
        "Failed to validate credit card",
        "credit_card_check",
        True,
    ),
    _catalog(
        "not_found",
        "get",
        "widgets/999/",
        404,
        "Not found",
        "Resource not found",
        "not_found",
        True,
    ),
    _catalog(
        "not_allowed",
        "put",
        "widgets/999/",
        405,
        "Method not Allowed",
        "A request was made of a resource using a request method not supported by that resource",
        "not_allowed",
        True,
    ),
    _catalog(
        "not_acceptable",
        "get",
        "widgets/999/",
        406,
        "Not acceptable",
        "Content-Type must be application/json",
        "not_acceptable",
        True,
        headers={"HTTP_ACCEPT": "application/xml"},
    ),
    _catalog(
        "request_timeout",
        "get",
        "catalog/request_timeout/",
        408,
        "Request Timeout",
        "The server timed out waiting for the request",
        "request_timeout",
        True,
    ),
    _catalog(
        "conflict",
        "post",
        "widgets/",
        409,
        "Conflict",
        "The request could not be completed due to a conflict with the current state of the target resource",
        "conflict",
        True,
        data={"name": "twin"},
        transaction=True,
    ),
    _catalog(
        "payload_too_large",
        "get",
        "catalog/payload_too_large/",
        413,
        "Conflict",
        "The request payload is larger than the server is willing or able to process",
        "payload_too_large",
        True,
    ),
    _catalog(
        "too_many_requests",
        "get",
        "throttled/",
        429,
        "Conflict",
        "The user has sent too many requests in a given amount of time.",
        "too_many_requests",
        True,
        expected_headers={"Retry-After": "42"},
    ),
    _catalog(
        "token_required",
        "get",
        "catalog/token_required/",
        499,
        "TokenRequired",
        "Token Required",
        "token_required",
        True,
    ),
    _catalog(
        "server_error",
        "get",
        "crash/",
        500,
        "Internal Server Error",
        "Something wrong happened...",
        "server_error",
        False,
    ),
    _catalog(
        "sql_multiple_results_found",
        "delete",
        "widgets/1/",
        500,
        "Multiple results found",
        "A single database result was required but more than one were found",
        "sql_multiple_results_found",
        False,
        setup=_two_widgets_of_size_one,
    ),
    _catalog(
        "missing_default_value",
        "get",
        "catalog/missing_default_value/",
        500,
        "Default Value Missing",
        "Missing default value when querying object.",
        "missing_default_value",
        True,
    ),
    _catalog(
        "bad_gateway",
        "get",
        "catalog/bad_gateway/",
        502,
        "Bad Gateway",
        "The server was acting as a gateway or proxy and received an invalid response from the upstream server",
        "bad_gateway",
        True,
    ),
    _catalog(
        "service_unavailable",
        "get",
        "catalog/service_unavailable/",
        503,
        "Service Unavailable",
        "The server is currently unavailable",
        "service_unavailable",
        True,
        expected_headers={"Retry-After": "1"},
    ),
    _catalog(
        "gateway_timeout",
        "get",
        "catalog/gateway_timeout/",
        504,
        "Service Unavailable",
        "The server was acting as a gateway or proxy and did not receive a timely response from the upstream server.",
        "gateway_timeout",
        True,
    ),
]

VIOLATIONS = [
    # violations-style-errors.txt: the general body and the validation body.
    Example(
        "violations",
        "general",
        "get",
        "reservations/r-404/",
        404,
        {
            "status": 404,
            "description": "Reservation not found",
            "errors": ["Reservation not found"],
        },
    ),
    Example(
        "violations",
        "validation",
        "post",
        "reservations/search/",
        400,
        {
            "status": 400,
            "description": "The request is invalid and cannot be processed. Update your request and try again.",
            "errors": [
                "dateFrom: This value is required",
                "dateTo: This value must be after dateFrom",
            ],
            "details": {
                "dateFrom": [{"message": "This value is required"}],
                "dateTo": [{"message": "This value must be after dateFrom"}],
            },
            "violations": [
                {
                    "propertyPath": "dateFrom",
                    "title": "This value is required",
                    "template": "This value is required",
                    "parameters": {},
                },
                {
                    "propertyPath": "dateTo",
                    "title": "This value must be after dateFrom",
                    "template": "This value must be after {{ compared_value }}",
                    "parameters": {"{{ compared_value }}": "dateFrom"},
                },
            ],
        },
        data={"dateTo": "2024-05-01"},
    ),
]

SIGNUP_THREE = {"email": "nope", "quantity": 0}
SIGNUP_NESTED = {
    "email": "nope",
    "quantity": 1,
    "address": {"zipcode": "1234567"},
    "tags": ["a", 2, "b"],
    "items": [{}, {"zipcode": "1234567"}],
}
# The first two errors of the page's 400_three and 400_nested.
NAME_AND_EMAIL = [
    {"code": "required", "detail": "This field is required.", "attr": "name"},
    {"code": "invalid", "detail": "Enter a valid email address.", "attr": "email"},
]
SERVER_ERROR = {
    "type": "server_error",
    "errors": [{"code": "error", "detail": "Server Error (500)", "attr": None}],
}


def _standardized(name, method, path, status, body, **kwargs) -> Example:
    return Example("standardized", name, method, path, status, body, **kwargs)


STANDARDIZED = [
    # drf-standardized-errors-bodies.md, every JSON body (plain_404_nonDRF is HTML: below).
    _standardized(
        "404",
        "get",
        "widgets/999/",
        404,
        {
            "type": "client_error",
            "errors": [{"code": "not_found", "detail": "Not found.", "attr": None}],
        },
    ),
    _standardized(
        "400_three",
        "post",
        "signup/",
        400,
        {
            "type": "validation_error",
            "errors": [
                *NAME_AND_EMAIL,
                {
                    "code": "min_value",
                    "detail": "Ensure this value is greater than or equal to 1.",
                    "attr": "quantity",
                },
            ],
        },
        data=SIGNUP_THREE,
    ),
    _standardized(
        "400_nested",
        "post",
        "signup/",
        400,
        {
            "type": "validation_error",
            "errors": [
                *NAME_AND_EMAIL,
                {
                    "code": "max_length",
                    "detail": "Ensure this field has no more than 5 characters.",
                    "attr": "address.zipcode",
                },
                {"code": "invalid", "detail": "A valid integer is required.", "attr": "tags.0"},
                {"code": "invalid", "detail": "A valid integer is required.", "attr": "tags.2"},
                {
                    "code": "required",
                    "detail": "This field is required.",
                    "attr": "items.0.zipcode",
                },
                {
                    "code": "max_length",
                    "detail": "Ensure this field has no more than 5 characters.",
                    "attr": "items.1.zipcode",
                },
            ],
        },
        data=SIGNUP_NESTED,
    ),
    _standardized(
        "400_nonfield",
        "post",
        "signup/",
        400,
        {
            "type": "validation_error",
            "errors": [{"code": "overlap", "detail": "Dates overlap.", "attr": "non_field_errors"}],
        },
        data={"name": "overlap", "email": "a@example.com", "quantity": 1},
    ),
    _standardized("500_unhandled", "get", "crash/", 500, SERVER_ERROR),
    _standardized(
        "429",
        "get",
        "throttled/",
        429,
        {
            "type": "client_error",
            "errors": [
                {
                    "code": "throttled",
                    "detail": "Request was throttled. Expected available in 42 seconds.",
                    "attr": None,
                }
            ],
        },
        expected_headers={"Retry-After": "42"},
    ),
    _standardized(
        "400_three_fr",
        "post",
        "signup/",
        400,
        {
            "type": "validation_error",
            "errors": [
                {"code": "required", "detail": "Ce champ est obligatoire.", "attr": "name"},
                {
                    "code": "invalid",
                    "detail": "Saisissez une adresse e-mail valide.",
                    "attr": "email",
                },
                {
                    "code": "min_value",
                    # DRF's French text has a no-break space before the number, as the page does.
                    "detail": "Assurez-vous que cette valeur est supérieure ou égale à\xa01.",
                    "attr": "quantity",
                },
            ],
        },
        data=SIGNUP_THREE,
        headers={"HTTP_ACCEPT_LANGUAGE": "fr"},
        expected_headers={"Content-Language": "fr"},
        locale_middleware=True,
    ),
    _standardized(
        "404_fr",
        "get",
        "widgets/999/",
        404,
        {
            "type": "client_error",
            "errors": [{"code": "not_found", "detail": "Non trouvé.", "attr": None}],
        },
        headers={"HTTP_ACCEPT_LANGUAGE": "fr"},
        expected_headers={"Content-Language": "fr"},
        locale_middleware=True,
    ),
    _standardized(
        "500_fr",
        "get",
        "crash/",
        500,
        SERVER_ERROR,
        headers={"HTTP_ACCEPT_LANGUAGE": "fr"},
        expected_headers={"Content-Language": "fr"},
        locale_middleware=True,
    ),
]

EXAMPLES = OCTO + STRIPE + CATALOG + VIOLATIONS + STANDARDIZED
# The format each page documents.
PAGE_FORMAT = {page: page for page in ("octo", "stripe", "catalog", "violations", "standardized")}


def _params(examples: list[Example]) -> list[Any]:
    return [
        pytest.param(
            example,
            id=example.id,
            marks=[pytest.mark.django_db(transaction=True)] if example.transaction else [],
        )
        for example in examples
    ]


def request(client: Any, example: Example, fmt: str) -> Any:
    call = getattr(client, example.method)
    url = f"/api/fmt/{fmt}/{example.path}"
    if example.data is None:
        return call(url, **example.headers)
    return call(url, example.data, format="json", **example.headers)


@pytest.fixture
def run(client, settings):
    """Set the example up as its page observed it, and answer it in a format.

    LocaleMiddleware leaves the thread in the request's language, as Django does between
    requests; the next test starts from the default language again.
    """

    def run(example: Example, fmt: str) -> Any:
        if example.locale_middleware:
            middleware = list(settings.MIDDLEWARE)
            middleware.insert(
                middleware.index("django.middleware.common.CommonMiddleware"), LOCALE_MIDDLEWARE
            )
            settings.MIDDLEWARE = middleware
        if example.setup:
            example.setup()
        return request(client, example, fmt)

    yield run
    translation.deactivate()


def assert_like_reference(
    actual: Any, reference: Any, example: Example, error_id: str, at: str = "body"
) -> None:
    """Same members, nesting and JSON types as the page's body; the page's values, except prose."""
    if reference == ERROR_ID:
        assert actual == error_id, at
    elif isinstance(reference, dict):
        assert isinstance(actual, dict), at
        assert sorted(actual) == sorted(reference), at
        for key, value in reference.items():
            if key in example.prose:
                assert type(actual[key]) is type(value), f"{at}.{key}"
            else:
                assert_like_reference(actual[key], value, example, error_id, f"{at}.{key}")
    elif isinstance(reference, list):
        assert isinstance(actual, list) and len(actual) == len(reference), at
        for index, (item, expected) in enumerate(zip(actual, reference, strict=True)):
            assert_like_reference(item, expected, example, error_id, f"{at}.{index}")
    else:
        assert type(actual) is type(reference) and actual == reference, (at, actual, reference)


# The reference pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("example", _params(EXAMPLES))
def test_reference_example(run, example):
    response = run(example, PAGE_FORMAT[example.page])

    assert response.status_code == (400 if example.page == "octo" else example.status)
    assert response["Content-Type"] == "application/json"
    for name, value in example.expected_headers.items():
        assert response[name] == value, name
    assert_like_reference(
        json.loads(response.content), example.body, example, response["X-Error-Id"]
    )
    assert_golden(f"{example.page}/reference/{example.name}", response)
    assert log_row(response).status_code == example.status


def test_standardized_plain_404_outside_api_prefixes_is_djangos_own_page(client, settings):
    """The peer's plain_404_nonDRF: Django answers paths outside API_PREFIXES, byte for byte."""
    settings.APIERRORS = {**settings.APIERRORS, "FORMAT": "standardized"}

    response = client.get("/html/no-such-page/")

    assert response.status_code == 404
    assert response["Content-Type"] == "text/html; charset=utf-8"
    golden = GOLDEN / "standardized/reference/plain_404_nonDRF.html"
    assert response.content.decode() == golden.read_text(encoding="utf-8")


def test_standardized_texts_follow_accept_language_without_locale_middleware(client):
    response = client.get("/api/fmt/standardized/widgets/999/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.json()["errors"][0]["detail"] == "Non trouvé."
    assert response["Content-Language"] == "fr"


# Every example in every format -----------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("example", _params(EXAMPLES))
def test_every_example_answers_in_every_format(run, example, fmt):
    response = run(example, fmt)

    body = json.loads(response.content)
    error_id = response["X-Error-Id"]
    assert re.fullmatch(r"[0-9a-hjkmnp-tv-z]{26}", error_id)
    assert len(response["X-Request-Id"]) == 32
    assert response["Content-Language"] == example.expected_headers.get("Content-Language", "en")
    assert "Accept-Language" in response["Vary"]
    assert response.status_code == (400 if fmt == "octo" else example.status)
    assert response["Content-Type"] == (
        "application/problem+json" if fmt == "problem" else "application/json"
    )
    if "Retry-After" in example.expected_headers:
        assert response["Retry-After"] == example.expected_headers["Retry-After"]
    if fmt in ("problem", "catalog"):
        assert body["error_id"] == error_id
    row = log_row(response)
    assert (row.status_code, row.response_body) == (example.status, body)


# RFC 9457 --------------------------------------------------------------------------------------

# RFC 3986 URI-reference, as far as its characters and shape go (RFC 9457 section 3.1).
URI_REFERENCE = re.compile(
    r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?"  # scheme
    r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*"  # hier-part, query
    r"(?:#(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)?$"  # fragment
)


def assert_rfc9457(body: dict[str, Any], status: int) -> None:
    """The member types RFC 9457 section 3.1 defines, and our extensions' shapes."""
    assert isinstance(body, dict)
    assert isinstance(body["type"], str) and URI_REFERENCE.match(body["type"])
    assert type(body["status"]) is int and 100 <= body["status"] <= 599
    assert body["status"] == status  # "the HTTP status code generated by the origin server"
    assert isinstance(body["title"], str) and body["title"]
    assert isinstance(body["detail"], str) and body["detail"]
    if "instance" in body:
        assert isinstance(body["instance"], str) and URI_REFERENCE.match(body["instance"])
    assert isinstance(body["code"], str) and isinstance(body["error_id"], str)
    for item in body.get("errors", []):
        assert set(item) == {"pointer", "code", "detail"}
        # A JSON Pointer (RFC 6901) in URI fragment form, as RFC 9457's own example writes it.
        assert re.fullmatch(r"#(/([^/~]|~[01])*)*", item["pointer"])
        assert isinstance(item["code"], str) and isinstance(item["detail"], str)


@pytest.mark.parametrize("example", _params(EXAMPLES))
def test_problem_bodies_follow_rfc9457(run, example):
    response = run(example, "problem")

    assert response["Content-Type"] == "application/problem+json"
    assert_rfc9457(response.json(), response.status_code)


def test_problem_type_is_the_entry_documentation_when_staff_gave_one(client):
    _document_missing_required_field()
    entry = ErrorCode.objects.get(code="validation_error")
    entry.doc_url = "https://docs.example.com/errors/validation#fields"
    entry.save()

    response = client.post("/api/fmt/problem/signup/", SIGNUP_NESTED, format="json")

    body = response.json()
    assert body["type"] == "https://docs.example.com/errors/validation#fields"
    assert_rfc9457(body, 400)
    assert [item["pointer"] for item in body["errors"]] == [
        "#/name",
        "#/email",
        "#/address/zipcode",
        "#/tags/0",
        "#/tags/2",
        "#/items/0/zipcode",
        "#/items/1/zipcode",
    ]


def test_problem_last_resort_is_still_rfc9457(client, monkeypatch):
    from apierrors.http import pipeline

    monkeypatch.setattr(pipeline.ErrorHandler, "lookup", lambda self, problem, lang: 1 / 0)
    response = client.get("/api/fmt/problem/widgets/999/")

    assert response.status_code == 500
    assert_rfc9457(response.json(), 500)
    assert response.json()["instance"] == "/api/fmt/problem/widgets/999/"
    assert "Accept-Language" in response["Vary"]


# Field errors of any depth ---------------------------------------------------------------------

MANY = [
    {"name": "ok", "email": "a@example.com", "quantity": 0, "pin": "ab"},
    {"name": "ok", "email": "b@example.com", "quantity": 1},
    {"name": "overlap", "email": "c@example.com", "quantity": 1},
]
MANY_PATHS = ["0.quantity", "0.pin", "0.pin", "2.non_field_errors"]
MANY_CODES = ["min_value", "min_length", "not_digits", "overlap"]
MANY_MESSAGES = [
    "Ensure this value is greater than or equal to 1.",
    "Ensure this value has at least 4 characters (it has 2).",
    "Enter a valid value.",
    "Dates overlap.",
]


def test_many_bodies_keep_index_zero_and_every_error_per_field_in_every_format(client):
    answers = {
        fmt: client.post(f"/api/fmt/{fmt}/signup/", MANY, format="json").json() for fmt in FORMATS
    }

    assert answers["problem"]["errors"] == [
        {"pointer": "#/" + path.replace(".", "/"), "code": code, "detail": message}
        for path, code, message in zip(MANY_PATHS, MANY_CODES, MANY_MESSAGES, strict=True)
    ]
    assert answers["catalog"]["errors"] == [
        {"field": path, "code": code, "message": message}
        for path, code, message in zip(MANY_PATHS, MANY_CODES, MANY_MESSAGES, strict=True)
    ]
    assert answers["octo"]["errors"] == answers["catalog"]["errors"]
    assert answers["octo"]["error"] == "BAD_REQUEST"
    assert answers["standardized"]["errors"] == [
        {"code": code, "detail": message, "attr": path}
        for path, code, message in zip(MANY_PATHS, MANY_CODES, MANY_MESSAGES, strict=True)
    ]
    violations = answers["violations"]
    assert violations["errors"] == [
        f"{path}: {message}" for path, message in zip(MANY_PATHS, MANY_MESSAGES, strict=True)
    ]
    assert violations["details"] == {
        "0.quantity": [{"message": MANY_MESSAGES[0]}],
        "0.pin": [{"message": MANY_MESSAGES[1]}, {"message": MANY_MESSAGES[2]}],
        "2.non_field_errors": [{"message": "Dates overlap."}],
    }
    assert [v["propertyPath"] for v in violations["violations"]] == MANY_PATHS
    # Stripe-style answers one error: the first; the log keeps them all.
    assert answers["stripe"]["error"] == {
        "type": "invalid_request",
        "code": "invalid_field_value",
        "message": "The '0.quantity' field has an invalid value: Ensure this value is greater than or equal to 1.",
        "param": "0.quantity",
    }


def test_every_field_error_is_logged_whatever_the_format_shows(client):
    response = client.post("/api/fmt/stripe/signup/", MANY, format="json")

    assert [error["path"] for error in log_row(response).field_errors] == [
        [0, "quantity"],
        [0, "pin"],
        [0, "pin"],
        [2, "non_field_errors"],
    ]


ENVELOPE_NAMES = {
    "status": "x",
    "title": "",
    "type": "",
    "error": "",
    "errorMessage": "",
    "errors": "",
    "code": "",
    "detail": "",
    "description": "",
}


@pytest.mark.parametrize("fmt", FORMATS)
def test_fields_named_like_envelope_members_never_overwrite_them(client, fmt):
    response = client.post(f"/api/fmt/{fmt}/envelope-names/", ENVELOPE_NAMES, format="json")

    body = response.json()
    expected_top = {
        "problem": {"type", "title", "status", "detail", "instance", "code", "error_id", "errors"},
        "octo": {"error", "errorMessage", "errors"},
        "stripe": {"error"},
        "catalog": {"code", "title", "message", "key", "public", "error_id", "errors"},
        "violations": {"status", "description", "errors", "details", "violations"},
        "standardized": {"type", "errors"},
    }[fmt]
    assert set(body) == expected_top
    if fmt == "problem":
        assert (body["type"], body["status"], body["code"]) == (
            "about:blank",
            400,
            "validation_error",
        )
        assert len(body["errors"]) == len(ENVELOPE_NAMES)
    elif fmt == "octo":
        assert body["error"] == "BAD_REQUEST" and isinstance(body["errors"], list)
    elif fmt == "stripe":
        assert body["error"]["code"] == "invalid_field_value" and body["error"]["param"] == "status"
    elif fmt == "catalog":
        assert (body["code"], body["key"]) == (400, "validation_error")
    elif fmt == "violations":
        assert body["status"] == 400
        assert set(body["details"]) == set(ENVELOPE_NAMES)
    else:
        assert body["type"] == "validation_error"
        assert [item["attr"] for item in body["errors"]] == list(ENVELOPE_NAMES)


SNAKE = {"date_from": "soon", "billing_address": {}, "line_items": [{"zipcode": "1234567"}]}


def test_camelcase_field_paths(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "CAMELCASE_FIELD_PATHS": True}

    problem = client.post("/api/fmt/problem/snake-case/", SNAKE, format="json").json()
    standardized = client.post("/api/fmt/standardized/snake-case/", SNAKE, format="json").json()
    stripe = client.post("/api/fmt/stripe/snake-case/", SNAKE, format="json").json()
    nonfield = client.post(
        "/api/fmt/standardized/signup/", {"name": "overlap", "email": "a@b.co", "quantity": 1}
    ).json()

    assert [item["pointer"] for item in problem["errors"]] == [
        "#/dateFrom",
        "#/billingAddress/zipcode",
        "#/lineItems/0/zipcode",
    ]
    assert [item["attr"] for item in standardized["errors"]] == [
        "dateFrom",
        "billingAddress.zipcode",
        "lineItems.0.zipcode",
    ]
    assert stripe["error"]["param"] == "dateFrom"
    assert nonfield["errors"][0]["attr"] == "nonFieldErrors"


def test_paths_keep_the_serializers_names_by_default(client):
    body = client.post("/api/fmt/standardized/snake-case/", SNAKE, format="json").json()

    assert [item["attr"] for item in body["errors"]] == [
        "date_from",
        "billing_address.zipcode",
        "line_items.0.zipcode",
    ]


# OCTO ------------------------------------------------------------------------------------------

OCTO_CODES = {
    # /api/t/raise/<kind>/ answered in OCTO -> error
    "api_error": "INVALID_PRODUCT_ID",
    "parse": "BAD_REQUEST",
    "model_clean": "BAD_REQUEST",
    "authentication_failed": "FORBIDDEN",
    "permission_denied": "FORBIDDEN",
    "django_permission_denied": "FORBIDDEN",
    "not_found": "NOT_FOUND",
    "crash": "INTERNAL_SERVER_ERROR",
    "operational": "INTERNAL_SERVER_ERROR",
    "multiple": "INTERNAL_SERVER_ERROR",
    "unknown_code": "INTERNAL_SERVER_ERROR",
    "configured": "GATEWAY_TIMEOUT",
    "throttled": "TOO_MANY_REQUESTS",
}


@pytest.mark.parametrize(("kind", "expected"), OCTO_CODES.items())
def test_octo_writes_codes_in_its_own_spelling(client, settings, kind, expected):
    settings.APIERRORS = {**settings.APIERRORS, "FORMAT_BY_PATH": {"/api/t/": "octo"}}

    response = client.get(f"/api/t/raise/{kind}/")

    assert response.status_code == 400
    assert response.json()["error"] == expected
    assert isinstance(response.json()["errorMessage"], str)


def test_octo_codes_of_its_own_table(client):
    no_key = client.get("/api/fmt/octo/account/")
    bad_key = client.get("/api/fmt/octo/account/", HTTP_AUTHORIZATION="Bearer revoked")
    no_access = client.delete("/api/fmt/octo/account/", **FULL_KEY)
    malformed = client.post(
        "/api/fmt/octo/octo/bookings/", data="{not json", content_type="application/json"
    )
    missing = client.post("/api/fmt/octo/octo/bookings/", {}, format="json")
    late = client.post("/api/fmt/octo/octo/bookings/b-1/cancel/")
    crash = client.get("/api/fmt/octo/crash/")

    assert no_key.json() == {"error": "UNAUTHORIZED", "errorMessage": "Authentication failed."}
    assert bad_key.json() == {
        "error": "FORBIDDEN",
        "errorMessage": "The API key provided is invalid.",
    }
    assert no_access.json() == {"error": "FORBIDDEN", "errorMessage": "Permission denied."}
    assert malformed.json()["error"] == "BAD_REQUEST"
    assert missing.json()["error"] == "BAD_REQUEST"
    assert [item["field"] for item in missing.json()["errors"]] == [
        "productId",
        "optionId",
        "availabilityId",
        "unitItems",
    ]
    assert late.json() == {
        "error": "UNPROCESSABLE_ENTITY",
        "errorMessage": "Bookings cannot be cancelled less than 24 hours before the start.",
    }
    assert crash.json() == {
        "error": "INTERNAL_SERVER_ERROR",
        "errorMessage": "An internal server error has occurred.",
    }
    assert {
        r.status_code for r in (no_key, bad_key, no_access, malformed, missing, late, crash)
    } == {400}


def test_octo_error_message_follows_accept_language(client):
    response = client.get("/api/fmt/octo/octo/products/123/", HTTP_ACCEPT_LANGUAGE="de")

    assert response.json() == {
        "error": "INVALID_PRODUCT_ID",
        "errorMessage": "Die Produkt-ID ist ungültig oder fehlt",
        "productId": "123",
    }
    assert response["Content-Language"] == "de"


def test_octo_can_keep_the_catalog_statuses(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "FORMAT_OPTIONS": {"octo": {"keep_status": True}}}

    assert client.get("/api/fmt/octo/account/").status_code == 401
    assert client.get("/api/fmt/octo/crash/").status_code == 500
    assert client.get("/api/fmt/octo/octo/products/123/").status_code == 400


def test_octo_params_never_overwrite_its_members(client):
    response = client.get("/api/fmt/octo/echo-params/invalid_product_id/")

    assert response.json() == {
        "error": "INVALID_PRODUCT_ID",
        "errorMessage": "The Product ID was invalid or missing",
        "productId": "123",
    }
    assert log_row(response).params["errorMessage"] == "overwritten"


def test_params_of_non_public_entries_are_never_echoed(client):
    response = client.get("/api/fmt/octo/echo-params/server_error/")

    assert response.json() == {
        "error": "INTERNAL_SERVER_ERROR",
        "errorMessage": "An internal server error has occurred.",
    }
    assert log_row(response).params["productId"] == "123"


def test_a_crash_answered_400_by_octo_still_reaches_sentry_and_django_request(client, caplog):
    with request_exceptions() as received, caplog.at_level(logging.ERROR, logger="django.request"):
        response = client.get("/api/fmt/octo/crash/")

    assert response.status_code == 400
    assert received == ["/api/fmt/octo/crash/"]
    record = next(r for r in caplog.records if r.name == "django.request")
    assert record.levelno == logging.ERROR and record.exc_info[0] is RuntimeError
    assert log_row(response).status_code == 500


def test_octo_last_resort_answers_400(client, monkeypatch):
    from apierrors.http import pipeline

    monkeypatch.setattr(pipeline.ErrorHandler, "lookup", lambda self, problem, lang: 1 / 0)
    response = client.get("/api/fmt/octo/octo/products/123/")

    assert response.status_code == 400
    assert response.json() == {
        "error": "INTERNAL_SERVER_ERROR",
        "errorMessage": "An internal server error has occurred.",
    }


# Stripe-style ----------------------------------------------------------------------------------


def test_stripe_invalid_json(client):
    response = client.post(
        "/api/fmt/stripe/invoices/", data="{not json", content_type="application/json", **FULL_KEY
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert (error["type"], error["code"]) == ("invalid_request", "invalid_json")
    assert error["message"].startswith("JSON parse error")
    assert "param" not in error


def test_stripe_invalid_field_value_names_a_nested_param(client):
    response = client.post(
        "/api/fmt/stripe/invoices/",
        {"customer_id": "cus_1", "amount": 5, "lines": [1, "two"]},
        format="json",
        **FULL_KEY,
    )

    assert response.json() == {
        "error": {
            "type": "invalid_request",
            "code": "invalid_field_value",
            "message": "The 'lines.1' field has an invalid value: A valid integer is required.",
            "param": "lines.1",
        }
    }


def test_stripe_message_about_no_field_in_particular(client):
    response = client.post(
        "/api/fmt/stripe/signup/",
        {"name": "overlap", "email": "a@example.com", "quantity": 1},
        format="json",
    )

    assert response.json() == {
        "error": {
            "type": "invalid_request",
            "code": "validation_error",
            "message": "Dates overlap.",
        }
    }


def test_stripe_field_messages_are_translated(client):
    response = client.post(
        "/api/fmt/stripe/invoices/",
        {"amount": 1},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
        **FULL_KEY,
    )

    assert response.json()["error"]["message"] == "Le champ 'customer_id' est obligatoire."


# Violations ------------------------------------------------------------------------------------


def test_violations_show_djangos_own_message_templates(client):
    response = client.post(
        "/api/fmt/violations/reservations/capacity/", {"guests": 9}, format="json"
    )

    assert response.json()["violations"] == [
        {
            "propertyPath": "guests",
            "title": "Ensure this value is at most 8 (it is 9).",
            "template": "Ensure this value is at most {{ limit }} (it is {{ value }}).",
            "parameters": {"{{ limit }}": 8, "{{ value }}": 9},
        }
    ]


def test_violations_parameters_are_only_those_the_template_names(client):
    response = client.post("/api/fmt/violations/widgets/clean/", {"name": "w" * 60}, format="json")

    assert response.json()["violations"] == [
        {
            "propertyPath": "name",
            "title": "Ensure this value has at most 50 characters (it has 60).",
            "template": "Ensure this value has at most {{ limit_value }} characters (it has {{ show_value }}).",
            "parameters": {"{{ limit_value }}": 50, "{{ show_value }}": 60},
        }
    ]


def test_violation_messages_read_the_same_in_every_other_format(client):
    data = {"dateFrom": "2024-05-02", "dateTo": "2024-05-01"}
    problem = client.post("/api/fmt/problem/reservations/search/", data, format="json").json()

    assert problem["errors"] == [
        {
            "pointer": "#/dateTo",
            "code": "greater_than",
            "detail": "This value must be after dateFrom",
        }
    ]


# Choosing the format ---------------------------------------------------------------------------


def test_site_format_applies_where_no_prefix_or_view_chooses(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "FORMAT": "violations"}

    response = client.get("/api/fmt/problem/reservations/r-1/")

    assert response.json() == {
        "status": 404,
        "description": "Reservation not found",
        "errors": ["Reservation not found"],
    }


def test_longest_path_prefix_wins(client, settings):
    settings.APIERRORS = {
        **settings.APIERRORS,
        "FORMAT_BY_PATH": {"/api/": "catalog", "/api/fmt/": "stripe", "/api/fmt/octo/": "octo"},
    }

    assert "key" in client.get("/api/t/raise/not_found/").json()
    assert "error" in client.get("/api/fmt/problem/widgets/9/").json()
    assert client.get("/api/fmt/octo/widgets/9/").json()["error"] == "NOT_FOUND"


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        # A view's own choice beats the path's (these are mounted under /api/fmt/octo/ too).
        (
            "views/stripe-attribute/",
            {
                "error": {
                    "type": "resource_not_found",
                    "code": "not_found",
                    "message": "Resource not found.",
                }
            },
        ),
        (
            "views/violations-decorated/",
            {
                "status": 404,
                "description": "Resource not found.",
                "errors": ["Resource not found."],
            },
        ),
        (
            "views/octo-function/",
            {
                "error": "INVALID_PRODUCT_ID",
                "errorMessage": "The Product ID was invalid or missing",
                "productId": "fn",
            },
        ),
        # A plain Django view: the middleware answers it, in the format its decorator names.
        (
            "views/plain-standardized/",
            {
                "type": "client_error",
                "errors": [
                    {
                        "code": "permission_denied",
                        "detail": "You do not have permission to perform this action.",
                        "attr": None,
                    }
                ],
            },
        ),
    ],
)
def test_a_view_chooses_its_own_format(client, path, expected):
    for fmt in ("problem", "catalog"):
        assert client.get(f"/api/fmt/{fmt}/{path}").json() == expected


def test_one_mount_of_a_view_may_choose_another_format(client):
    mounted = client.get("/api/fmt/catalog/views/stripe-attribute-as-octo/")
    elsewhere = client.get("/api/fmt/catalog/views/stripe-attribute/")

    assert mounted.json() == {"error": "NOT_FOUND", "errorMessage": "Resource not found."}
    assert elsewhere.json()["error"]["type"] == "resource_not_found"


def test_a_users_own_format_by_dotted_path_as_the_formats_page_shows(client, settings):
    dotted = "tests.testapp.formats.JSONAPIFormatter"
    settings.APIERRORS = {
        **settings.APIERRORS,
        "FORMAT": dotted,
        "FORMAT_OPTIONS": {dotted: {"pointer_prefix": "/data"}},
    }

    invalid = client.post(
        "/api/fmt/problem/signup/", {"name": "x", "email": "a@b.co", "tags": ["a"]}, format="json"
    )
    missing = client.get("/api/fmt/problem/reservations/r-1/")

    assert invalid.status_code == 400
    assert invalid["Content-Type"] == "application/vnd.api+json"
    assert invalid.json() == {
        "errors": [
            {
                "id": invalid["X-Error-Id"],
                "status": "400",
                "title": "Validation Failed",
                "code": "required",
                "detail": "This field is required.",
                "source": {"pointer": "/data/quantity"},
            },
            {
                "id": invalid["X-Error-Id"],
                "status": "400",
                "title": "Validation Failed",
                "code": "invalid",
                "detail": "A valid integer is required.",
                "source": {"pointer": "/data/tags/0"},
            },
        ]
    }
    assert missing.json() == {
        "errors": [
            {
                "id": missing["X-Error-Id"],
                "status": "404",
                "title": "Reservation Not Found",
                "code": "reservation_not_found",
                "detail": "Reservation not found",
            }
        ]
    }
    assert [m.id for m in run_checks() if m.id.startswith("apierrors.")] == []


def test_the_formats_page_shows_the_tested_example_format():
    root = Path(__file__).resolve().parent.parent
    source = (root / "tests/testapp/formats.py").read_text(encoding="utf-8")
    code = source.split('"""', 2)[2].strip()  # without the module docstring

    assert code in (root / "docs/formats.md").read_text(encoding="utf-8")


# Headers ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_retry_after_for_retryable_503_in_every_format(client, settings, fmt):
    settings.APIERRORS = {**settings.APIERRORS, "RETRY_AFTER": 30}

    unavailable = client.get(f"/api/fmt/{fmt}/catalog/service_unavailable/")
    bad_gateway = client.get(f"/api/fmt/{fmt}/catalog/bad_gateway/")
    throttled = client.get(f"/api/fmt/{fmt}/throttled/")

    assert unavailable["Retry-After"] == "30"
    assert "Retry-After" not in bad_gateway
    assert throttled["Retry-After"] == "42"


class ProbingFormatter(Formatter):
    """A format that tries to change the error it was given, and says what happened."""

    name = "probing"

    def body(self, error: ClientError) -> dict[str, Any]:
        try:
            error.message = "changed by the format"  # type: ignore[misc]
            outcome = "changed"
        except dataclasses.FrozenInstanceError:
            outcome = "refused"
        return {
            "class": f"{type(error).__module__}.{type(error).__qualname__}",
            "change": outcome,
            "message": error.message,
            "same_as_public_constructor": error == ClientError(**_field_values(error)),
        }


def _field_values(error: ClientError) -> dict[str, Any]:
    return {item.name: getattr(error, item.name) for item in dataclasses.fields(ClientError)}


def test_a_format_receives_an_immutable_client_error(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "FORMAT": "tests.test_formats.ProbingFormatter"}

    response = client.get("/api/fmt/problem/reservations/r-1/")

    assert response.status_code == 404
    assert response.json() == {
        "class": "apierrors.core.error.ClientError",
        "change": "refused",
        "message": "Reservation not found",
        "same_as_public_constructor": True,
    }
    assert log_row(response).response_body["message"] == "Reservation not found"
