"""Editors' path: how often each code occurs, drafts, and the preview of what clients receive."""

from __future__ import annotations

import datetime
import html as html_lib
import json
import re

import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from apierrors import APIError
from apierrors.admin import preview
from apierrors.core.ids import new_error_id
from apierrors.formats import FORMATS, get_formatter
from apierrors.http.pipeline import handle
from apierrors.models import ErrorCode, ErrorLog
from tests.conftest import stored_row

pytestmark = pytest.mark.django_db

CODES_URL = "/admin/apierrors/errorcode/"
PREVIEW_URL = "/admin/apierrors/errorcode/preview/"
LANGUAGES = ("en", "fr", "de", "es")


def log_at(code: str, when: datetime.datetime) -> ErrorLog:
    return stored_row(error_id=new_error_id(), code=code, status_code=400, created_at=when)


def cell(page: str, code: str, column: str) -> str:
    """The HTML inside one changelist cell of the row of ``code``."""
    row = re.search(rf"<tr>(?:(?!</tr>).)*>{code}</a></th>(.*?)</tr>", page, re.S)
    assert row is not None, f"no row for {code}"
    found = re.search(rf'<td class="field-{column}[^"]*">(.*?)</td>', row.group(1), re.S)
    assert found is not None, f"no {column} cell for {code}"
    return found.group(1)


def form_data(entry: ErrorCode, **changes: str) -> dict[str, str]:
    """The edit form of ``entry`` as a browser would post it, with ``changes``."""
    data = {
        "code": entry.code,
        "status_code": str(entry.status_code),
        "category": entry.category,
        "doc_url": entry.doc_url,
    }
    for flag in ("is_public", "is_retryable", "is_active", "is_draft"):
        if getattr(entry, flag):
            data[flag] = "on"
    for field in ("title", "message", "action"):
        for language in LANGUAGES:
            name = f"{field}_{language}"
            data[name] = getattr(entry, name) or ""
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def previews_in(page: str) -> dict[tuple[str, str], str]:
    """(format, language) -> the response text shown in a preview block."""
    shown: dict[tuple[str, str], str] = {}
    for format_name, block in re.findall(
        r'<details class="apierrors-format" data-format="([^"]+)"[^>]*>(.*?)</details>', page, re.S
    ):
        for language, text in re.findall(
            r'<section class="apierrors-response" data-language="([^"]+)">.*?<pre class="apierrors-json">(.*?)</pre>',
            block,
            re.S,
        ):
            shown[(format_name, language)] = html_lib.unescape(re.sub(r"<[^>]+>", "", text))
    return shown


def split_response(text: str) -> tuple[str, dict[str, str], dict]:
    head, _blank, body = text.partition("\n\n")
    status_line, *header_lines = head.splitlines()
    headers = dict(line.split(": ", 1) for line in header_lines)
    return status_line, headers, json.loads(body)


def without_ids(body: dict, *ids: str) -> dict:
    text = json.dumps(body)
    for value in ids:
        text = text.replace(value, "<id>")
    return json.loads(text)


@pytest.fixture
def invalid_product_id() -> ErrorCode:
    return ErrorCode.objects.rewrite(False).get(code="invalid_product_id")


# The list: occurrences, drafts, public --------------------------------------------------------


def test_the_list_counts_occurrences_over_24_hours_and_7_days(admin_client):
    now = timezone.now()
    for hours in (1, 5):
        log_at("invalid_product_id", now - datetime.timedelta(hours=hours))
    for days in (2, 3, 6):
        log_at("invalid_product_id", now - datetime.timedelta(days=days))
    log_at("invalid_product_id", now - datetime.timedelta(days=9))
    log_at("conflict", now - datetime.timedelta(days=8))

    page = admin_client.get(CODES_URL).content.decode()

    link = '<a href="/admin/apierrors/errorlog/?code=invalid_product_id">{}</a>'
    assert cell(page, "invalid_product_id", "occurrences_24h") == link.format(2)
    assert cell(page, "invalid_product_id", "occurrences_7d") == link.format(5)
    assert ">1\xa0hour ago</time>" in cell(page, "invalid_product_id", "last_seen_at")
    assert cell(page, "conflict", "occurrences_24h") == "0"
    assert cell(page, "conflict", "occurrences_7d") == "0"
    assert ">1\xa0week ago</time>" in cell(page, "conflict", "last_seen_at")
    assert cell(page, "bad_gateway", "last_seen_at") == "-"


