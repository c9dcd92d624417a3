"""Untrusted input: request ids validated, echoed params capped, error_ids unguessable, no
terminal driven by what the log keeps."""

from __future__ import annotations

import io
import json
from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from django.core.management import call_command

from apierrors import APIError
from apierrors.catalog.store import bump_version
from apierrors.core import ids
from apierrors.formats import FORMATS
from apierrors.models import ErrorCode, ErrorLog
from tests.conftest import log_row, site_format
from tests.testapp import views

pytestmark = pytest.mark.django_db

HOSTILE_REQUEST_IDS = [
    "abc\n",
    "abc\r\nSet-Cookie: session=evil",
    "",
    " ",
    "\t",
    "abc\x00def",
    "-leading-dash",
    ".leading-dot",
    "a" * 129,
    "id with spaces",
    "<script>alert(1)</script>",
    "../../etc/passwd",
    "é",
    "\uff41\uff42\uff43",  # full-width letters
    "١٢٣",  # Arabic-Indic digits: digits to str.isdigit, not to the charset
    "a;b",
    "a/b",
]
PATHS = ["/api/t/raise/not_found/", "/api/t/plain/http404/", "/api/no/such/endpoint/"]


@pytest.mark.parametrize("hostile", HOSTILE_REQUEST_IDS)
def test_hostile_request_ids_are_replaced_never_reflected(client, hostile):
    for path in PATHS:
        response = client.get(path, HTTP_X_REQUEST_ID=hostile)

        assert response.status_code == 404, path
        replaced = response["X-Request-Id"]
        assert replaced != hostile
        assert len(replaced) == 32 and int(replaced, 16) >= 0
        assert hostile.strip() == "" or hostile not in response.content.decode()
        assert log_row(response).request_id == replaced


@pytest.mark.parametrize(
    "valid", ["a", "a" * 128, "req-2024.11:abc_1", "0123456789abcdef", "Z9._:-"]
)
def test_safe_request_ids_are_echoed_and_logged(client, valid):
    for path in PATHS:
        response = client.get(path, HTTP_X_REQUEST_ID=valid)

        assert response["X-Request-Id"] == valid
        assert log_row(response).request_id == valid


def test_a_hostile_request_id_on_a_successful_response(client):
    response = client.get("/api/t/raise/nothing/", HTTP_X_REQUEST_ID="abc\n")

    assert response.status_code == 200
    assert len(response["X-Request-Id"]) == 32


def test_echoed_params_are_cut_to_max_param_length(client, settings, no_storm):
    ErrorCode.objects.filter(code="invalid_product_id").update(message_en="No product {productId}.")
    bump_version()
    long_value = "9" * 5000
    for limit in (200, 10):
        settings.APIERRORS = {**settings.APIERRORS, "MAX_PARAM_LENGTH": limit}
        for name in FORMATS:
            with site_format(name):
                views.INJECTED[:] = [APIError("invalid_product_id", productId=long_value)]

                response = client.get("/api/t/injected/")

                text = response.content.decode()
                assert f"No product {'9' * limit}…." in text, (name, limit)
                assert "9" * (limit + 1) not in text
                assert log_row(response).params == {"productId": "9" * limit + "…"}


def test_error_ids_are_unguessable():
    generated = [ids.new_error_id() for _ in range(10_000)]

    # The time prefix is shared by ids of one millisecond; the 16 random characters
    # (80 bits) are not, so knowing one id tells nothing of its neighbours.
    randoms = {value[10:] for value in generated}
    assert len(randoms) == 10_000
    by_position = [{value[10 + i] for value in generated} for i in range(1, 16)]
    assert all(len(chars) == 32 for chars in by_position)
    now = datetime.now(tz=timezone.utc)
    assert abs(ids.error_id_time(generated[-1]) - now) < timedelta(seconds=5)


