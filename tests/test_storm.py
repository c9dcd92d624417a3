"""Error storms: every error keeps a row of its own; past the limits the row is kept light."""

from __future__ import annotations

import logging
import re

import pytest
from django.http import HttpResponseNotFound
from django.test import RequestFactory

from apierrors.log import storm
from apierrors.middleware import APIErrorsMiddleware
from apierrors.models import ErrorLog
from tests.conftest import a_record

pytestmark = pytest.mark.django_db

LIGHT_EMPTY = {
    "exception_message": "",
    "traceback": "",
    "params": {},
    "field_errors": [],
    "request_headers": {},
    "request_body": None,
    "response_body": None,
    "response_text": "",
}


def unknown_url_burst(count: int, path=lambda i: "/api/no/such/page/", **headers):
    """``count`` requests for unknown URLs under /api/, through the app's middleware and
    handler as Django would call them (URL resolution aside, which finds nothing)."""
    middleware = APIErrorsMiddleware(lambda request: HttpResponseNotFound())
    factory = RequestFactory()
    return [middleware(factory.get(path(i), **headers)) for i in range(count)]


def rows_by_error_id(responses) -> dict[str, ErrorLog]:
    error_ids = [r["X-Error-Id"] for r in responses]
    rows = {row.error_id: row for row in ErrorLog.objects.filter(error_id__in=error_ids)}
    assert sorted(rows) == sorted(error_ids), "an error_id the client received has no row"
    return rows


def light_part(row: ErrorLog) -> dict:
    return {name: getattr(row, name) for name in LIGHT_EMPTY}


@pytest.mark.slow
def test_10000_identical_404s_keep_10000_rows_10_of_them_full(settings):
    # One window for the whole burst, however long a loaded machine takes to send it.
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"WINDOW": 3600}}
    responses = unknown_url_burst(10_000, HTTP_X_REQUEST_ID="burst-1")

    assert {r.status_code for r in responses} == {404}
    rows = rows_by_error_id(responses)
    assert ErrorLog.objects.count() == 10_000
    full = [rows[r["X-Error-Id"]] for r in responses[:10]]
    light = [rows[r["X-Error-Id"]] for r in responses[10:]]
    assert {row.detail_from for row in full} == {""}
    assert all(row.response_text and row.request_headers for row in full)
    # Each light row points to the latest full row of the same error, and keeps its own facts.
    assert {row.detail_from for row in light} == {responses[9]["X-Error-Id"]}
    assert {light_part(row) == LIGHT_EMPTY for row in light} == {True}
    assert {
        (row.code, row.status_code, row.method, row.path, row.request_id, row.language)
        for row in light
    } == {("not_found", 404, "GET", "/api/no/such/page/", "burst-1", "en")}
    assert {row.exception_class for row in light} == {"django.http.response.Http404"}


def test_a_bot_walking_404s_keeps_a_row_per_path_and_100_full_ones():
    responses = unknown_url_burst(500, path=lambda i: f"/api/walk/{i}/")

    rows = rows_by_error_id(responses)
    full = [row for row in rows.values() if not row.detail_from]
    assert len(full) == 100
    assert {rows[r["X-Error-Id"]].path for r in responses} == {
        f"/api/walk/{i}/" for i in range(500)
    }
    assert {row.detail_from for row in rows.values() if row.detail_from} == {
        responses[99]["X-Error-Id"]
    }


def test_an_error_that_fails_another_way_keeps_its_detail_past_the_limit(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"CODE_LIMIT": 2, "PATH_LIMIT": None}}

    first = [client.get("/api/t/raise/not_found/") for _ in range(3)]
    # Same code, another exception class and traceback: the first of its kind is kept whole.
    other = [client.get("/api/t/raise/http404/") for _ in range(2)]

    rows = rows_by_error_id(first + other)
    assert [rows[r["X-Error-Id"]].detail_from for r in first] == [
        "",
        "",
        first[1]["X-Error-Id"],
    ]
    assert [rows[r["X-Error-Id"]].detail_from for r in other] == ["", other[0]["X-Error-Id"]]
    assert rows[other[0]["X-Error-Id"]].exception_class == "django.http.response.Http404"
    assert {rows[r["X-Error-Id"]].code for r in first + other} == {"not_found"}


def test_windows_reopen_and_codes_are_limited_apart(settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"PATH_LIMIT": 2, "WINDOW": 10}}
    gate = storm.Storm()

    def head(code, path="/p/"):
        return a_record(code=code, method="GET", path=path, detail_key=(code,))

    a = [head("a") for _ in range(3)]
    b = [head("b") for _ in range(2)]
    a_later = head("a")

    assert [gate.decide(item, now=0.0) for item in a] == [None, None, a[1]["error_id"]]
    assert [gate.decide(item, now=1.0) for item in b] == [None, None]
    # The window closed: "a" is stored whole again, twice, then points to the latest.
    again = head("a")
    assert gate.decide(a_later, now=10.5) is None
    assert gate.decide(again, now=10.6) is None
    assert gate.decide(head("a"), now=10.7) == again["error_id"]