def test_occurrences_cost_no_query_per_row(admin_client):
    now = timezone.now()
    for entry in ErrorCode.objects.all():
        for hours in (1, 30, 200):
            log_at(entry.code, now - datetime.timedelta(hours=hours))
    admin_client.get(CODES_URL)  # warm the session and content types
    with CaptureQueriesContext(connection) as one_row:
        admin_client.get(CODES_URL, {"status_code__exact": "502"})

    with CaptureQueriesContext(connection) as every_row:
        page = admin_client.get(CODES_URL).content.decode()

    assert page.count('<td class="field-occurrences_7d">') == ErrorCode.objects.count() > 30
    assert len(every_row.captured_queries) == len(one_row.captured_queries)
    assert cell(page, "bad_request", "occurrences_7d").endswith(">2</a>")
    assert cell(page, "bad_request", "occurrences_24h").endswith(">1</a>")


def test_the_list_sorts_by_occurrences(admin_client):
    now = timezone.now()
    for _ in range(3):
        log_at("conflict", now)
    log_at("bad_request", now)
    page = admin_client.get(CODES_URL).content.decode()
    header = re.search(
        r'<th scope="col" class="sortable column-occurrences_24h">(.*?)</th>', page, re.S
    )
    ascending = html_lib.unescape(re.search(r'<a [^>]*href="([^"]+)"', header.group(1)).group(1))
    descending = ascending.replace("o=", "o=-", 1)

    ranked = admin_client.get(CODES_URL + descending).content.decode()

    codes = re.findall(r'<th class="field-code"><a href="[^"]+">([a-z_]+)</a></th>', ranked)
    assert codes[:2] == ["conflict", "bad_request"]


def test_an_editor_without_the_log_permission_sees_counts_without_links(client, django_user_model):
    log_at("conflict", timezone.now())
    editor = django_user_model.objects.create_user("editor", password="pw", is_staff=True)
    editor.user_permissions.add(Permission.objects.get(codename="change_errorcode"))
    client.force_login(editor)

    page = client.get(CODES_URL).content.decode()

    assert cell(page, "conflict", "occurrences_24h") == "1"


def test_drafts_are_announced_and_filterable(admin_client, client):
    client.get("/api/t/raise/unknown_code/")

    page = admin_client.get(CODES_URL).content.decode()

    assert (
        "Codes raised that the catalog does not describe yet: 1. "
        f'<a href="{CODES_URL}?is_draft__exact=1">Show the drafts</a>'
    ) in page
    drafts = admin_client.get(CODES_URL, {"is_draft__exact": "1"}).content.decode()
    codes = re.findall(r'<th class="field-code"><a href="[^"]+">([a-z_]+)</a></th>', drafts)
    assert codes == ["no_such_code"]
    assert 'field-is_draft"><img src="/static/admin/img/icon-yes.svg" alt="True">' in drafts
    assert "does not describe yet" not in drafts


def test_the_list_shows_whether_an_entry_is_public(admin_client):
    page = admin_client.get(CODES_URL).content.decode()

    assert 'alt="False"' in cell(page, "server_error", "is_public")
    assert 'alt="True"' in cell(page, "invalid_product_id", "is_public")


# The preview ------------------------------------------------------------------------------


