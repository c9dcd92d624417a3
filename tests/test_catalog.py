"""The catalog as the handler reads it: warm lookups cost no query, edits are seen at once."""

from __future__ import annotations

import logging
import socket
import uuid

import pytest
from django.core.cache import caches
from django.db import IntegrityError, connection
from django.test.utils import CaptureQueriesContext

from apierrors.catalog import store
from apierrors.catalog.store import VERSION_KEY, VersionWatch, bump_version, catalog
from apierrors.models import ErrorCode

pytestmark = pytest.mark.django_db

SHIPPED = "The Product ID was invalid or missing"


class Clock:
    """The catalog's clock, moved by the test alone."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(store, "monotonic", clock)
    return clock


def use_cache(settings, options):
    """CACHE_ALIAS on a cache of the test's own."""
    settings.CACHES = {**settings.CACHES, "catalog": options}
    settings.APIERRORS = {**settings.APIERRORS, "CACHE_ALIAS": "catalog"}
    return caches["catalog"]


@pytest.fixture
def shared_cache(settings):
    """A cache no Redis server backs, as memcached or the database cache: another process's
    bump is a write to it."""
    return use_cache(
        settings,
        {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": f"catalog-{uuid.uuid4().hex}",
        },
    )


def detail(client) -> str:
    return str(client.get("/api/t/raise/api_error/").json()["detail"])


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


def test_a_bump_of_this_process_is_seen_at_once_whatever_the_cache(client, shared_cache, clock):
    assert detail(client) == SHIPPED
    ErrorCode.objects.filter(code="invalid_product_id").update(message_en="Edited here.")

    bump_version()

    assert detail(client) == "Edited here."


def test_without_redis_another_processes_bump_is_read_within_read_every(
    client, shared_cache, clock
):
    assert detail(client) == SHIPPED
    # What bump_version() leaves in a shared cache when another process saved the entry.
    ErrorCode.objects.filter(code="invalid_product_id").update(message_en="Edited elsewhere.")
    shared_cache.set(VERSION_KEY, "bumped elsewhere", timeout=None)

    clock.advance(VersionWatch.READ_EVERY / 2)
    trusted = detail(client)
    clock.advance(VersionWatch.READ_EVERY / 2)

    assert trusted == SHIPPED
    assert detail(client) == "Edited elsewhere."


def test_other_processes_are_told_once_the_edit_is_committed(
    client, shared_cache, django_capture_on_commit_callbacks
):
    entry = ErrorCode.objects.get(code="invalid_product_id")
    with django_capture_on_commit_callbacks(execute=True):
        entry.message_en = "Product {productId} does not exist."
        entry.save()
        # Told now, another process would reload the rows as they were, as the new version's.
        assert shared_cache.get(VERSION_KEY) is None
        assert detail(client) == "Product 123 does not exist."

    assert shared_cache.get(VERSION_KEY) is not None


def test_a_cache_that_is_down_never_breaks_an_answer(
    client, settings, clock, caplog, django_capture_on_commit_callbacks
):
    with socket.socket() as closed:  # bound but not listening: every connection is refused
        closed.bind(("127.0.0.1", 0))
        use_cache(
            settings,
            {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{closed.getsockname()[1]}/0",
            },
        )
        with caplog.at_level(logging.WARNING, logger="apierrors"):
            first, second = detail(client), detail(client)
            entry = ErrorCode.objects.get(code="invalid_product_id")
            with django_capture_on_commit_callbacks(execute=True):
                entry.message_en = "Product {productId} does not exist."
                entry.save()
            edited = detail(client)

    assert (first, second, edited) == (SHIPPED, SHIPPED, "Product 123 does not exist.")
    # The down cache is asked once per READ_EVERY, and again after this process's bump.
    assert caplog.text.count("catalog version unreadable from cache") == 2
    assert "could not subscribe to catalog changes" in caplog.text
    assert "could not publish the catalog version" in caplog.text


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
