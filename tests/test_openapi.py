"""The OpenAPI schema lists each operation's error responses; the demo conforms to it."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import schemathesis
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.test import override_settings
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from apierrors.formats import FORMATS, get_formatter
from apierrors.reference.openapi import infer_schema
from apierrors.reference.page import example_error

ROOT = Path(__file__).resolve().parent.parent
KEY = {"HTTP_AUTHORIZATION": "Bearer demo-key-123"}
# Generated cases per operation in the conformance run: bounded, so CI stays quick.
MAX_EXAMPLES = 12


@pytest.fixture
def demo(db, settings):
    settings.ROOT_URLCONF = "tests.openapi_urls"
    call_command("demo_seed", stdout=None)


@pytest.fixture
def schema(demo, client):
    response = client.get("/schema/?format=json")
    assert response.status_code == 200
    return json.loads(response.content)


def responses(schema, path, method):
    return schema["paths"][path][method]["responses"]


def error_statuses(schema, path, method):
    return sorted(int(code) for code in responses(schema, path, method) if int(code) >= 400)


def test_the_schema_is_valid_openapi(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.0")


def test_an_operation_taking_a_body_lists_validation_auth_media_type_and_server_errors(schema):
    assert error_statuses(schema, "/api/bookings/", "post") == [
        400,
        401,
        403,
        405,
        406,
        415,
        500,
    ]
    bad_request = responses(schema, "/api/bookings/", "post")["400"]
    content = bad_request["content"]["application/problem+json"]
    assert content["schema"] == {
        "anyOf": [
            {"$ref": "#/components/schemas/ProblemValidationError"},
            {"$ref": "#/components/schemas/ProblemError"},
        ]
    }
    assert list(content["examples"]) == [
        "validation_error",
        "invalid_json",
        "invalid_product_id",
        "invalid_option_id",
        "invalid_availability_id",
        "invalid_unit_id",
    ]
    assert bad_request["headers"] == {
        "X-Error-Id": {"$ref": "#/components/headers/X-Error-Id"},
        "X-Request-Id": {"$ref": "#/components/headers/X-Request-Id"},
        "Content-Language": {"$ref": "#/components/headers/Content-Language"},
    }
    unauthorized = responses(schema, "/api/bookings/", "post")["401"]
    assert "WWW-Authenticate" in unauthorized["headers"]


def test_the_sites_request_id_header_is_the_one_documented(demo, client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "REQUEST_ID_HEADER": "X-Correlation-Id"}

    schema = json.loads(client.get("/schema/?format=json").content)
    answered = client.post("/api/bookings/", {}, content_type="application/json", **KEY)

    validate_schema(schema)
    assert responses(schema, "/api/bookings/", "post")["400"]["headers"] == {
        "X-Error-Id": {"$ref": "#/components/headers/X-Error-Id"},
        "X-Correlation-Id": {"$ref": "#/components/headers/X-Correlation-Id"},
        "Content-Language": {"$ref": "#/components/headers/Content-Language"},
    }
    headers = schema["components"]["headers"]
    assert headers["X-Correlation-Id"] == {
        "description": "The request id: the client's when valid, else a generated one.",
        "required": True,
        "schema": {"type": "string"},
    }
    assert "X-Request-Id" not in headers
    assert answered.status_code == 400
    assert answered.has_header("X-Correlation-Id")


def test_a_list_without_input_has_no_400_404_or_415(schema):
    assert error_statuses(schema, "/api/products/", "get") == [401, 403, 405, 406, 500]


def test_detail_routes_document_404_and_the_codes_their_view_declares(schema):
    statuses = error_statuses(schema, "/api/products/{product_id}/", "get")
    examples = responses(schema, "/api/products/{product_id}/", "get")["400"]["content"][
        "application/problem+json"
    ]["examples"]

    assert statuses == [400, 401, 403, 404, 405, 406, 500]
    assert list(examples) == ["invalid_product_id"]
    cancel = error_statuses(schema, "/api/bookings/{booking_uuid}/cancel/", "post")
    assert 409 in cancel and 422 in cancel and 415 not in cancel


def test_the_format_of_the_path_gives_the_body_schema(schema):
    catalog = responses(schema, "/api/catalog-style/products/{product_id}/", "get")["404"]
    problem = responses(schema, "/api/products/{product_id}/", "get")["404"]

    assert catalog["content"] == {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/CatalogError"},
            "examples": {"not_found": {"$ref": "#/components/examples/CatalogError.not_found"}},
        }
    }
    assert list(problem["content"]) == ["application/problem+json"]
    assert schema["components"]["schemas"]["CatalogError"]["properties"]["code"] == {
        "type": "integer"
    }


def test_throttled_operations_document_429_with_retry_after(schema):
    throttled = responses(schema, "/api/throttled/", "get")

    assert error_statuses(schema, "/api/throttled/", "get") == [405, 406, 429, 500]
    assert "Retry-After" in throttled["429"]["headers"]
    assert list(throttled["429"]["content"]) == ["application/json"]


def test_components_hold_one_example_per_catalog_code_and_format(schema):
    from apierrors.catalog.store import catalog
    from apierrors.models import ErrorCode

    examples = schema["components"]["examples"]
    codes = set(ErrorCode.objects.values_list("code", flat=True))
    for prefix in ("ProblemError", "CatalogError"):
        assert {
            name.split(".", 1)[1] for name in examples if name.startswith(prefix + ".")
        } == codes
    entry = catalog.lookup("invalid_product_id", "en")
    assert examples["ProblemError.invalid_product_id"] == {
        "summary": "invalid_product_id (400): Invalid Product ID",
        "description": "The Product ID was invalid or missing\n\nProvide a valid productId in the request.",
        "value": get_formatter("problem").body(example_error(entry)),
    }


def json_schema(node):
    """An OpenAPI 3.0 schema as JSON Schema: ``nullable: true`` becomes a "null" type."""
    if isinstance(node, list):
        return [json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: json_schema(value) for key, value in node.items() if key != "nullable"}
    if node.get("nullable") and "type" in node:
        converted["type"] = [node["type"], "null"]
    return converted


@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_real_error_bodies_validate_against_their_documented_schema(demo, client, format_name):
    with override_settings(
        APIERRORS={
            "FORMAT": format_name,
            "FORMAT_BY_PATH": {"/api/catalog-style/": "catalog"},
            "API_PREFIXES": ["/api/"],
        }
    ):
        schema = json.loads(client.get("/schema/?format=json").content)
        validate_schema(schema)
        for method, template, url, headers, body in REAL_ERRORS:
            if body is not None:
                response = getattr(client, method)(
                    url, body, content_type="application/json", **headers
                )
            else:
                response = getattr(client, method)(url, **headers)
            documented = responses(schema, template, method)[str(response.status_code)]
            body_schema = documented["content"][response["Content-Type"]]["schema"]
            jsonschema.validate(
                response.json(), json_schema({**body_schema, "components": schema["components"]})
            )
            for name in ("X-Error-Id", "X-Request-Id", "Content-Language"):
                assert response.has_header(name)


REAL_ERRORS = [
    ("get", "/api/products/", "/api/products/", {}, None),
    ("get", "/api/products/{product_id}/", "/api/products/nope/", KEY, None),
    (
        "get",
        "/api/catalog-style/products/{product_id}/",
        "/api/catalog-style/products/x/",
        KEY,
        None,
    ),
    ("post", "/api/bookings/", "/api/bookings/", KEY, {"unitItems": []}),
    ("post", "/api/bookings/", "/api/bookings/", KEY, "{not json"),
    ("get", "/api/crash/", "/api/crash/", {}, None),
]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1, 2], {"type": "integer"}),
        ([1, 2.5], {"type": "number"}),
        (["a", None], {"type": "string", "nullable": True}),
        ([None], {}),
        (
            [{"a": 1, "b": "x"}, {"a": 2}],
            {
                "type": "object",
                "properties": {"a": {"type": "integer"}, "b": {"type": "string"}},
                "required": ["a"],
            },
        ),
        ([[], ["x"]], {"type": "array", "items": {"type": "string"}}),
        ([True, "x"], {"anyOf": [{"type": "boolean"}, {"type": "string"}]}),
    ],
)
def test_schema_inference(values, expected):
    assert infer_schema(values) == expected


def test_the_demo_serves_swagger_ui_and_redoc_from_local_assets(demo, client):
    swagger = client.get("/schema/swagger/").content.decode()
    redoc = client.get("/schema/redoc/").content.decode()

    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in swagger
    assert "/static/drf_spectacular_sidecar/redoc/bundles/redoc.standalone.js" in redoc
    # No asset from a CDN's host (a random token of the page may spell "cdn" by chance).
    assert not re.search(r"//[^/\"'\s]*cdn", swagger + redoc, re.IGNORECASE)
    assert '"/schema/"' in swagger or "/schema/" in swagger


HIDDEN_SPECTACULAR = """
import importlib.abc, sys