def test_a_guessed_error_id_opens_nothing_in_the_admin(admin_client, client):
    real = client.get("/api/t/raise/crash/")["X-Error-Id"]
    guessed = real[:10] + ("0" * 16 if real[10:] != "0" * 16 else "1" * 16)

    assert admin_client.get(f"/admin/apierrors/errorlog/{real}/change/").status_code == 200
    response = admin_client.get(f"/admin/apierrors/errorlog/{guessed}/change/")

    assert response.status_code == 302  # the admin's "does not exist" redirect
    assert ErrorLog.objects.count() == 1


# Control characters --------------------------------------------------------------------------

# Retitle the terminal (OSC), ring it (BEL), clear it (CSI), and C1's one-byte CSI and NEL.
ESCAPES = "\x1b]0;owned\x07\x1b[2J\x9b31m\x85\x7f\x00"
ESCAPED = "\\x1b]0;owned\\x07\\x1b[2J\\x9b31m\\x85\\x7f\\x00"
RAW = [chr(code) for code in [*range(0x20), *range(0x7F, 0xA0)] if chr(code) not in "\n\t"]


def stored_texts(row: ErrorLog) -> str:
    """Every text column of a row, and every string in its JSON columns, as one text."""
    texts = []
    for field in row._meta.concrete_fields:
        value = getattr(row, field.attname)
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, dict | list):
            texts.append(json.dumps(value, ensure_ascii=False))
    return "\n".join(texts).replace("\\n", "")


def lookup(error_id: str) -> str:
    out = io.StringIO()
    call_command("apierrors_lookup", error_id, stdout=out)
    return out.getvalue()


def test_control_characters_are_stored_and_printed_escaped(client, no_storm):
    unknown = client.post(
        f"/api/no/such/{ESCAPES}/?q={quote(ESCAPES)}",
        {f"key{ESCAPES}": f"value{ESCAPES}", "note": "two\nlines\tand a tab"},
        format="json",
        HTTP_X_TITLE=ESCAPES,
    )
    crash = client.post(
        f"/api/t/raise/crash/?q={quote(ESCAPES)}", f"text {ESCAPES}", content_type="text/plain"
    )

    row = log_row(unknown)
    assert row.path == f"/api/no/such/{ESCAPED}/"
    assert json.loads(row.query_string) == {"q": [ESCAPED]}
    assert row.request_headers["X-Title"] == ESCAPED
    assert row.request_body == {
        f"key{ESCAPED}": f"value{ESCAPED}",
        "note": "two\nlines\tand a tab",
    }
    crashed = log_row(crash)
    assert crashed.request_body == f"text {ESCAPED}"
    assert crashed.traceback.startswith("Traceback (most recent call last):\n")
    assert crashed.traceback.count("\n") > 3
    for response in (unknown, crash):
        stored = stored_texts(log_row(response))
        printed = lookup(response["X-Error-Id"])
        assert not [char for char in RAW if char in stored], response.status_code
        assert not [char for char in RAW if char in printed], response.status_code
    assert f"request     POST /api/no/such/{ESCAPED}/\n" in lookup(unknown["X-Error-Id"])
    assert "\nTraceback\n  Traceback (most recent call last):\n" in lookup(crash["X-Error-Id"])


def test_lookup_escapes_what_older_rows_hold_raw(client):
    response = client.get("/api/t/raise/crash/")
    raw = ESCAPES.replace("\x00", "")  # PostgreSQL stores no NUL
    escaped = ESCAPED.replace("\\x00", "")
    ErrorLog.objects.filter(error_id=response["X-Error-Id"]).update(
        path=f"/api/{raw}\nforged: line",
        request_id=raw,
        exception_message=raw,
        traceback=f"first line\n{raw}\tlast line",
        request_headers={"X-Title": raw},
    )

    printed = lookup(response["X-Error-Id"])

    assert not [char for char in RAW if char in printed]
    lines = printed.splitlines()
    assert f"request     GET /api/{escaped}\\x0aforged: line" in lines
    assert f"request id  {escaped}" in lines
    assert "  first line" in lines
    assert f"  {escaped}\tlast line" in lines
    # JSON writes C0 controls as \\u escapes itself.
    assert '    "X-Title": "\\u001b]0;owned\\u0007\\u001b[2J\\x9b31m\\x85\\x7f"' in lines
