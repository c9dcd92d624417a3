"""Property tests: any exception, params, headers and body, through the handler in every format.

Always a valid response; always a log row or a logged line with its error_id; never a planted
secret in the response, the row or the logged lines.
"""

from __future__ import annotations

import base64
import json
import logging
import re
import string
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core import exceptions as django_exceptions
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError
from django.http import Http404
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework import exceptions as drf_exceptions
from rest_framework.test import APIClient

from apierrors import APIError
from apierrors.catalog.defaults import DEFAULT_ENTRIES
from apierrors.conf import DEFAULTS
from apierrors.core import ids
from apierrors.formats import FORMATS
from apierrors.log import redaction, storm
from apierrors.models import ErrorLog
from tests.conftest import site_format
from tests.testapp import views

PUBLIC_CODES = sorted(entry["code"] for entry in DEFAULT_ENTRIES if entry["is_public"])
PRIVATE_CODES = sorted(entry["code"] for entry in DEFAULT_ENTRIES if not entry["is_public"])
# Denylisted names matched anywhere in a name, and everywhere (not "?name", query only).
SENSITIVE = [key for key in DEFAULTS["REDACT"]["KEYS"] if not key.startswith("?")]


# Secrets --------------------------------------------------------------------------------------


@dataclass
class Planted:
    """Secrets put into one request; ``marks`` are what must never be found afterwards."""

    marks: list[str] = field(default_factory=list)


def luhn_complete(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits + "0")):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return digits + str((10 - total % 10) % 10)


tokens = st.text(alphabet="0123456789abcdef", min_size=20, max_size=24).map(lambda t: "s" + t)
b64 = st.binary(min_size=12, max_size=30).map(
    lambda b: base64.urlsafe_b64encode(b).decode().rstrip("=")
)


@st.composite
def shaped_secret(draw) -> tuple[str, str]:
    """(text to plant, mark to search for): a value a scanner must recognize by its shape."""
    kind = draw(st.sampled_from(["card", "jwt", "bearer", "url", "pem"]))
    if kind == "card":
        number = luhn_complete(draw(st.text(alphabet=string.digits, min_size=15, max_size=15)))
        separator = draw(st.sampled_from(["", " ", "-"]))
        shown = separator.join(number[i : i + 4] for i in range(0, 16, 4))
        return shown, shown
    if kind == "jwt":
        payload, signature = draw(b64), draw(b64)
        return f"eyJhbGciOiJIUzI1NiJ9.eyJ{payload}.{signature}", f"eyJ{payload}"
    token = draw(tokens)
    if kind == "bearer":
        return f"Bearer {token}", token
    if kind == "url":
        return f"https://robot:{token}@hooks.example.com/x", token
    return f"-----BEGIN PRIVATE KEY-----\nMII{token}\n-----END PRIVATE KEY-----", token


@st.composite
def sensitive_name(draw) -> str:
    marker = draw(st.sampled_from(SENSITIVE))
    # A short name is denylisted as a word of a name: "x_pin", not "userpins".
    whole_word = len(marker.replace("_", "")) <= redaction.SHORT_NAME
    prefix = draw(st.sampled_from(["", "x_", "my-"] if whole_word else ["", "x_", "my-", "user"]))
    suffix = draw(
        st.sampled_from(["", "_value", "-2"] if whole_word else ["", "_value", "-2", "s"])
    )
    name = prefix + marker + suffix
    return draw(st.sampled_from([name, name.upper(), name.title(), name.replace("_", "-")]))


safe_names = st.text(alphabet=string.ascii_lowercase, min_size=1, max_size=8).filter(
    lambda name: not any(key.lstrip("?") in name for key in DEFAULTS["REDACT"]["KEYS"])
)
# Any character a client can send, NUL and other controls included.
safe_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=30)
words = st.text(alphabet=string.ascii_letters + " ", max_size=30)
ascii_text = st.text(alphabet=string.ascii_letters + string.digits + " .,-_", max_size=30)


@st.composite
def planted_value(draw, planted: Planted, *, ascii_only: bool = False) -> tuple[str, str]:
    """A (name, value) pair: harmless, a secret under a denylisted name, or a shaped secret."""
    choice = draw(st.sampled_from(["plain", "named", "shaped"]))
    if choice == "named":
        token = draw(tokens)
        planted.marks.append(token)
        return draw(sensitive_name()), token
    if choice == "shaped":
        text, mark = draw(shaped_secret())
        planted.marks.append(mark)
        return draw(safe_names), f"{draw(words)} {text} "
    return draw(safe_names), draw((ascii_text if ascii_only else safe_text).filter(unlike_marks))


