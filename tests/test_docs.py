"""The error reference page: what a reader sees, in their language, and where doc_urls lead."""

from __future__ import annotations

import json
import re

import pytest
from django.core.checks import run_checks
from django.test import override_settings

from apierrors.formats import FORMATS, get_formatter
from apierrors.models import ErrorCode
from apierrors.reference import page as reference

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.docs_urls")]


def article(html: str, code: str) -> str:
    match = re.search(rf'<article id="{code}".*?</article>', html, re.S)
    assert match, f"no article for {code}"
    return match.group(0)


def test_page_lists_every_active_entry_grouped_by_category_with_one_anchor_per_code(client):
    ErrorCode.objects.filter(code="credit_card_check").update(is_active=False)

    response = client.get("/errors/")
    html = response.content.decode()

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    active = set(ErrorCode.objects.filter(is_active=True).values_list("code", flat=True))
    anchors = re.findall(r'<article id="([a-z0-9_-]+)"', html)
    assert sorted(anchors) == sorted(active)
    assert len(anchors) == len(set(anchors))
    assert 'id="credit_card_check"' not in html
    headings = re.findall(r'<h2 id="category-([a-z_]+)">', html)
    assert headings == [
        "invalid_request",
        "authentication_error",
        "authorization_error",
        "resource_not_found",
        "conflict",
        "rate_limit",
        "server_error",
    ]
    section = re.search(r'<section aria-labelledby="category-conflict">.*?</section>', html, re.S)
    assert re.findall(r'<article id="([a-z_]+)"', section.group(0)) == [
        "booking_already_cancelled",
        "conflict",
    ]


def test_an_entry_shows_code_status_title_message_action_and_its_example(client):
    html = client.get("/errors/").content.decode()
    block = article(html, "invalid_product_id")

    assert (
        '<h3 id="invalid_product_id-title"><code>invalid_product_id</code> Invalid Product ID</h3>'
        in block
    )
    assert '<span class="status">400</span>' in block
    assert "<dd>The Product ID was invalid or missing</dd>" in block
    assert "<dt>What to do</dt><dd>Provide a valid productId in the request.</dd>" in block
    expected_body = json.dumps(
        {
            "type": "http://testserver/errors/#invalid_product_id",
            "title": "Invalid Product ID",
            "status": 400,
            "detail": "The Product ID was invalid or missing",
            "instance": "/api/example/",
            "code": "invalid_product_id",
            "error_id": reference.EXAMPLE_ERROR_ID,
        },
        indent=2,
    ).replace('"', "&quot;")
    assert expected_body in block
    assert "Content-Type: application/problem+json" in block
    assert "HTTP 400" in block


def test_validation_error_example_carries_a_field_error(client):
    block = article(client.get("/errors/").content.decode(), "validation_error")

    assert "&quot;pointer&quot;: &quot;#/email&quot;" in block
    assert "Enter a valid email address." in block


def test_non_public_entries_show_their_generic_text_only(client):
    ErrorCode.objects.filter(code="sql_multiple_results_found").update(
        action="Check the replica lag on db-7 (internal)."
    )

    block = article(client.get("/errors/").content.decode(), "sql_multiple_results_found")

    assert "Multiple Results Found" in block
    assert "A single database result was required but more than one was found." in block
    assert "db-7" not in block
    assert "What to do" not in block
    assert "Details of this error are never sent to clients" in block


def test_accept_language_chooses_the_language_and_the_switcher_offers_the_others(client):
    response = client.get("/errors/", HTTP_ACCEPT_LANGUAGE="fr-CA,fr;q=0.9,en;q=0.5")
    html = response.content.decode()

    assert response["Content-Language"] == "fr"
    assert "Accept-Language" in response["Vary"]
    assert '<html lang="fr">' in html
    assert "<code>invalid_product_id</code> ID de produit invalide</h3>" in html
    assert "<title>Référence des erreurs de l\u2019API</title>" in html
    assert '<h2 id="category-server_error">Erreur du serveur</h2>' in html
    switcher = re.search(r'<nav aria-label="Langue">.*?</nav>', html, re.S).group(0)
    assert re.findall(r'hreflang="([a-z]+)"', switcher) == ["en", "fr", "de", "es"]
    assert (
        '<a href="?lang=fr&amp;format=problem" lang="fr" hreflang="fr" aria-current="true">'
        "français</a>"
    ) in switcher


