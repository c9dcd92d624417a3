"""apierrors.testing.assert_api_error: one assertion for any format."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.http import JsonResponse
from django.test import override_settings

from apierrors.formats import FORMATS, ClientError, Formatter
from apierrors.formats.base import dotted_path
from apierrors.testing import assert_api_error
from tests.conftest import log_row

pytestmark = pytest.mark.django_db

BAD_BOOKING = {"productId": "kayak-tour", "unitItems": [], "contact": {"emailAddress": "x"}}
BAD_BOOKING_ERRORS = {
    "optionId": "required",
    "availabilityId": "required",
    "unitItems.non_field_errors": "empty",
    "contact.fullName": "required",
    "contact.emailAddress": "invalid",
}


class BareFormatter(Formatter):
    """A site's own format: no code in the body, field errors keyed by field."""

    name = "bare"

    def body(self, error: ClientError) -> dict[str, Any]:
        body: dict[str, Any] = {"message": error.message}
        if error.field_errors:
            body["fields"] = {dotted_path(item.path): [item.message] for item in error.field_errors}
        return body


@pytest.fixture(autouse=True)
def seeded():
    call_command("demo_seed", stdout=None)


def settings_with(format_name: str) -> dict[str, Any]:
    return {"FORMAT": format_name, "API_PREFIXES": ["/api/"]}


def test_code_and_status_in_the_problem_format(api_key_client):
    response = api_key_client.get("/api/products/nope/")

    body = assert_api_error(response, code="INVALID_PRODUCT_ID", status=400)

    assert body["code"] == "invalid_product_id"
    with pytest.raises(AssertionError, match="code 'invalid_product_id', expected 'not_found'"):
        assert_api_error(response, code="not_found")
    with pytest.raises(AssertionError, match="status 400, expected 404"):
        assert_api_error(response, status=404)


def test_the_catalog_format_of_a_path_prefix(api_key_client):
    response = api_key_client.get("/api/catalog-style/products/nope/")

    assert_api_error(response, code="invalid_product_id", status=400)
    with pytest.raises(AssertionError, match="expected 'forbidden'"):
        assert_api_error(response, code="forbidden")


@pytest.mark.parametrize("prefix", ["/api/", "/api/catalog-style/"])
def test_field_errors_with_their_codes(api_key_client, prefix):
    response = api_key_client.post(f"{prefix}bookings/", BAD_BOOKING, format="json")

    assert_api_error(response, code="validation_error", status=400, field_errors=BAD_BOOKING_ERRORS)
    assert_api_error(response, field_errors=list(BAD_BOOKING_ERRORS))

    fewer = dict(BAD_BOOKING_ERRORS)
    del fewer["contact.fullName"]
    with pytest.raises(AssertionError, match=r"unexpected \['(#/)?contact[./]fullName'\]"):
        assert_api_error(response, field_errors=fewer)
    with pytest.raises(AssertionError, match=r"missing \['contact.phone'\]"):
        assert_api_error(response, field_errors={**BAD_BOOKING_ERRORS, "contact.phone": None})
    with pytest.raises(AssertionError, match="field 'optionId' has codes \\['required'\\]"):
        assert_api_error(response, field_errors={**BAD_BOOKING_ERRORS, "optionId": "blank"})


@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_every_registered_format(api_key_client, format_name):
    with override_settings(APIERRORS=settings_with(format_name)):
        not_found = api_key_client.get("/api/products/nope/")
        invalid = api_key_client.post("/api/bookings/", BAD_BOOKING, format="json")

        # The catalog code the error was answered from (Stripe answers a validation error
        # as missing_required_field), whatever the format writes on the wire.
        answered = log_row(invalid).code
        assert_api_error(not_found, code="invalid_product_id", status=not_found.status_code)
        assert_api_error(invalid, code=answered, field_errors=list(BAD_BOOKING_ERRORS))
        with pytest.raises(AssertionError):
            assert_api_error(not_found, code="invalid_option_id")
        with pytest.raises(AssertionError):
            assert_api_error(invalid, code="invalid_option_id")


def test_a_format_without_a_code_is_checked_against_the_error_log(api_key_client):
    bare = "tests.test_testing.BareFormatter"
    with override_settings(APIERRORS=settings_with(bare)):
        not_found = api_key_client.get("/api/products/nope/")
        invalid = api_key_client.post("/api/bookings/", BAD_BOOKING, format="json")

        assert "code" not in not_found.json()
        assert_api_error(not_found, code="invalid_product_id", status=400)
        with pytest.raises(AssertionError, match="expected 'not_found'"):
            assert_api_error(not_found, code="not_found")
        assert_api_error(invalid, code="validation_error", field_errors=list(BAD_BOOKING_ERRORS))
        with pytest.raises(AssertionError, match="writes no field error codes"):
            assert_api_error(invalid, field_errors={**BAD_BOOKING_ERRORS, "optionId": "required"})


def test_a_response_not_answered_by_apierrors_fails():
    with pytest.raises(AssertionError, match="no X-Error-Id header"):
        assert_api_error(JsonResponse({"detail": "nope"}, status=400), status=400)
    with pytest.raises(AssertionError, match="not JSON"):
        from django.http import HttpResponse

        assert_api_error(HttpResponse("<h1>Server Error</h1>", status=500))


def test_a_format_s_own_code_and_the_catalog_code_both_match(api_key_client):
    with override_settings(APIERRORS=settings_with("octo")):
        invalid = api_key_client.post("/api/bookings/", BAD_BOOKING, format="json")

        assert invalid.json()["error"] == "BAD_REQUEST"
        assert log_row(invalid).code == "validation_error"
        assert_api_error(invalid, code="BAD_REQUEST", status=400)
        assert_api_error(invalid, code="validation_error", status=400)
        with pytest.raises(AssertionError, match="code 'BAD_REQUEST', expected 'forbidden'"):
            assert_api_error(invalid, code="forbidden")