# 13 digits or more, spaced as card numbers are: a card mark is 16 digits, and inside a longer
# run, which is no card, it would be kept as written.
DIGIT_RUN = re.compile(r"(?:\d[ -]?){13}")


def unlike_marks(text: str) -> bool:
    """A harmless value must not hold a planted mark by chance: no long run of digits, no
    token-long run of hex."""
    return not DIGIT_RUN.search(text) and not re.search(r"[0-9a-f]{20}", text)


@st.composite
def json_body(draw, planted: Planted) -> Any:
    """A JSON document with secrets planted at a random depth, up to 40 levels down."""
    leaf = dict([draw(planted_value(planted)) for _ in range(draw(st.integers(1, 3)))])
    node: Any = leaf
    for _ in range(draw(st.integers(0, 40))):
        wrap = draw(st.sampled_from(["dict", "list"]))
        node = {draw(safe_names): node} if wrap == "dict" else [draw(safe_text), node]
    return node


# Requests ---------------------------------------------------------------------------------------


@dataclass
class Case:
    exception: BaseException
    route: str
    method: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: tuple[str, Any]
    parse: bool
    planted: Planted
    # Secrets in params: echoed to the client by design (formats with room do), never logged.
    param_marks: list[str]


@st.composite
def exceptions(draw, planted: Planted) -> BaseException:
    kind = draw(
        st.sampled_from(
            ["api_public", "api_private", "api_unknown", "drf", "validation", "django", "crash"]
        )
    )
    if kind == "api_public":
        return APIError(
            draw(st.sampled_from(PUBLIC_CODES)), status=draw(st.none() | st.integers(400, 599))
        )
    if kind == "api_private":
        text, mark = draw(shaped_secret())
        planted.marks.append(mark)
        return APIError(draw(st.sampled_from(PRIVATE_CODES)), detail=f"internal: {text}")
    if kind == "api_unknown":
        code = draw(
            st.text(alphabet=string.ascii_letters + string.digits + "_-<>/ .", max_size=120)
        )
        return APIError(code, detail=draw(st.none() | safe_text))
    if kind == "drf":
        factory = draw(
            st.sampled_from(
                [
                    drf_exceptions.NotFound,
                    drf_exceptions.PermissionDenied,
                    drf_exceptions.ParseError,
                    drf_exceptions.AuthenticationFailed,
                    drf_exceptions.NotAuthenticated,
                    lambda detail: drf_exceptions.MethodNotAllowed("GET", detail),
                    lambda detail: drf_exceptions.Throttled(wait=3.5, detail=detail),
                ]
            )
        )
        return factory(draw(st.none() | safe_text))
    if kind == "validation":
        detail = draw(
            st.recursive(
                st.lists(safe_text, min_size=1, max_size=2),
                lambda children: (
                    st.dictionaries(safe_names, children, min_size=1, max_size=3)
                    | st.lists(children, min_size=1, max_size=2)
                ),
                max_leaves=8,
            )
        )
        return drf_exceptions.ValidationError(detail)
    if kind == "django":
        return draw(
            st.sampled_from(
                [
                    Http404("No Thing matches the given query."),
                    django_exceptions.PermissionDenied("staff only"),
                    django_exceptions.ObjectDoesNotExist("gone"),
                    django_exceptions.SuspiciousOperation("odd"),
                    django_exceptions.ValidationError({"size": ["Too big."]}),
                ]
            )
        )
    text, mark = draw(shaped_secret())
    planted.marks.append(mark)
    name = draw(st.text(alphabet=string.ascii_letters, min_size=1, max_size=12))
    factory = draw(
        st.sampled_from(
            [type(name, (Exception,), {}), OperationalError, RecursionError, views_unprintable]
        )
    )
    return factory(f"failed with {text} at /srv/app/module.py")


class views_unprintable(Exception):
    def __str__(self):
        raise RuntimeError("no text")