class Hide(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in {"drf_spectacular", "drf_spectacular_sidecar"}:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None

sys.meta_path.insert(0, Hide())

import django
django.setup()
from django.core.management import call_command
from django.core.signals import request_finished, request_started
from django.test import override_settings
from django.test import Client
from django.test.utils import setup_test_environment

setup_test_environment()
call_command("migrate", verbosity=0)
call_command("check", fail_level="ERROR")
client = Client(raise_request_exception=False)
error = client.get("/api/t/raise/api_error/")
assert error.status_code == 400, error.status_code
assert error.json()["code"] == "invalid_product_id", error.content
page = client.get("/errors/", HTTP_ACCEPT_LANGUAGE="fr")
assert page.status_code == 200 and "ID de produit invalide" in page.content.decode()
try:
    import apierrors.reference.openapi
except ImportError as exc:
    assert "django-apierrors[openapi]" in str(exc), exc
else:
    raise AssertionError("apierrors.reference.openapi imported without drf-spectacular")
assert not any(name.startswith("drf_spectacular") for name in sys.modules)
print("ok")
"""


@pytest.mark.slow
def test_the_app_works_unchanged_without_drf_spectacular():
    env = {
        key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "REDIS_URL"}
    }
    env["DJANGO_SETTINGS_MODULE"] = "tests.settings_without_openapi"
    result = subprocess.run(
        [sys.executable, "-c", HIDDEN_SPECTACULAR],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        check=False,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1] == "ok"


# Conformance: schemathesis against the demo's own schema ------------------------------------


@pytest.fixture
def wsgi_app():
    """Django's WSGI app that keeps the test's connection, as Django's own test client does."""
    from django.core.wsgi import get_wsgi_application
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield get_wsgi_application()
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.slow
def test_every_response_matches_the_documented_schema(demo, wsgi_app):
    """Each operation of the demo, called with generated input, answers as documented.

    Bounded: a few generated cases per operation, through the WSGI app, no server, no network.
    """
    schema = schemathesis.openapi.from_wsgi("/schema/?format=json", wsgi_app)
    checks = [
        status_code_conformance,
        content_type_conformance,
        response_headers_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    statuses: set[int] = set()
    assert len(operations) >= 8

    for operation in operations:

        @given(case=operation.as_strategy())
        @hypothesis_settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def call(case):
            # With the demo's key, a wrong one, and none.
            for key in ("demo-key-123", "wrong"):
                response = case.call_and_validate(
                    headers={"Authorization": f"Bearer {key}"}, checks=checks
                )
                statuses.add(response.status_code)
            if case.headers:
                case.headers.pop("Authorization", None)
            statuses.add(case.call_and_validate(checks=checks).status_code)

        call()

    # The run reached the error responses it is about, not only successes.
    assert {200, 400, 401, 403, 500} <= statuses
