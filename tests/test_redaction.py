"""What the log keeps of a request: secrets replaced at any depth, every structure bounded."""

from __future__ import annotations

import json
import time

import pytest
from django.core.checks import run_checks
from django.core.files.uploadedfile import SimpleUploadedFile

from apierrors.log import redaction
from apierrors.log.body import loads_bounded
from apierrors.log.redaction import REDACTED, TRUNCATED, redact, redact_text, scan
from tests.conftest import log_row

JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZGEiLCJyb2xlIjoiYWRtaW4ifQ"
    ".c2lnbmF0dXJlLXNlY3JldC12YWx1ZQ"
)
CARD = "4111 1111 1111 1111"
PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEAsecretkeymaterial\n"
    "-----END RSA PRIVATE KEY-----"
)


def everything(row) -> str:
    """Every stored field of a log row, as one text to search for secrets."""
    return json.dumps(
        {
            field.name: getattr(row, field.name)
            for field in row._meta.fields
            if field.name not in ("id", "created_at", "last_seen_at")
        },
        ensure_ascii=False,
    )


def depth_of(value) -> int:
    depth = 0
    while isinstance(value, dict | list) and value:
        value = next(iter(value.values())) if isinstance(value, dict) else value[0]
        depth += 1
    return depth


def assert_cut_text(stored: str, char: str) -> None:
    """Cut at LOG["MAX_TEXT"] (4096), less the trailing run of up to 128 token characters that a
    cut may split (it could be half a secret)."""
    assert stored.endswith(TRUNCATED)
    kept = stored[: -len(TRUNCATED)]
    assert set(kept) == {char}
    assert 4096 - 128 <= len(kept) <= 4096


# Scanners --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"card {CARD} declined", f"card {REDACTED} declined"),
        ("card 4111-1111-1111-1111.", f"card {REDACTED}."),
        ("card 4111111111111111", f"card {REDACTED}"),
        ("number 4111111111111112 fails Luhn", "number 4111111111111112 fails Luhn"),
        (f"qty 12 {CARD} shipped", f"qty {REDACTED} shipped"),
        (f"1 2 {CARD}", REDACTED),
        ("amex 3782 822463 10005.", f"amex {REDACTED}."),
        (
            "digits 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 are no card",
            "digits 4 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 are no card",
        ),
        ("call 555 0100 or 555 0199", "call 555 0100 or 555 0199"),
        ("order 123456789012 is short", "order 123456789012 is short"),
        ("id ab4111111111111111cd is a word", "id ab4111111111111111cd is a word"),
        (f"token {JWT} here", f"token {REDACTED} here"),
        ("Authorization: Bearer abc.DEF-123_xyz", f"Authorization: {REDACTED} {REDACTED}"),
        ("header Bearer abc.DEF-123_xyz", f"header Bearer {REDACTED}"),
        ("Basic dXNlcjpwYXNzd29yZA==", f"Basic {REDACTED}"),
        ("Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", f"Token {REDACTED}"),
        ("Bearer abcdefghijklmnopqrstuvwxyz", f"Bearer {REDACTED}"),
        ("Token Required", "Token Required"),
        ("Bearer authentication failed", "Bearer authentication failed"),
        (f"key\n{PRIVATE_KEY}\nend", f"key\n{REDACTED}\nend"),
        ("cut -----BEGIN PRIVATE KEY-----\nMIIE", f"cut {REDACTED}"),
        (
            "db postgres://app:s3cr3t@db.internal:5432/x",
            f"db postgres://{REDACTED}@db.internal:5432/x",
        ),
        ("git https://ghp_abcdef@github.com/o/r", f"git https://{REDACTED}@github.com/o/r"),
        ("see https://example.com/path?q=1", "see https://example.com/path?q=1"),
        ("password=hunter2&next=/", f"password={REDACTED}&next=/"),
        ('{"api_key": "abc", "name": "Ada"}', f'{{"api_key": {REDACTED}, "name": "Ada"}}'),
        ("{'Session-Id': 'xyz'}", f"{{'Session-Id': {REDACTED}}}"),
        ("the session expired", "the session expired"),
        ("plain text stays", "plain text stays"),
        ("pin=1234 spinner=5 error_code=E1", f"pin={REDACTED} spinner=5 error_code=E1"),
        ("privateKey: abc, mfa_code: 99", f"privateKey: {REDACTED}, mfa_code: {REDACTED}"),
        ("GET /cb?code=abc&state=x code=E1", f"GET /cb?code={REDACTED}&state=x code=E1"),
        ("a=password=x", f"a=password={REDACTED}"),
    ],
)
def test_scanners_replace_what_they_recognize_and_nothing_else(text, expected):
    assert scan(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "x" * 65536,
        "eyJ" * 22000,
        "1" * 65536,
        "1 " * 32768,
        "1234 " * 13000,
        "bearer " * 9000,
        "password" * 8000,
        "a://" * 16000,
        "-----BEGIN " * 6000,
        "token" + " " * 65536,
        "a=" * 32768,
        "pin: " * 13000,
        ":" * 65536,
        "x" * 65536 + "=1",
    ],
)
def test_scanning_pathological_text_is_linear(text):
    started = time.perf_counter()

    scan(text)

    assert time.perf_counter() - started < 2.0