def test_the_switcher_link_wins_over_accept_language(client):
    response = client.get("/errors/?lang=de", HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "de"
    assert "<code>bad_request</code> Fehlerhafte Anfrage</h3>" in response.content.decode()


def test_an_unknown_language_or_format_falls_back(client):
    response = client.get("/errors/?lang=xx&format=nope")

    assert response["Content-Language"] == "en"
    assert "Content-Type: application/problem+json" in response.content.decode()


@pytest.mark.parametrize("format_name", sorted(FORMATS))
def test_examples_are_built_by_each_registered_format(client, format_name):
    data = client.get(f"/errors/catalog.json?format={format_name}").json()
    entry = next(
        e for group in data["categories"] for e in group["entries"] if e["code"] == "not_found"
    )
    formatter = get_formatter(format_name)
    from apierrors.catalog.store import catalog

    error = reference.example_error(
        catalog.lookup("not_found", "en"), doc_url="http://testserver/errors/#not_found"
    )

    assert data["format"] == format_name
    assert entry["example"]["body"] == formatter.body(error)
    assert entry["example"]["status_code"] == formatter.status_code(error)
    assert entry["example"]["headers"]["Content-Type"] == formatter.media_type


def test_json_reference_in_the_chosen_language(client):
    response = client.get("/errors/catalog.json?format=catalog", HTTP_ACCEPT_LANGUAGE="es")
    data = response.json()
    entry = next(
        e
        for group in data["categories"]
        for e in group["entries"]
        if e["code"] == "invalid_product_id"
    )

    assert response["Content-Language"] == "es"
    assert data["language"] == "es"
    assert data["categories"][0]["category"] == "invalid_request"
    assert entry == {
        "code": "invalid_product_id",
        "status_code": 400,
        "category": "invalid_request",
        "title": entry["title"],
        "message": entry["message"],
        "action": entry["action"],
        "is_public": True,
        "is_retryable": False,
        "doc_url": "http://testserver/errors/#invalid_product_id",
        "example": {
            "format": "catalog",
            "status_code": 400,
            "headers": {
                "Content-Type": "application/json",
                "Content-Language": "es",
                "X-Error-Id": reference.EXAMPLE_ERROR_ID,
                "X-Request-Id": reference.EXAMPLE_REQUEST_ID,
            },
            "body": {
                "code": 400,
                "title": entry["title"],
                "message": entry["message"],
                "key": "invalid_product_id",
                "public": True,
                "error_id": reference.EXAMPLE_ERROR_ID,
            },
        },
    }
    assert entry["title"] == "ID de producto no válido"


def test_examples_name_the_sites_request_id_header(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "REQUEST_ID_HEADER": "X-Correlation-Id"}

    html = client.get("/errors/").content.decode()
    data = client.get("/errors/catalog.json").json()
    answered = client.get("/api/t/raise/api_error/")

    block = article(html, "invalid_product_id")
    assert f"X-Correlation-Id: {reference.EXAMPLE_REQUEST_ID}\n" in block
    assert "X-Request-Id" not in html
    for group in data["categories"]:
        for entry in group["entries"]:
            headers = entry["example"]["headers"]
            assert headers["X-Correlation-Id"] == reference.EXAMPLE_REQUEST_ID
            assert "X-Request-Id" not in headers
    # The header a client of the API receives.
    assert answered.has_header("X-Correlation-Id")
    assert not answered.has_header("X-Request-Id")


def test_the_page_only_answers_safe_methods(client):
    assert client.post("/errors/").status_code == 405


# doc_url ----------------------------------------------------------------------------------


def test_problem_type_leads_to_the_entry_anchor(api_key_client):
    response = api_key_client.get("/api/products/nope/")

    assert response.json()["type"] == "http://testserver/errors/#invalid_product_id"
    page = api_key_client.get("/errors/").content.decode()
    assert '<article id="invalid_product_id"' in page


def test_doc_urls_follow_the_script_name_the_site_is_served_under(api_key_client, settings):
    mounted = api_key_client.get("/api/products/nope/", SCRIPT_NAME="/shop")
    root = api_key_client.get("/api/products/nope/")
    settings.FORCE_SCRIPT_NAME = "/forced/"
    forced = api_key_client.get("/api/products/nope/")

    assert mounted.json()["type"] == "http://testserver/shop/errors/#invalid_product_id"
    assert root.json()["type"] == "http://testserver/errors/#invalid_product_id"
    assert forced.json()["type"] == "http://testserver/forced/errors/#invalid_product_id"


def test_docs_url_setting_is_the_base_of_every_default_doc_url(api_key_client):
    with override_settings(
        APIERRORS={"FORMAT": "problem", "DOCS_URL": "https://docs.example.com/api/errors"}
    ):
        response = api_key_client.get("/api/products/nope/")
        page = api_key_client.get("/errors/catalog.json").json()

    assert response.json()["type"] == "https://docs.example.com/api/errors#invalid_product_id"
    assert page["categories"][0]["entries"][0]["doc_url"].startswith(
        "https://docs.example.com/api/errors#"
    )


def test_an_explicit_doc_url_is_kept_and_linked_from_the_page(api_key_client):
    ErrorCode.objects.filter(code="invalid_product_id").update(
        doc_url="https://wiki.example.com/products"
    )

    response = api_key_client.get("/api/products/nope/")
    block = article(api_key_client.get("/errors/").content.decode(), "invalid_product_id")

    assert response.json()["type"] == "https://wiki.example.com/products"
    assert '<a href="https://wiki.example.com/products">More about invalid_product_id</a>' in block


def test_empty_docs_url_turns_default_doc_urls_off(api_key_client):
    with override_settings(APIERRORS={"FORMAT": "problem", "DOCS_URL": ""}):
        response = api_key_client.get("/api/products/nope/")

    assert response.json()["type"] == "about:blank"


def test_unknown_codes_get_no_doc_url(client):
    response = client.get("/api/t/raise/unknown_code/")

    assert response.json()["type"] == "about:blank"


@pytest.mark.urls("tests.urls")
def test_without_the_page_mounted_doc_urls_stay_empty(api_key_client):
    response = api_key_client.get("/api/products/nope/")

    assert response.json()["type"] == "about:blank"


# Checks -----------------------------------------------------------------------------------


def _ids(**apierrors):
    with override_settings(APIERRORS=apierrors):
        return {message.id for message in run_checks()}


def test_check_rejects_a_relative_docs_url():
    assert "apierrors.E501" in _ids(DOCS_URL="/errors/")
    assert "apierrors.E501" not in _ids(DOCS_URL="https://docs.example.com/errors/")
    assert "apierrors.E501" not in _ids(DOCS_URL="")


def test_check_wants_event_id_in_the_sentry_url():
    assert "apierrors.E502" in _ids(SENTRY_EVENT_URL="https://sentry.example.com/issues/")
    assert "apierrors.E502" not in _ids(SENTRY_EVENT_URL="https://s.example.com/?q={event_id}")


def test_check_warns_about_spectacular_schema_class_without_error_responses():
    rest = {
        "EXCEPTION_HANDLER": "apierrors.handler.exception_handler",
        "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    }
    with override_settings(REST_FRAMEWORK=rest):
        assert "apierrors.W501" in {message.id for message in run_checks()}
    rest["DEFAULT_SCHEMA_CLASS"] = "apierrors.reference.openapi.AutoSchema"
    with override_settings(REST_FRAMEWORK=rest):
        assert "apierrors.W501" not in {message.id for message in run_checks()}