def test_the_edit_page_previews_every_format_and_language(admin_client, invalid_product_id):
    page = admin_client.get(f"{CODES_URL}{invalid_product_id.pk}/change/").content.decode()

    shown = previews_in(page)
    assert set(shown) == {(name, language) for name in FORMATS for language in LANGUAGES}
    status_line, headers, body = split_response(shown[("problem", "fr")])
    assert status_line == "HTTP/1.1 400 Bad Request"
    assert headers["Content-Type"] == "application/problem+json"
    assert headers["Content-Language"] == "fr"
    assert body["title"] == "ID de produit invalide"
    assert 'data-url="/admin/apierrors/errorcode/preview/?object_id=' in page
    assert "apierrors/preview.js" in page and "apierrors/admin.css" in page
    # The site's own format is open; the others are one click away.
    assert '<details class="apierrors-format" data-format="problem" open>' in page


def client_response(entry_code: str, format_name: str, language: str, params: dict) -> tuple:
    """What the handler answers right now for the entry, in that format and language."""

    class View:
        error_format = format_name

    request = RequestFactory().get("/api/example/", HTTP_ACCEPT_LANGUAGE=language)
    response = handle(APIError(entry_code, **params), request, View())
    body = json.loads(response.content)
    return (
        f"HTTP/1.1 {response.status_code} {response.reason_phrase}",
        response["Content-Type"],
        without_ids(body, response["X-Error-Id"], response["X-Request-Id"]),
    )


@pytest.mark.parametrize(
    "changes",
    [
        {"message_fr": "Le produit {productId} est introuvable."},
        {"title_de": "Produkt fehlt", "status_code": "404"},
        {"is_active": None},
        {"is_public": None, "doc_url": "https://docs.example.com/errors/invalid-product-id"},
    ],
    ids=["french-message", "german-title-and-status", "inactive", "private-with-doc-url"],
)
def test_the_preview_is_what_clients_receive_once_saved(admin_client, invalid_product_id, changes):
    url = f"{CODES_URL}{invalid_product_id.pk}/change/"
    data = form_data(invalid_product_id, **changes)
    data = {key: value for key, value in data.items() if key not in changes or changes[key]}

    previewed = admin_client.post(f"{PREVIEW_URL}?object_id={invalid_product_id.pk}", data)
    assert previewed.status_code == 200
    shown = previews_in(previewed.content.decode())
    assert admin_client.post(url, data).status_code == 302

    params = preview.sample_params(
        preview.entry_row(ErrorCode.objects.get(pk=invalid_product_id.pk))
    )
    assert params == {"productId": "<productId>"} or "message_fr" not in changes
    for name in FORMATS:
        for language in LANGUAGES:
            status_line, headers, body = split_response(shown[(name, language)])
            expected = client_response("invalid_product_id", name, language, params)
            assert (
                status_line,
                headers["Content-Type"],
                without_ids(body, headers["X-Error-Id"], headers["X-Request-Id"]),
            ) == expected, (name, language)