def test_a_cut_never_keeps_half_a_secret():
    text = "x" * 4080 + " " + JWT

    stored = redact_text(text)

    assert stored.endswith(TRUNCATED)
    assert "eyJ" not in stored
    tail = redact_text("Traceback\n" + "y" * 5000, 100, keep="tail")
    assert tail.startswith(TRUNCATED) and len(tail) <= 100 + len(TRUNCATED)


# Structures ------------------------------------------------------------------------------------


def test_denylisted_keys_keep_their_name_and_lose_their_value_at_any_depth():
    data = {"user": {"profile": {"Password": "hunter2", "X-API-Key": ["a", "b"], "name": "Ada"}}}
    data["user"]["profile"]["nested"] = {"client_secret": {"deeper": "s"}}

    assert redact(data) == {
        "user": {
            "profile": {
                "Password": REDACTED,
                "X-API-Key": REDACTED,
                "name": "Ada",
                "nested": {"client_secret": REDACTED},
            }
        }
    }


@pytest.mark.parametrize(
    "name",
    [
        "password",
        "new_password",
        "userpassword",
        "privateKey",
        "private_key",
        "private-key",
        "PRIVATEKEY",
        "rsaPrivateKey",
        "accessKey",
        "creditCard",
        "creditCardNumber",
        "X-API-Key",
        "X-CSRFToken",
        "refresh",
        "pin",
        "PIN",
        "card_pin",
        "pinCode",
        "mfa",
        "mfa_code",
        "otp",
        "pw",
        "newPw",
        "pass",
        "pass-phrase",
        "ssn",
        "userSSN",
        "auth",
        "X-Auth",
        "HTTP_X_AUTH",
        "cvv2",
    ],
)
def test_denylisted_names_match_whatever_their_case_and_separators(name):
    assert redaction.is_sensitive(name)
    assert redaction.is_sensitive(name, query=True)


@pytest.mark.parametrize(
    "name",
    [
        "spinner",
        "pinned",
        "passenger",
        "bypass",
        "author",
        "authority",
        "shopping",
        "topic",
        "code",
        "error_code",
        "country_code",
        "zip_code",
        "key",
        "sort_key",
        "name",
        "value",
    ],
)
def test_short_names_match_whole_words_only(name):
    assert not redaction.is_sensitive(name)


@pytest.mark.parametrize(("name", "expected"), [("code", True), ("key", True), ("Code", True)])
def test_query_only_names_match_a_whole_query_parameter_name(name, expected):
    assert redaction.is_sensitive(name, query=True) is expected
    assert not redaction.is_sensitive(f"country_{name}", query=True)
    assert not redaction.is_sensitive(name)


