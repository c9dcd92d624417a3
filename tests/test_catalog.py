"""The catalog as the handler reads it: warm lookups cost no query, edits are seen at once."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from apierrors.catalog.store import catalog
from apierrors.models import ErrorCode

pytestmark = pytest.mark.django_db


def test_warm_error_makes_no_catalog_query(client):
    client.get("/api/t/raise/api_error/")  # warms the process

    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/t/raise/api_error/")

    assert response.status_code == 400
    catalog_queries = [
        q["sql"] for q in queries.captured_queries if "apierrors_errorcode" in q["sql"]
    ]
    assert catalog_queries == []


def test_an_edit_is_served_on_the_next_error(client):
    client.get("/api/t/raise/api_error/")
    entry = ErrorCode.objects.get(code="invalid_product_id")
    entry.message_en = "Product {productId} does not exist."
    entry.save()

    response = client.get("/api/t/raise/api_error/")

    assert response.json()["detail"] == "Product 123 does not exist."


def test_deleting_an_entry_falls_back_to_generic_text(client):
    client.get("/api/t/raise/api_error/")
    ErrorCode.objects.filter(code="invalid_product_id").delete()
    catalog.invalidate()  # queryset.delete() sends post_delete per row; invalidation is tested above

    response = client.get("/api/t/raise/api_error/")

    assert response.status_code == 500
    assert response.json()["code"] == "invalid_product_id"
    assert response.json()["detail"] == "An internal server error has occurred."


def test_inactive_entry_answers_generic_text_of_its_status_and_creates_no_draft(client):
    ErrorCode.objects.filter(code="invalid_product_id").update(is_active=False)

    response = client.get("/api/t/raise/api_error/")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_product_id"
    assert response.json()["detail"] == "The request can't be processed."
    assert ErrorCode.objects.filter(code="invalid_product_id").count() == 1
    assert not ErrorCode.objects.get(code="invalid_product_id").is_draft


def test_inactive_generic_entry_falls_back_to_the_shipped_text(client):
    ErrorCode.objects.filter(code__in=["invalid_product_id", "bad_request"]).update(is_active=False)

    response = client.get("/api/t/raise/api_error/")

    assert response.status_code == 400
    assert response.json()["detail"] == "The request can't be processed."


def test_non_public_entry_hides_the_raisers_detail(client):
    ErrorCode.objects.filter(code="invalid_product_id").update(is_public=False)

    response = client.get("/api/t/raise/api_error_detail/")

    assert response.json()["detail"] == "The Product ID was invalid or missing"


def test_placeholders_fill_from_params_only(client):
    ErrorCode.objects.filter(code="invalid_product_id").update(
        message_en="Product {productId} ({missing}) is unknown."
    )

    response = client.get("/api/t/raise/api_error/")

    # A placeholder without a param leaves the text as the editor wrote it.
    assert response.json()["detail"] == "Product {productId} ({missing}) is unknown."


def test_missing_translation_falls_back_per_field(client):
    ErrorCode.objects.filter(code="invalid_product_id").update(
        message_fr="", title_fr="Produit inconnu"
    )

    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr")

    body = response.json()
    assert body["title"] == "Produit inconnu"
    assert body["detail"] == "The Product ID was invalid or missing"


def test_unreadable_catalog_answers_from_the_shipped_defaults(client, monkeypatch):
    from django.db import DatabaseError
    from django.db.models.query import QuerySet

    def unreadable(self, *args, **kwargs):
        raise DatabaseError("no such table: apierrors_errorcode")

    monkeypatch.setattr(QuerySet, "values", unreadable)
    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="de")

    assert response.status_code == 400
    assert response.json()["detail"] == "Die Produkt-ID ist ungültig oder fehlt"


def test_codes_are_stored_lower_case_and_unique_case_insensitively():
    entry = ErrorCode(code="Out_Of_Stock", status_code=409, title="Out of stock", message="Gone.")
    entry.save()

    assert entry.code == "out_of_stock"
    with pytest.raises(IntegrityError):
        ErrorCode.objects.rewrite(False).bulk_create(
            [ErrorCode(code="OUT_OF_STOCK", status_code=409, title="x", message="y")]
        )


def test_status_outside_400_599_is_rejected():
    from django.core.exceptions import ValidationError

    entry = ErrorCode(code="weird", status_code=302, title="x", message="y")
    with pytest.raises(ValidationError) as caught:
        entry.full_clean()
    assert "status_code" in caught.value.message_dict
