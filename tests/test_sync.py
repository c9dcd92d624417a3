"""The default catalog: loaded by migrate, re-loaded by apierrors_sync, staff edits kept."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command

from apierrors.catalog.defaults import DEFAULT_ENTRIES
from apierrors.models import ErrorCode

pytestmark = pytest.mark.django_db

REFERENCE_CODES = {
    # OCTO
    "invalid_product_id": 400,
    "invalid_option_id": 400,
    "invalid_unit_id": 400,
    "invalid_availability_id": 400,
    "invalid_booking_uuid": 400,
    "bad_request": 400,
    "unprocessable_entity": 422,
    "internal_server_error": 500,
    "unauthorized": 401,
    "forbidden": 403,
    # Stripe-style
    "invalid_api_key": 401,
    "insufficient_scope": 403,
    "missing_required_field": 400,
    "invalid_field_value": 400,
    "invalid_json": 400,
    "booking_not_found": 404,
    "booking_already_cancelled": 409,
    # catalog-style
    "credit_card_check": 403,
    "not_found": 404,
    "not_allowed": 405,
    "not_acceptable": 406,
    "request_timeout": 408,
    "conflict": 409,
    "payload_too_large": 413,
    "too_many_requests": 429,
    "token_required": 499,
    "server_error": 500,
    "sql_multiple_results_found": 500,
    "missing_default_value": 500,
    "bad_gateway": 502,
    "service_unavailable": 503,
    "gateway_timeout": 504,
    # violations
    "validation_error": 400,
    "reservation_not_found": 404,
}


def sync() -> str:
    out = StringIO()
    call_command("apierrors_sync", stdout=out)
    return out.getvalue()


def test_migrate_leaves_every_reference_error_loaded():
    loaded = dict(ErrorCode.objects.values_list("code", "status_code"))

    for code, status in REFERENCE_CODES.items():
        assert loaded.get(code) == status, code
    assert len(loaded) == len(DEFAULT_ENTRIES)


def test_reference_slips_are_fixed():
    rows = {
        e.code: e
        for e in ErrorCode.objects.filter(
            code__in=["payload_too_large", "too_many_requests", "gateway_timeout"]
        )
    }

    assert rows["payload_too_large"].title_en == "Payload Too Large"
    assert rows["too_many_requests"].title_en == "Too Many Requests"
    assert (rows["gateway_timeout"].status_code, rows["gateway_timeout"].title_en) == (
        504,
        "Gateway Timeout",
    )
    assert not ErrorCode.objects.filter(
        code__in=["missing_defaul_value", "invalid_availabiliy_id"]
    ).exists()


def test_public_flags_follow_the_reference():
    flags = dict(ErrorCode.objects.values_list("code", "is_public"))

    assert flags["server_error"] is False
    assert flags["sql_multiple_results_found"] is False
    assert flags["bad_request"] is True
    assert flags["token_required"] is True


def test_sync_is_idempotent():
    before = list(ErrorCode.objects.rewrite(False).order_by("code").values())

    output = sync()

    after = list(ErrorCode.objects.rewrite(False).order_by("code").values())
    assert "0 created" in output
    for old, new in zip(before, after, strict=True):
        old.pop("updated_at"), new.pop("updated_at")
        assert old == new


def test_sync_never_overwrites_staff_edits_and_restores_the_rest():
    entry = ErrorCode.objects.get(code="not_found")
    entry.message_fr = "Rien ici."
    entry.is_public = False
    entry.save()
    ErrorCode.objects.filter(code="conflict").delete()

    output = sync()

    entry.refresh_from_db()
    assert entry.message_fr == "Rien ici."
    assert entry.is_public is False
    assert entry.message_en == "Resource not found."
    assert "kept staff edit not_found.message_fr" in output
    assert "created conflict" in output
    assert ErrorCode.objects.get(code="conflict").status_code == 409


def test_sync_updates_fields_staff_left_as_shipped():
    # Simulate an older release that shipped another text for a field staff never touched.
    entry = ErrorCode.objects.rewrite(False).get(code="not_found")
    shipped = dict(entry.shipped_values, message_en="Old text.")
    ErrorCode.objects.rewrite(False).filter(pk=entry.pk).update(
        message_en="Old text.", shipped_values=shipped
    )

    sync()

    assert (
        ErrorCode.objects.rewrite(False).get(code="not_found").message_en == "Resource not found."
    )


def test_a_draft_for_a_shipped_code_takes_the_shipped_text():
    ErrorCode.objects.filter(code="conflict").delete()
    ErrorCode.objects.create(
        code="conflict",
        status_code=500,
        title="Draft",
        message="Draft",
        is_draft=True,
        is_public=False,
    )

    sync()

    entry = ErrorCode.objects.rewrite(False).get(code="conflict")
    assert (entry.status_code, entry.is_draft, entry.is_public, entry.title_en) == (
        409,
        False,
        True,
        "Conflict",
    )


def test_translations_are_loaded_for_every_shipped_language():
    entry = ErrorCode.objects.rewrite(False).get(code="invalid_product_id")

    assert entry.message_fr == "L'ID de produit est invalide ou manquant"
    assert entry.message_de == "Die Produkt-ID ist ungültig oder fehlt"
    assert entry.message_es and entry.message_es != entry.message_en