def test_name_value_items_naming_a_secret_lose_their_value():
    data = {
        "headers": [
            {"name": "Authorization", "value": "planted-1"},
            {"name": "Accept", "value": "text/html"},
        ],
        "settings": [{"key": "password", "value": "planted-2"}, {"Key": "theme", "Value": "dark"}],
        "field": {"Name": "otp", "Value": ["planted-3"], "type": "text"},
    }

    assert redact(data) == {
        "headers": [
            {"name": "Authorization", "value": REDACTED},
            {"name": "Accept", "value": "text/html"},
        ],
        "settings": [{"key": "password", "value": REDACTED}, {"Key": "theme", "Value": "dark"}],
        "field": {"Name": "otp", "Value": REDACTED, "type": "text"},
    }


def test_card_numbers_sent_as_floats_are_redacted():
    assert redact(
        {
            "a": 4111111111111111.0,
            "b": 4.111111111111111e15,
            "c": -4111111111111111.0,
            "not_luhn": 4111111111111112.0,
            "beyond_precision": 9.1e15,
            "twenty_digits": 1e19,
            "fraction": 1234567890123.5,
            "small": 0.5,
        }
    ) == {
        "a": REDACTED,
        "b": REDACTED,
        "c": REDACTED,
        "not_luhn": 4111111111111112.0,
        "beyond_precision": REDACTED,
        "twenty_digits": 1e19,
        "fraction": 1234567890123.5,
        "small": 0.5,
    }


def test_secret_values_are_found_under_any_key_and_in_numbers():
    data = {"note": f"paid with {CARD}", "items": [{"ref": JWT}], "card": 4111111111111111}

    assert redact(data) == {
        "note": f"paid with {REDACTED}",
        "items": [{"ref": REDACTED}],
        "card": REDACTED,
    }
    assert redact({"count": 4111111111111112, "small": 42}) == {
        "count": 4111111111111112,
        "small": 42,
    }


def test_structures_are_capped_in_depth_width_length_and_size():
    deep: list = []
    node = deep
    for _ in range(100_000):  # far past Python's recursion limit
        node.append([])
        node = node[0]
    wide = {f"k{i}": i for i in range(10_000)}
    long = "a" * 100_000
    cyclic: dict = {"name": "loop"}
    cyclic["self"] = cyclic

    stored_deep = redact(deep)
    stored_wide = redact(wide)
    stored_long = redact(long)
    stored_cyclic = redact(cyclic)
    stored_big = redact([long] * 1000)

    assert depth_of(stored_deep) == 20
    assert TRUNCATED in json.dumps(stored_deep)
    assert len(stored_wide) == 201 and stored_wide[TRUNCATED] == TRUNCATED
    assert_cut_text(stored_long, "a")
    assert TRUNCATED in json.dumps(stored_cyclic)
    assert len(json.dumps(stored_big)) < 65536 + 4096 * 2
    assert stored_big[-1] == TRUNCATED


def test_what_a_database_cannot_store_is_replaced():
    assert redact({"a\x00b": ["x\x00y", float("nan"), float("-inf"), 1.5]}) == {
        "a\\x00b": ["x\\x00y", "nan", "-inf", 1.5]
    }


def test_uploaded_files_are_kept_as_name_and_size():
    upload = SimpleUploadedFile("report.pdf", b"%PDF secret content")

    assert redact({"file": upload}) == {"file": {"file_name": "report.pdf", "size": 19}}


def test_the_caps_and_the_denylist_are_settings(settings):
    settings.APIERRORS = {
        **settings.APIERRORS,
        "REDACT": {
            "KEYS": [*redaction.SENSITIVE_KEYS, "email"],
            "SCANNERS": ["jwt"],
            "PATTERNS": [r"ACCT-\d{6}"],
        },
        "LOG": {"MAX_DEPTH": 2, "MAX_ITEMS": 3, "MAX_TEXT": 20},
    }

    assert redact(
        {
            "contact_email": "a@b.co",
            "ref": "ACCT-123456",
            "card": CARD,
            "jwt": JWT,
            "deep": {"deeper": {"deepest": 1}},
        }
    ) == {
        "contact_email": REDACTED,
        "ref": REDACTED,
        "card": CARD,  # the card scanner is not among REDACT["SCANNERS"] here
        TRUNCATED: TRUNCATED,
    }
    # Cut at 20 characters: what is left of the token is dropped, not kept half.
    assert redact({"jwt": JWT}) == {"jwt": TRUNCATED}
    assert redact({"deep": {"deeper": {"x": 1}}}) == {"deep": {"deeper": TRUNCATED}}
    assert redact_text(JWT + " and more text", 1000) == f"{REDACTED} and more text"


