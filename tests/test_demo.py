"""The demo's booking API answers the errors docs/quickstart.md shows ("Try the demo")."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from project.booking.management.commands.demo_seed import LATER_BOOKING, SOON_BOOKING
from project.booking.models import Booking
from tests.conftest import log_row

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def seeded():
    call_command("demo_seed", stdout=None)


def test_missing_api_key_is_unauthorized(client):
    response = client.get("/api/products/")

    assert response.status_code == 401
    assert response.json()["code"] == "unauthorized"


def test_bad_api_key_is_forbidden(client):
    response = client.get("/api/products/", HTTP_AUTHORIZATION="Bearer wrong")

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_products_list(api_key_client):
    response = api_key_client.get("/api/products/")

    assert response.status_code == 200
    assert response.json()[0]["id"] == "kayak-tour"


def test_unknown_product_echoes_the_id(api_key_client):
    response = api_key_client.get("/api/products/nope/")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_product_id"
    assert log_row(response).params == {"productId": "nope"}


def test_bad_booking_body_lists_field_errors(api_key_client):
    response = api_key_client.post(
        "/api/bookings/",
        {"productId": "kayak-tour", "unitItems": [], "contact": {"emailAddress": "x"}},
        format="json",
    )

    assert response.status_code == 400
    assert [e["pointer"] for e in response.json()["errors"]] == [
        "#/optionId",
        "#/availabilityId",
        "#/unitItems/non_field_errors",
        "#/contact/fullName",
        "#/contact/emailAddress",
    ]


def test_booking_with_an_unknown_unit(api_key_client):
    response = api_key_client.post(
        "/api/bookings/",
        {
            "productId": "kayak-tour",
            "optionId": "standard",
            "availabilityId": "later",
            "unitItems": [{"unitId": "child"}],
            "contact": {"fullName": "Ada", "emailAddress": "ada@example.com"},
        },
        format="json",
    )

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_unit_id"


@pytest.mark.django_db(transaction=True)
def test_cancelling_after_the_cutoff_is_unprocessable_and_rolls_back(
    api_key_client, atomic_requests
):
    response = api_key_client.post(f"/api/bookings/{SOON_BOOKING}/cancel/")

    assert response.status_code == 422
    assert Booking.objects.get(pk=SOON_BOOKING).status == "CONFIRMED"
    assert log_row(response).code == "unprocessable_entity"
    assert response.json()["code"] == "unprocessable_entity"
    assert "24 hours" in response.json()["detail"]


def test_cancelling_twice(api_key_client):
    first = api_key_client.post(f"/api/bookings/{LATER_BOOKING}/cancel/")
    second = api_key_client.post(f"/api/bookings/{LATER_BOOKING}/cancel/")

    assert first.status_code == 200
    assert Booking.objects.get(pk=LATER_BOOKING).status == "CANCELLED"
    assert second.status_code == 409
    assert second.json()["code"] == "booking_already_cancelled"


def test_unknown_booking(api_key_client):
    response = api_key_client.get("/api/bookings/not-a-uuid/")

    assert response.json()["code"] == "invalid_booking_uuid"


def test_crash_is_a_500_with_its_traceback_logged(client):
    response = client.get("/api/crash/")

    assert response.status_code == 500
    assert "ZeroDivisionError" in log_row(response).traceback
    assert "ZeroDivisionError" not in response.content.decode()


def test_catalog_style_prefix(api_key_client):
    response = api_key_client.get("/api/catalog-style/products/nope/")

    assert response.json() == {
        "code": 400,
        "title": "Invalid Product ID",
        "message": "The Product ID was invalid or missing",
        "key": "invalid_product_id",
        "public": True,
        "error_id": response["X-Error-Id"],
    }
