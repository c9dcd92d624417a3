"""Negotiation: one request, many Accept-Language headers; message and Content-Language compared."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation

from apierrors.http.language import best_match, parse_accept_language
from apierrors.i18n import fallback_chain
from apierrors.models import ErrorCode
from tests.conftest import log_row
from tests.sites.helpers import fresh_thread_language, with_locale_middleware  # noqa: F401

pytestmark = pytest.mark.django_db

TITLES = {
    "en": "Invalid Product ID",
    "fr": "ID de produit invalide",
    "de": "Ungültige Produkt-ID",
    "es": "ID de producto no válido",
}
MESSAGES = {
    "en": "The Product ID was invalid or missing",
    "fr": "L'ID de produit est invalide ou manquant",
    "de": "Die Produkt-ID ist ungültig oder fehlt",
    "es": "El ID de producto no es válido o falta",
}
NOT_FOUND = {
    "en": "Resource not found.",
    "fr": "Ressource introuvable.",
    "de": "Ressource nicht gefunden.",
    "es": "Recurso no encontrado.",
}

# Accept-Language -> the language of the answer. The site offers en, fr, de, es; LANGUAGE_CODE en.
HEADERS = {
    "en": "en",
    "fr": "fr",
    "de": "de",
    "es": "es",
    "fr-CA": "fr",
    "ES-mx": "es",
    "fr_FR": "fr",
    "pt": "en",
    "pt-BR, pt;q=0.9": "en",
    "*": "en",
    "": "en",
    # Malformed: the broken piece is skipped, the rest is read; nothing readable means en.
    "!!!": "en",
    "fr;q=": "en",
    "fr;q=2": "en",
    "de;q=0.5;level=1": "en",
    "fr;q=abc, de": "de",
    ",,, es ,": "es",
    "é, de": "de",
    # Quality values.
    "de;q=0.5, es;q=0.8": "es",
    "es;q=0.3, de;q=0.7, fr;q=0.5": "de",
    "fr;q=0.8, de;q=0.8": "fr",
    "fr-CA,fr;q=0.9,en-US;q=0.8,en;q=0.7": "fr",
    "en-US,en;q=0.9,de;q=0.8": "en",
    "fr;q=0": "en",
    "fr;q=0, de;q=0.1": "de",
    "es;q=0.000, de;q=0.001": "de",
    "en;q=0, *": "fr",
    "pt, *;q=0.5, en;q=0.1": "fr",
    "*;q=0": "en",
    "de-AT;q=0": "en",
}

# The headers the issue names, for the views that are not DRF's.
NAMED = [
    "en", "fr", "de", "es", "fr-CA", "pt", "*", "!!!", "es;q=0.3, de;q=0.7, fr;q=0.5", "fr;q=0",
    "fr;q=0, de;q=0.1",
]  # fmt: skip


@pytest.fixture(params=[False, True], ids=["plain", "locale-middleware"])
def locale_middleware(request, settings) -> bool:
    """Every answer must be the same whether the site runs Django's LocaleMiddleware or not."""
    if request.param:
        settings.MIDDLEWARE = with_locale_middleware(settings.MIDDLEWARE)
    return request.param


@pytest.mark.parametrize(("header", "language"), HEADERS.items(), ids=repr)
def test_drf_view_answers_in_the_negotiated_language(client, locale_middleware, header, language):
    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE=header)

    assert response.status_code == 400
    assert response["Content-Language"] == language
    body = response.json()
    assert (body["title"], body["detail"]) == (TITLES[language], MESSAGES[language])
    assert "Accept-Language" in response["Vary"]
    assert log_row(response).language == language


@pytest.mark.parametrize(("header", "language"), [(h, HEADERS[h]) for h in NAMED], ids=repr)
def test_plain_view_under_api_path_answers_in_the_negotiated_language(
    client, locale_middleware, header, language
):
    response = client.get("/api/t/plain/api_error/", HTTP_ACCEPT_LANGUAGE=header)

    assert response["Content-Language"] == language
    assert response.json()["detail"] == MESSAGES[language]


@pytest.mark.parametrize(("header", "language"), [(h, HEADERS[h]) for h in NAMED], ids=repr)
def test_unknown_api_url_answers_in_the_negotiated_language(
    client, locale_middleware, header, language
):
    response = client.get("/api/no/such/thing/", HTTP_ACCEPT_LANGUAGE=header)

    assert response.status_code == 404
    assert response["Content-Language"] == language
    assert response.json()["detail"] == NOT_FOUND[language]


@pytest.mark.parametrize("header", ["", "en", "fr", "fr-CA", "fr;q=0", "en;q=0, *"], ids=repr)
def test_successful_api_responses_name_their_language_and_vary_on_it(
    client, locale_middleware, header
):
    """A 200 under API paths says which language the view ran in, with or without Django's
    LocaleMiddleware (which, when present, is left to set both headers on the way out)."""
    response = client.get("/api/t/raise/nothing/", HTTP_ACCEPT_LANGUAGE=header)

    assert response.status_code == 200
    assert response["Content-Language"] == HEADERS[header]
    assert [name.strip() for name in response["Vary"].split(",")].count("Accept-Language") == 1


def test_without_accept_language_the_answer_is_in_language_code(client):
    response = client.get("/api/t/raise/api_error/")

    assert response["Content-Language"] == "en"
    assert response.json()["detail"] == MESSAGES["en"]


@override_settings(LANGUAGE_CODE="de")
def test_language_code_is_the_fallback(client):
    for header in ("pt", "", "fr;q=0"):
        response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE=header)

        assert response["Content-Language"] == "de"
        assert response.json()["detail"] == MESSAGES["de"]