def test_the_preview_follows_unsaved_text_and_the_catalog_does_not(
    admin_client, client, invalid_product_id
):
    data = form_data(invalid_product_id, message_fr="Produit {productId} introuvable !")

    previewed = admin_client.post(f"{PREVIEW_URL}?object_id={invalid_product_id.pk}", data)

    _status, _headers, body = split_response(
        previews_in(previewed.content.decode())[("problem", "fr")]
    )
    assert body["detail"] == "Produit <productId> introuvable !"
    answered = client.get("/api/t/raise/api_error/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert answered["detail"] == invalid_product_id.message_fr
    assert "introuvable" not in answered["detail"]
    assert not ErrorLog.objects.filter(path="/api/example/").exists()


def test_an_invalid_form_previews_its_errors(admin_client, invalid_product_id):
    data = form_data(invalid_product_id, message_en="The {product id is wrong")

    page = admin_client.post(
        f"{PREVIEW_URL}?object_id={invalid_product_id.pk}", data
    ).content.decode()

    assert "The preview waits for the form to be valid:" in page
    assert "Message [en]: An opening brace is never closed" in html_lib.unescape(page)
    assert previews_in(page) == {}


def test_the_add_page_previews_once_the_entry_is_filled_in(admin_client):
    page = admin_client.get(f"{CODES_URL}add/").content.decode()
    assert "Fill in the entry to see what clients would receive." in page
    assert f'data-url="{PREVIEW_URL}"' in page
    data = {
        "code": "Seat_Unavailable",
        "status_code": "409",
        "category": "conflict",
        "is_public": "on",
        "is_active": "on",
        "title_en": "Seat unavailable",
        "message_en": "Seat {seat} is taken.",
        "action_en": "",
        "doc_url": "",
    }

    previewed = admin_client.post(PREVIEW_URL, data).content.decode()

    _status, _headers, body = split_response(previews_in(previewed)[("catalog", "fr")])
    assert body["key"] == "seat_unavailable"
    assert body["message"] == "Seat <seat> is taken."
    assert not ErrorCode.objects.filter(code="seat_unavailable").exists()


def test_the_preview_needs_the_right_to_change(client, django_user_model, invalid_product_id):
    viewer = django_user_model.objects.create_user("viewer", password="pw", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_errorcode"))
    client.force_login(viewer)
    data = form_data(invalid_product_id)

    assert client.post(f"{PREVIEW_URL}?object_id={invalid_product_id.pk}", data).status_code == 403
    assert client.post(PREVIEW_URL, data).status_code == 403
    page = client.get(f"{CODES_URL}{invalid_product_id.pk}/change/").content.decode()
    assert ("problem", "fr") in previews_in(page)


def test_the_preview_url_takes_posts_only(admin_client, invalid_product_id):
    assert admin_client.get(f"{PREVIEW_URL}?object_id={invalid_product_id.pk}").status_code == 405


def test_the_action_previews_each_selected_entry_in_each_format(admin_client):
    entries = ErrorCode.objects.filter(code__in=["conflict", "invalid_product_id"])

    response = admin_client.post(
        CODES_URL,
        {"action": "preview_bodies", "_selected_action": [entry.pk for entry in entries]},
    )

    assert response.status_code == 200
    page = response.content.decode()
    sections = re.split(r'<fieldset class="module apierrors-preview-module">', page)[1:]
    assert [re.search(r">([a-z_]+)</a></h2>", section).group(1) for section in sections] == [
        "conflict",
        "invalid_product_id",
    ]
    for section in sections:
        assert set(previews_in(section)) == {(name, "en") for name in FORMATS}
        assert section.count("<details") == section.count(" open>") == len(FORMATS)
    _status, _headers, body = split_response(previews_in(sections[1])[("catalog", "en")])
    assert body["title"] == "Invalid Product ID"


def test_the_action_speaks_the_editors_language(admin_client):
    entry = ErrorCode.objects.get(code="invalid_product_id")

    page = admin_client.post(
        CODES_URL,
        {"action": "preview_bodies", "_selected_action": [entry.pk]},
        HTTP_ACCEPT_LANGUAGE="fr",
    ).content.decode()

    _status, _headers, body = split_response(previews_in(page)[("problem", "fr")])
    assert body["title"] == "ID de produit invalide"
    assert "response in every format, in French, as the error handler builds it" in page


def test_a_format_that_fails_is_shown_as_failing(settings, invalid_product_id):
    settings.APIERRORS = {
        **settings.APIERRORS,
        "FORMAT_BY_PATH": {"/v2/": "tests.no.SuchFormatter"},
    }

    previews = preview.preview(preview.entry_row(invalid_product_id), languages=["en"])

    broken = next(item for item in previews if item.name == "tests.no.SuchFormatter")
    assert broken.used_for == ("/v2/",)
    assert broken.responses[0].failure.startswith("ModuleNotFoundError: No module named 'tests.no'")
    names = [item.name for item in previews]
    assert names[:2] == ["problem", "tests.no.SuchFormatter"]
    assert set(names) == {"tests.no.SuchFormatter", *FORMATS}
    assert previews[0].media_type == get_formatter("problem").media_type