def test_the_latest_full_row_is_the_one_pointed_to(settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"PATH_LIMIT": 1, "WINDOW": 10}}
    gate = storm.Storm()

    def head():
        return a_record(code="c", method="GET", path="/p/", detail_key=("c",))

    first, second, third, fourth = head(), head(), head(), head()
    assert gate.decide(first, now=0.0) is None
    assert gate.decide(second, now=1.0) == first["error_id"]
    assert gate.decide(third, now=10.0) is None
    assert gate.decide(fourth, now=11.0) == third["error_id"]


def test_light_rows_are_logged_at_debug_with_their_error_id(caplog):
    with caplog.at_level(logging.DEBUG, logger="apierrors.storm"):
        responses = unknown_url_burst(12)

    lines = [r.getMessage() for r in caplog.records if r.name == "apierrors.storm"]
    assert lines == [
        f"apierrors error_id={r['X-Error-Id']} stored light, its detail in "
        f"error_id={responses[9]['X-Error-Id']} (storm control: not_found GET /api/no/such/page/)"
        for r in responses[10:]
    ]


def test_storm_limits_can_be_turned_off(settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"PATH_LIMIT": None, "CODE_LIMIT": None}}

    responses = unknown_url_burst(50)

    assert [row.detail_from for row in rows_by_error_id(responses).values()] == [""] * 50


def test_a_light_row_keeps_no_secret_of_its_path_or_query():
    card = "4111111111111111"
    responses = unknown_url_burst(12, path=lambda i: f"/api/cards/{card}/?token=s3cret&page={i}")

    rows = rows_by_error_id(responses)
    light = rows[responses[-1]["X-Error-Id"]]
    assert light.detail_from
    assert light.path == "/api/cards/[redacted]/"
    assert light.query_string == '{"token": "[redacted]", "page": ["11"]}'
    stored = ErrorLog.objects.values_list("path", "query_string", "response_text")
    assert card not in repr(list(stored))
    assert "s3cret" not in repr(list(stored))


def test_the_record_page_of_a_light_row_shows_the_full_rows_detail(admin_client, client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"PATH_LIMIT": 1}}
    full_response = client.get("/api/t/raise/crash/", HTTP_X_TRACE="first-request")
    light_response = client.get("/api/t/raise/crash/?page=2", HTTP_X_TRACE="second-request")
    full = ErrorLog.objects.get(error_id=full_response["X-Error-Id"])
    light = ErrorLog.objects.get(error_id=light_response["X-Error-Id"])
    assert light.detail_from == full.error_id
    assert "RuntimeError: secret internals" in full.traceback

    page = admin_client.get(f"/admin/apierrors/errorlog/{light.pk}/change/").content.decode()

    assert (
        "Kept light during an error storm: its detail is that of the same error in "
        f'<a href="/admin/apierrors/errorlog/{full.pk}/change/">{full.error_id}</a>. The request '
        "headers and body, the response body and what broke below are taken from that row."
    ) in page
    assert page.count(f'<span class="apierrors-muted">from {full.error_id}</span>') >= 4
    assert "first-request" in page
    assert "second-request" not in page
    assert "RuntimeError: secret internals" in page
    # Its own facts are its own.
    assert light.error_id in page
    assert "?page=2" in page
    own = admin_client.get(f"/admin/apierrors/errorlog/{full.pk}/change/").content.decode()
    assert "Kept light" not in own
    assert 'apierrors-muted">from ' not in own


def test_a_light_row_whose_full_row_was_pruned_says_so(admin_client, client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "STORM": {"PATH_LIMIT": 1}}
    full_id = client.get("/api/t/raise/not_found/")["X-Error-Id"]
    light_id = client.get("/api/t/raise/not_found/")["X-Error-Id"]
    ErrorLog.objects.filter(error_id=full_id).delete()
    light = ErrorLog.objects.get(error_id=light_id)

    page = admin_client.get(f"/admin/apierrors/errorlog/{light.pk}/change/").content.decode()

    assert (
        f"Kept light during an error storm. The full row it points to, <code>{full_id}</code>, "
        "is no longer in the log."
    ) in page


def test_a_pasted_light_error_id_opens_its_own_record(admin_client):
    responses = unknown_url_burst(12)
    light_id = responses[11]["X-Error-Id"]

    response = admin_client.get("/admin/apierrors/errorlog/", {"q": light_id.lower()})

    row = ErrorLog.objects.get(error_id=light_id)
    assert response.status_code == 302
    assert response["Location"] == f"/admin/apierrors/errorlog/{row.pk}/change/"


def test_the_catalog_list_counts_every_error_of_a_storm(admin_client):
    unknown_url_burst(25)

    html = admin_client.get("/admin/apierrors/errorcode/", {"q": "not_found"}).content.decode()

    assert ErrorLog.objects.count() == 25
    row = next(row for row in html.split("<tr>") if ">not_found</a></th>" in row)
    assert re.search(r'<td class="field-occurrences_24h"><a href="[^"]+">25</a></td>', row)


def test_full_and_light_rows_store_a_path_without_control_characters():
    responses = unknown_url_burst(12, path=lambda i: "/api/a%0Ab%1B%5B2J%07/")

    rows = rows_by_error_id(responses)
    paths = {row.path for row in rows.values()}
    assert paths == {"/api/a\\x0ab\\x1b[2J\\x07/"}
    assert {bool(row.detail_from) for row in rows.values()} == {False, True}