# The bounded JSON reader ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2.5, -3e2, true, false, null, "x\\"y"], "b": {}, "c": []}',
        "[]",
        '  {"nested": {"list": [[{"k": "\\u00e9"}]]}}  ',
    ],
)
def test_the_bounded_reader_agrees_with_json_on_whole_documents(text):
    assert loads_bounded(text) == json.loads(text)


def test_the_bounded_reader_keeps_the_start_of_a_cut_document():
    assert loads_bounded('{"a": 1, "b": [1, 2, {"c": "long str', partial=True) == {
        "a": 1,
        "b": [1, 2, {TRUNCATED: TRUNCATED}],
    }
    assert loads_bounded("[1, 2, 3", partial=True) == [1, 2, TRUNCATED]
    with pytest.raises(ValueError):
        loads_bounded('{"a": 1, oops}')
    with pytest.raises(ValueError):
        loads_bounded("hello")


def test_the_bounded_reader_reads_any_depth_without_recursion():
    depth = 200_000
    parsed = loads_bounded("[" * depth + "]" * depth)

    assert TRUNCATED in json.dumps(redact(parsed))


# Through requests -----------------------------------------------------------------------------------

SECRETS = {
    "password": "hunter2-planted",
    "jwt": JWT,
    "card": "4012888888881881",
    "key": "MIIEowIBAAKCAQEAsecretkeymaterial",
    "url": "s3cr3t-in-url",
    "bearer": "bearer-planted-credential",
    "cookie": "sessionid=cookie-planted",
}


def planted_body(depth: int) -> dict:
    """A JSON body with a secret of each kind planted ``depth`` levels down."""
    leaf = {
        "user_password": SECRETS["password"],
        "note": f"token {SECRETS['jwt']} and card {SECRETS['card']}",
        "pem": PRIVATE_KEY,
        "callback": f"https://bot:{SECRETS['url']}@hooks.example.com/x",
        "visible": "kept",
    }
    body: dict = leaf
    for level in range(depth):
        body = {f"level{level}": [body]}
    return body


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/t/raise/not_found/", "/api/t/data/not_found/"])
def test_secrets_planted_in_headers_query_and_json_body_never_reach_the_log(client, path):
    response = client.post(
        f"{path}?access_token={SECRETS['bearer']}&q=ok&jwt={SECRETS['jwt']}",
        planted_body(depth=8),
        format="json",
        HTTP_AUTHORIZATION=f"Bearer {SECRETS['bearer']}",
        HTTP_COOKIE=SECRETS["cookie"],
        HTTP_X_FORWARDED_CARD=SECRETS["card"],
        HTTP_X_TRACE="visible-header",
    )

    row = log_row(response)
    stored = everything(row)
    for name, secret in SECRETS.items():
        assert secret not in stored, name
        assert secret not in response.content.decode(), name
    assert "visible-header" in stored and '"visible": "kept"' in stored
    assert row.request_headers["Authorization"] == REDACTED
    assert json.loads(row.query_string) == {
        "access_token": REDACTED,
        "q": ["ok"],
        "jwt": [REDACTED],
    }