@st.composite
def cases(draw) -> Case:
    planted = Planted()
    exception = draw(exceptions(planted))
    param_marks: list[str] = []
    if isinstance(exception, APIError):
        # Params are echoed by formats with room for them: harmless words, and a secret under
        # a denylisted name with its own prefix ("p"), so it can never equal a planted token,
        # and without a long run of digits, so it can never hold a planted card number.
        for _ in range(draw(st.integers(0, 3))):
            exception.params[draw(safe_names)] = draw(words)
        if draw(st.booleans()):
            token = "p" + draw(tokens.filter(lambda t: not DIGIT_RUN.search(t)))[1:]
            exception.params[draw(sensitive_name())] = token
            param_marks.append(token)
    query = [draw(planted_value(planted, ascii_only=True)) for _ in range(draw(st.integers(0, 3)))]
    headers = {}
    for _ in range(draw(st.integers(0, 4))):
        name, value = draw(planted_value(planted, ascii_only=True))
        headers["HTTP_X_" + name.upper().replace("-", "_")] = value
    if draw(st.booleans()):
        token = draw(tokens)
        planted.marks.append(token)
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    if draw(st.booleans()):
        token = draw(tokens)
        planted.marks.append(token)
        headers["HTTP_COOKIE"] = f"sessionid={token}; theme=dark"
    if draw(st.booleans()):
        # A valid request id is echoed as it came: like any harmless value, it holds no mark.
        headers["HTTP_X_REQUEST_ID"] = draw(st.text(max_size=140).filter(unlike_marks))
    body_kind = draw(st.sampled_from(["none", "json", "form", "text", "multipart"]))
    if body_kind == "json":
        body: tuple[str, Any] = ("json", draw(json_body(planted)))
    elif body_kind == "form":
        body = ("form", [draw(planted_value(planted, ascii_only=True)) for _ in range(3)])
    elif body_kind == "text":
        text, mark = draw(shaped_secret())
        planted.marks.append(mark)
        body = ("text", f"{draw(safe_text)}\n{text}\n{draw(safe_text)}")
    elif body_kind == "multipart":
        token = draw(tokens)
        planted.marks.append(token)
        body = ("multipart", token)
    else:
        body = ("none", None)
    return Case(
        exception=exception,
        route=draw(st.sampled_from(["/api/t/injected/", "/api/t/plain-injected/"])),
        method=draw(st.sampled_from(["get", "post", "put", "patch", "delete"])),
        query=query,
        headers=headers,
        body=body,
        parse=draw(st.booleans()),
        planted=planted,
        param_marks=param_marks,
    )


def send(client: APIClient, case: Case):
    query = urlencode(case.query + ([("parse", "1")] if case.parse else []))
    path = f"{case.route}?{query}"
    kind, payload = case.body
    method = case.method.upper()
    if kind == "json":
        data, content_type = json.dumps(payload), "application/json"
    elif kind == "form":
        data, content_type = urlencode(payload), "application/x-www-form-urlencoded"
    elif kind == "text":
        data, content_type = payload, "text/plain"
    elif kind == "multipart":
        upload = SimpleUploadedFile("notes.txt", f"secret file {payload}".encode())
        data = encode_multipart(BOUNDARY, {"file": upload, "password": payload})
        content_type = MULTIPART_CONTENT
    else:
        return client.generic(method, path, **case.headers)
    return client.generic(method, path, data, content_type, **case.headers)


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def stored(row: ErrorLog) -> str:
    return json.dumps(
        {f.name: getattr(row, f.name) for f in row._meta.fields if f.name != "created_at"},
        default=str,
        ensure_ascii=False,
    )


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_any_error_any_request_every_format(case):
    client = APIClient(raise_request_exception=False)
    collect = Collect()
    logger = logging.getLogger("apierrors")
    logger.addHandler(collect)
    try:
        for name in FORMATS:
            with site_format(name) as formatter:
                storm.reset()
                collect.messages.clear()
                views.INJECTED[:] = [case.exception]

                response = send(client, case)

                # Always a valid response.
                assert 400 <= response.status_code <= 599
                assert response["Content-Type"] == formatter.media_type
                body = json.loads(response.content)
                assert isinstance(body, dict) and body
                error_id = response["X-Error-Id"]
                assert ids.normalize_error_id(error_id) == error_id
                assert ids.valid_request_id(response["X-Request-Id"])
                # Always a row, or a line in Python logging, with that error_id.
                row = ErrorLog.objects.filter(error_id=error_id).first()
                lines = [m for m in collect.messages if error_id in m]
                assert row is not None or lines, (name, case)
                # Never a planted secret in the response, the row or the logged lines.
                wire = response.content.decode() + str(dict(response.headers))
                kept = (stored(row) if row else "") + "\n".join(collect.messages)
                for mark in case.planted.marks:
                    assert mark not in wire, (name, mark, wire)
                    assert mark not in kept, (name, mark, kept)
                for mark in case.param_marks:
                    assert mark not in kept, (name, mark, kept)
    finally:
        logger.removeHandler(collect)