def test_the_language_cookie_wins_with_locale_middleware(client, settings):
    settings.MIDDLEWARE = with_locale_middleware(settings.MIDDLEWARE)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"

    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "es"
    assert response.json()["detail"] == MESSAGES["es"]


def test_a_url_language_prefix_wins_with_locale_middleware(client, settings):
    settings.MIDDLEWARE = with_locale_middleware(settings.MIDDLEWARE)
    settings.ROOT_URLCONF = "tests.sites.i18n_urls"

    response = client.get("/de/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "de"
    assert response.json()["detail"] == MESSAGES["de"]


def test_a_sites_own_language_choice_wins(client, settings):
    settings.MIDDLEWARE = ["tests.sites.middleware.ProfileLanguageMiddleware", *settings.MIDDLEWARE]

    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "de"
    assert response.json()["detail"] == MESSAGES["de"]


def test_successful_api_responses_say_their_language(client):
    response = client.get("/api/t/raise/nothing/", HTTP_ACCEPT_LANGUAGE="es;q=0.9, fr;q=0.2")

    assert response.status_code == 200
    assert response["Content-Language"] == "es"
    assert "Accept-Language" in response["Vary"]


def test_other_paths_keep_the_sites_language(client):
    response = client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response.status_code == 200
    assert "Content-Language" not in response
    assert 'lang="en"' in response.content.decode()


def test_the_language_of_a_request_does_not_outlive_it(client):
    client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="de")

    assert translation.get_language() == "en"


def test_content_language_names_the_language_of_the_message(client):
    # No French message: the English one is sent, and labelled English; the title stays French.
    ErrorCode.objects.filter(code="invalid_product_id").update(message_fr="")

    response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr")

    assert response["Content-Language"] == "en"
    assert response.json()["title"] == TITLES["fr"]
    assert response.json()["detail"] == MESSAGES["en"]


def test_an_empty_translation_never_reaches_the_client(client):
    ErrorCode.objects.filter(code="invalid_product_id").update(
        title_es="", message_es=None, action_es=""
    )

    body = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="es").json()

    assert (body["title"], body["detail"]) == (TITLES["en"], MESSAGES["en"])


def test_shipped_defaults_answer_in_the_negotiated_language_when_the_catalog_is_down(
    client, monkeypatch
):
    from django.db import DatabaseError
    from django.db.models.query import QuerySet

    def unreadable(self, *args, **kwargs):
        raise DatabaseError("no such table: apierrors_errorcode")

    monkeypatch.setattr(QuerySet, "values", unreadable)
    for header, language in (("es", "es"), ("fr-CA", "fr"), ("pt", "en")):
        response = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE=header)

        assert response["Content-Language"] == language
        assert response.json()["detail"] == MESSAGES[language]


# The parts, on their own ------------------------------------------------------------------------


def test_a_long_header_is_read_up_to_its_last_whole_range():
    header = "de;q=0.1," + "x-y;q=0.5," * 60 + "fr"

    assert len(header) > 500
    assert best_match(header) == "de"
    assert parse_accept_language("de," + "a" * 600) == (("de", 1.0),)
    assert parse_accept_language("a" * 600) == ()


def test_ranges_beyond_the_limit_are_ignored():
    assert best_match(",".join(["pt"] * 40 + ["es"])) is None
    assert best_match(",".join(["pt"] * 10 + ["es"])) == "es"


@override_settings(
    LANGUAGE_CODE="en",
    LANGUAGES=[("en", "English"), ("pt", "Portuguese"), ("pt-br", "Brazilian Portuguese")],
)
def test_regional_languages_of_the_site():
    assert best_match("pt-BR") == "pt-br"
    assert best_match("pt-PT") == "pt"
    assert best_match("pt-BR;q=0, pt") == "pt"
    # A missing Brazilian text falls back to Portuguese before LANGUAGE_CODE.
    assert fallback_chain("pt-br") == ("pt-br", "pt", "en")
    assert fallback_chain("en") == ("en",)


@override_settings(LANGUAGE_CODE="de-at", LANGUAGES=[("en", "English"), ("de-at", "Austrian")])
def test_a_base_language_range_finds_the_sites_regional_language():
    assert best_match("de") == "de-at"
    assert fallback_chain("en") == ("en", "de-at")


def test_lazy_texts_are_translated_into_the_language_asked_each_time():
    from django.utils import translation
    from rest_framework.exceptions import NotFound

    from apierrors.i18n import translated

    expected = {}
    for code in ("fr", "en", "de"):
        with translation.override(code):
            expected[code] = str(NotFound.default_detail)
    assert len(set(expected.values())) == 3

    with translation.override("es"):
        # Remembered or not, and whatever language is active, each answer is in its language.
        for code in ("fr", "en", "de", "fr", "en", "de"):
            assert translated(NotFound.default_detail, code) == expected[code]
    assert translated("plain text", "fr") == "plain text"


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (None, "Accept-Language"),
        ("Accept", "Accept, Accept-Language"),
        ("accept-language", "accept-language"),
        ("Cookie, Accept-Language", "Cookie, Accept-Language"),
        ("X-Accept-Language-Hint", "X-Accept-Language-Hint, Accept-Language"),
    ],
)
def test_vary_names_accept_language_once(before, after):
    from django.http import HttpResponse

    from apierrors.http.language import vary_on_language

    response = HttpResponse()
    if before is not None:
        response["Vary"] = before
    vary_on_language(response)
    vary_on_language(response)

    assert response["Vary"] == after


def test_a_default_text_raised_in_any_site_language_is_recognised():
    from django.utils import translation
    from rest_framework.exceptions import NotFound

    from apierrors.i18n import translations_of

    texts = translations_of(NotFound.default_detail)
    for code in ("en", "fr", "de", "es"):
        with translation.override(code):
            assert str(NotFound.default_detail) in texts
    assert "No widget 7." not in texts