# Each planted where main stored it in clear; nothing of them may reach the log.
PLANTED = {
    "privateKey": "planted-private-key",
    "accessKey": "planted-access-key",
    "creditCard": "planted-credit-card",
    "pin": "planted-pin",
    "mfa": "planted-mfa",
    "list": "planted-listed-password",
    "pair": "planted-key-value",
}
PLANTED_QUERY = {
    name: f"planted-query-{name}"
    for name in ("key", "code", "ssn", "otp", "pass", "pw", "auth", "refresh")
}
# What stays: names a short entry is not a whole word of, and codes that are data.
KEPT = {
    "error_code": "E1234",
    "country_code": "FR",
    "spinner": "spinning",
    "passenger": "Ada Lovelace",
    "author": "Grace",
}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/t/raise/not_found/", "/api/t/data/not_found/"])
def test_names_main_missed_are_redacted_through_a_request(client, path):
    body = {
        **{name: value for name, value in PLANTED.items() if name not in ("list", "pair")},
        "fields": [{"name": "password", "value": PLANTED["list"]}],
        "setting": {"key": "password", "value": PLANTED["pair"]},
        **KEPT,
    }
    text = json.dumps(body)[:-1] + ', "paid": 4111111111111111.0, "paid_too": 4.111111111111111e15}'
    query = "&".join(f"{name}={value}" for name, value in PLANTED_QUERY.items())

    response = client.post(
        f"{path}?{query}&state=kept-state&country_code=kept-country",
        text,
        content_type="application/json",
        HTTP_X_AUTH="planted-x-auth",
    )

    row = log_row(response)
    stored = everything(row)
    for secret in [*PLANTED.values(), *PLANTED_QUERY.values(), "planted-x-auth", "4111111111"]:
        assert secret not in stored, secret
    for name, value in KEPT.items():
        assert row.request_body[name] == value
    assert row.request_body["paid"] == REDACTED
    assert row.request_body["paid_too"] == REDACTED
    assert row.request_body["fields"] == [{"name": "password", "value": REDACTED}]
    assert row.request_headers["X-Auth"] == REDACTED
    assert json.loads(row.query_string) == {
        **{name: REDACTED for name in PLANTED_QUERY},
        "state": ["kept-state"],
        "country_code": ["kept-country"],
    }


@pytest.mark.django_db
def test_secrets_in_form_bodies_are_redacted(client):
    response = client.post(
        "/api/t/raise/not_found/",
        f"username=ada&password={SECRETS['password']}&card={SECRETS['card']}",
        content_type="application/x-www-form-urlencoded",
    )

    assert log_row(response).request_body == {
        "username": "ada",
        "password": REDACTED,
        "card": REDACTED,
    }


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/api/t/raise/not_found/", "/api/t/plain/http404/"])
def test_a_1000_deep_body_is_stored_to_20_levels(client, path):
    body = '{"a":' * 1000 + '"bottom"' + "}" * 1000

    response = client.post(path, body, content_type="application/json")

    assert response.status_code == 404
    stored = log_row(response).request_body
    assert depth_of(stored) == 20
    assert json.dumps(stored).count(TRUNCATED) == 1


@pytest.mark.django_db
def test_a_deep_body_drf_parsed_is_stored_to_20_levels(client):
    body = "[" * 900 + "]" * 900  # within Python's parser, so DRF hands it to the view

    response = client.post("/api/t/data/not_found/", body, content_type="application/json")

    assert response.status_code == 404
    assert depth_of(log_row(response).request_body) == 20


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/api/t/raise/not_found/", 404),
        # DRF's parser refuses what is over DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB).
        ("/api/t/data/not_found/", 413),
    ],
)
def test_a_5_mb_body_is_stored_bounded(client, path, status):
    body = json.dumps(
        {"items": [{"n": i, "text": "lorem ipsum " * 8} for i in range(50_000)], "end": True}
    )
    assert len(body) > 5_000_000

    response = client.post(path, body, content_type="application/json")

    assert response.status_code == status
    stored = log_row(response).request_body
    size = len(json.dumps(stored))
    assert 1000 < size < 65536 + 8192
    assert TRUNCATED in json.dumps(stored)


@pytest.mark.django_db
def test_a_body_drf_parsed_over_the_limit_is_stored_from_its_start_bounded(client):
    body = json.dumps({"items": [{"n": i, "text": "lorem ipsum " * 8} for i in range(2_000)]})
    assert 65536 < len(body) < 2_500_000

    response = client.post("/api/t/data/not_found/", body, content_type="application/json")

    assert response.status_code == 404
    stored = log_row(response).request_body
    assert stored["items"][0] == {"n": 0, "text": "lorem ipsum " * 8}
    assert TRUNCATED in json.dumps(stored)
    assert len(json.dumps(stored)) < 65536 + 8192


@pytest.mark.django_db
def test_a_5_mb_text_body_is_stored_as_its_first_characters(client):
    response = client.post("/api/t/raise/not_found/", "z" * 5_000_000, content_type="text/plain")

    assert_cut_text(log_row(response).request_body, "z")


