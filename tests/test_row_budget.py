"""What one hostile request can store: a row within LOG["MAX_ROW_BYTES"], saying what was cut;
and where its request id came from, so that a borrowed id is seen for what it is."""

from __future__ import annotations

import html
import json

import pytest

from apierrors.models import ErrorLog

pytestmark = pytest.mark.django_db

PARTS = (
    "request_body",
    "request_headers",
    "response_body",
    "params",
    "field_errors",
    "query_string",
    "response_text",
    "exception_message",
    "traceback",
    "path",
)


def stored_bytes(row: ErrorLog) -> int:
    total = 0
    for name in PARTS:
        value = getattr(row, name)
        if value in (None, {}, []):
            continue  # a column's empty default
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
        total += len(text.encode())
    return total


def hostile_request(client, path="/api/t/raise/crash/"):
    headers = {f"HTTP_X_PAD_{i}": f"{i}-" + "h" * 4000 for i in range(90)}
    body = {f"note{i}": "b" * 4_000 for i in range(16)}
    query = {"q": "q" * 20_000}
    return client.post(
        f"{path}?{'&'.join(f'{k}={v}' for k, v in query.items())}",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


def test_one_hostile_request_stores_a_row_within_its_byte_budget(client, admin_client):
    response = hostile_request(client)

    row = ErrorLog.objects.get(error_id=response["X-Error-Id"])
    assert response.status_code == 500
    assert stored_bytes(row) <= 65_536
    assert (
        {"request_body", "request_headers"}
        <= set(row.cut)
        <= {
            "request_body",
            "request_headers",
            "response_body",
            "query_string",
        }
    )
    assert row.cut["request_body"] > 60_000
    assert row.cut["request_headers"] > 60_000
    assert row.request_body == {
        "[truncated]": f"{row.cut['request_body']} bytes, cut to fit the row"
    }
    # What support needs most is kept whole.
    assert "RuntimeError: secret internals" in row.traceback
    assert row.path == "/api/t/raise/crash/"

    page = html.unescape(
        admin_client.get(f"/admin/apierrors/errorlog/{row.pk}/change/").content.decode()
    )
    assert (
        'This row was over LOG["MAX_ROW_BYTES"]: these parts were cut to fit (their sizes before, '
        f"in bytes): request body ({row.cut['request_body']:,}), request headers "
        f"({row.cut['request_headers']:,})"
    ) in page


def test_the_budget_is_a_setting_and_a_small_row_is_never_cut(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "LOG": {"MAX_ROW_BYTES": 4_000}}

    small = client.get("/api/t/raise/not_found/")
    big = hostile_request(client)

    assert ErrorLog.objects.get(error_id=small["X-Error-Id"]).cut == {}
    row = ErrorLog.objects.get(error_id=big["X-Error-Id"])
    assert stored_bytes(row) <= 4_000
    assert row.traceback.endswith(
        "RuntimeError: secret internals: password=[redacted] at /srv/app/settings.py\n"
    )
    assert {"request_body", "request_headers"} <= set(row.cut)
    assert "traceback" not in row.cut


def test_a_light_row_with_a_huge_query_fits_too(client, settings):
    settings.APIERRORS = {
        **settings.APIERRORS,
        "STORM": {"PATH_LIMIT": 1},
        "LOG": {"MAX_ROW_BYTES": 2_000},
    }
    client.get("/api/t/raise/not_found/")

    light = client.get("/api/t/raise/not_found/", {"q": "x" * 30_000})

    row = ErrorLog.objects.get(error_id=light["X-Error-Id"])
    assert row.detail_from
    assert stored_bytes(row) <= 2_000
    assert list(row.cut) == ["query_string"]


def test_a_borrowed_request_id_is_shown_as_the_clients(client, admin_client):
    victim = client.get("/api/t/raise/not_found/", HTTP_X_REQUEST_ID="req-victim-1")
    borrowed = client.get("/api/t/raise/crash/", HTTP_X_REQUEST_ID="req-victim-1")
    own = client.get("/api/t/raise/not_found/")

    rows = {r.error_id: r for r in ErrorLog.objects.all()}
    assert rows[victim["X-Error-Id"]].request_id_from_client is True
    assert rows[borrowed["X-Error-Id"]].request_id_from_client is True
    assert rows[own["X-Error-Id"]].request_id_from_client is False
    assert rows[own["X-Error-Id"]].request_id == own["X-Request-Id"]

    page = admin_client.get(
        f"/admin/apierrors/errorlog/{rows[victim['X-Error-Id']].pk}/change/"
    ).content.decode()
    assert (
        "This request id was sent by the client: any client may send any id, so the errors "
        "below may be another client&#x27;s."
    ) in page
    assert borrowed["X-Error-Id"] in page
    assert '<span class="apierrors-muted">(id sent by the client)</span></li>' in page
    own_page = admin_client.get(
        f"/admin/apierrors/errorlog/{rows[own['X-Error-Id']].pk}/change/"
    ).content.decode()
    assert "This request id was made by the server for this request." in own_page


def test_a_traceback_cut_keeps_its_end(client, settings):
    settings.APIERRORS = {**settings.APIERRORS, "LOG": {"MAX_ROW_BYTES": 600}}

    response = hostile_request(client)

    row = ErrorLog.objects.get(error_id=response["X-Error-Id"])
    assert "traceback" in row.cut
    assert row.cut["traceback"] > len(row.traceback.encode())
    assert row.traceback.endswith(
        "RuntimeError: secret internals: password=[redacted] at /srv/app/settings.py\n"
    )
    assert not row.traceback.startswith("Traceback (most recent call last)")