@pytest.mark.django_db
def test_a_parsed_upload_is_stored_as_file_name_and_size(client):
    upload = SimpleUploadedFile("passport.png", b"\x89PNG" + b"IMAGEDATA" * 600_000)

    response = client.post(
        "/api/t/data/not_found/", {"file": upload, "comment": "mine"}, format="multipart"
    )

    stored = log_row(response).request_body
    assert stored == {
        "comment": "mine",
        "file": {"file_name": "passport.png", "size": 5_400_004},
    }


@pytest.mark.django_db
def test_an_unparsed_upload_is_stored_as_its_type_and_size(client):
    upload = SimpleUploadedFile("passport.png", b"IMAGEDATA" * 1000)

    response = client.post("/api/t/raise/not_found/", {"file": upload}, format="multipart")

    stored = log_row(response).request_body
    assert stored["content_type"] == "multipart/form-data"
    assert stored["size"] > 9000
    assert stored[TRUNCATED] == "multipart body not parsed"
    assert "IMAGEDATA" not in everything(log_row(response))


@pytest.mark.django_db
def test_a_query_string_with_more_fields_than_django_accepts_is_recorded(client):
    query = "&".join(f"f{i}=v" for i in range(5000))

    response = client.get(f"/api/t/raise/not_found/?{query}&password=x")

    stored = json.loads(log_row(response).query_string)
    assert len(stored) == 201
    assert stored[TRUNCATED] == TRUNCATED


# Checks ---------------------------------------------------------------------------------------


def check_ids(settings, **values) -> list[str]:
    settings.APIERRORS = {**settings.APIERRORS, **values}
    return sorted(m.id for m in run_checks() if m.id.startswith("apierrors."))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"REDACT": {"KEYS": "password"}}, ["apierrors.E301"]),
        ({"REDACT": {"KEYS": ["password", ""]}}, ["apierrors.E301"]),
        ({"REDACT": {"SCANNERS": ["jwt", "no_such_scanner"]}}, ["apierrors.E302"]),
        ({"REDACT": {"SCANNERS": ["apierrors.log.redaction.REDACTED"]}}, ["apierrors.E302"]),
        ({"REDACT": {"SCANNERS": "jwt"}}, ["apierrors.E302"]),
        ({"REDACT": {"PATTERNS": ["(unclosed"]}}, ["apierrors.E303"]),
        ({"REDACT": {"PATTERNS": r"ACCT-\d+"}}, ["apierrors.E303"]),
        ({"LOG": {"MAX_DEPTH": 0}}, ["apierrors.E304"]),
        ({"LOG": {"MAX_BODY": "64k"}}, ["apierrors.E304"]),
        ({"LOG": {"MAX_TRACEBACK": None}}, ["apierrors.E304"]),
        ({"LOG": {"MAX_ROW_BYTES": True}}, ["apierrors.E304"]),
        ({"MAX_PARAM_LENGTH": -1}, ["apierrors.E304"]),
        ({"STORM": {"WINDOW": 0}}, ["apierrors.E305"]),
        ({"STORM": {"WINDOW": None}}, ["apierrors.E305"]),
        ({"STORM": {"PATH_LIMIT": "10"}}, ["apierrors.E305"]),
        ({"STORM": {"CODE_LIMIT": 2.5}}, ["apierrors.E305"]),
        ({"REDACT": {"KEYS": ["ssn"]}}, ["apierrors.W301"]),
    ],
)
def test_redaction_and_limit_settings_are_checked(settings, values, expected):
    assert check_ids(settings, **values) == expected


def test_valid_redaction_settings_pass_the_checks(settings):
    assert (
        check_ids(
            settings,
            REDACT={
                "KEYS": [*redaction.SENSITIVE_KEYS, "ssn"],
                "SCANNERS": ["jwt", "apierrors.log.redaction.scan_jwts"],
                "PATTERNS": [r"ACCT-\d+"],
            },
            STORM={"PATH_LIMIT": None, "WINDOW": 0.5},
        )
        == []
    )
