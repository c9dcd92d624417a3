"""Bounded body parsing: what the log reads of a request (headers, query, body), within limits."""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import unquote_plus

from django.http import HttpRequest

from apierrors.conf import apierrors_settings
from apierrors.log.redaction import TRUNCATED, entries, is_container, put, redact, redact_text

_NUMBER: Final = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS: Final = {"true": True, "false": False, "null": None}
_SPACE: Final = " \t\n\r"
_scanstring: Final = json.decoder.scanstring  # type: ignore[attr-defined]


class _Cut(Exception):
    """The JSON text ends or breaks here: keep what was read."""


def loads_bounded(text: str, *, partial: bool = False) -> Any:
    """JSON parsed without recursion. Raises ValueError on text that is not JSON; with
    ``partial`` (a body cut at LOG["MAX_BODY"] bytes) it keeps what it read instead, TRUNCATED
    marking where the text stopped.

    Python's own parser recurses once per level and raises RecursionError near 1,000 levels;
    this one keeps its own stack, so any depth is read (``redact`` then cuts it).
    """
    # Open containers, innermost last, each with the key awaiting its value (objects).
    stack: list[list[Any]] = []
    root: list[Any] = []
    pos = _skip(text, 0)
    try:
        while True:
            value, pos = _value(text, pos, partial)
            if stack:
                put(stack[-1][0], stack[-1][1], value)
            else:
                root.append(value)
            # A container just opened takes its first item (or its closer) without a comma.
            opened = isinstance(value, dict | list)
            if opened:
                stack.append([value, None])
            # Close every container that ends here; stop where the next value starts.
            while stack:
                pos = _skip(text, pos)
                top = stack[-1]
                if text.startswith("}" if isinstance(top[0], dict) else "]", pos):
                    stack.pop()
                    pos += 1
                    opened = False
                    continue
                if not opened:
                    if not text.startswith(",", pos):
                        raise _Cut
                    pos = _skip(text, pos + 1)
                if isinstance(top[0], dict):
                    top[1], pos = _key(text, pos)
                break
            if not stack:
                break
    except _Cut:
        if not partial:
            raise ValueError("not JSON") from None
        if stack:
            put(stack[-1][0], TRUNCATED, TRUNCATED)
    if not root:
        raise ValueError("not JSON")
    return root[0]


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _SPACE:
        pos += 1
    return pos


def _string(text: str, pos: int) -> tuple[str, int]:
    """The JSON string whose opening quote is at ``pos``, and where it ends."""
    try:
        string, end = _scanstring(text, pos + 1)
    except ValueError:
        raise _Cut from None
    return string, end


def _key(text: str, pos: int) -> tuple[str, int]:
    """An object's ``"key" :`` at ``pos``: the key, and where its value starts."""
    if not text.startswith('"', pos):
        raise _Cut
    key, pos = _string(text, pos)
    pos = _skip(text, pos)
    if not text.startswith(":", pos):
        raise _Cut
    return key, _skip(text, pos + 1)


def _value(text: str, pos: int, partial: bool) -> tuple[Any, int]:
    """The value at ``pos`` (an empty container for ``{`` and ``[``), and where it ends."""
    char = text[pos : pos + 1]
    if char in ("{", "["):
        return ({} if char == "{" else []), pos + 1
    if char == '"':
        return _string(text, pos)
    for literal, literal_value in _LITERALS.items():
        if text.startswith(literal, pos):
            return literal_value, pos + len(literal)
    match = _NUMBER.match(text, pos)
    if not match or (partial and match.end() == len(text)):  # it may have been cut short
        raise _Cut
    number = match.group(0)
    try:
        parsed: Any = float(number) if any(c in number for c in ".eE") else int(number)
    except ValueError:
        parsed = number
    return parsed, match.end()


def _loads(text: str, *, partial: bool) -> Any:
    """Python's fast parser for whole bodies; the bounded one for cut or very deep ones."""
    if not partial:
        try:
            return json.loads(text)
        except RecursionError:
            pass
    return loads_bounded(text, partial=partial)


def parse_form(text: str) -> dict[str, Any]:
    """``a=1&b=2&b=3`` -> ``{"a": "1", "b": ["2", "3"]}``, at most LOG["MAX_ITEMS"] pairs read."""
    most = apierrors_settings.LOG["MAX_ITEMS"]
    fields: dict[str, list[str]] = {}
    for count, pair in enumerate(text.split("&", most)):
        if count >= most:
            fields.setdefault(TRUNCATED, []).append(TRUNCATED)
        elif pair:
            key, _sep, value = pair.partition("=")
            fields.setdefault(unquote_plus(key), []).append(unquote_plus(value))
    return {key: values[0] if len(values) == 1 else values for key, values in fields.items()}


def _raw_body(request: HttpRequest, limit: int) -> tuple[bytes, bool] | None:
    """Up to ``limit`` bytes of the body without reading more; (bytes, whether it was cut).

    A body already in memory is sliced; a small one is read through ``request.body`` (so
    others can read it too); a large one only as far as ``limit``.
    """
    if hasattr(request, "_body"):
        body = request._body
        return body[:limit], len(body) > limit
    if getattr(request, "_read_started", False):
        return None
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if 0 < declared <= limit:
        body = request.body
        return body[:limit], len(body) > limit
    chunk = request.read(limit + 1)
    return chunk[:limit], len(chunk) > limit or declared > limit


def body_from_text(raw: bytes, content_type: str, was_cut: bool) -> Any:
    """A raw body as the log keeps it: JSON and form bodies as structures, the rest as text."""
    text = raw.decode("utf-8", "replace")
    if "json" in content_type or text.lstrip()[:1] in ("{", "["):
        try:
            parsed = _loads(text, partial=was_cut)
        except ValueError:
            pass
        else:
            if is_container(parsed):
                return redact(parsed)
    if content_type.startswith("application/x-www-form-urlencoded"):
        form = redact(parse_form(text))
        if was_cut:
            form[TRUNCATED] = TRUNCATED
        return form
    stored = redact_text(text)
    if was_cut and not stored.endswith(TRUNCATED):
        stored += TRUNCATED
    return stored


def request_body(request: Any) -> Any:
    """What the request carried, bounded and redacted.

    The data a parser already produced (DRF's ``request.data``, Django's ``POST`` and
    ``FILES``) is used as it is: files become their name and size. An unread body is read up
    to LOG["MAX_BODY"] bytes and parsed here without recursion; a multipart body nobody parsed is
    not parsed here (that would spool its files in the error path): its type and size stand in.
    """
    from rest_framework.request import Empty as NotParsed

    django_request = getattr(request, "_request", request)
    if not isinstance(django_request, HttpRequest):
        return None
    parsed = getattr(request, "_full_data", None) if request is not django_request else None
    # Nothing parsed, or a parser failed (None, or an empty container): the body may still be
    # unread.
    if parsed is None or parsed is NotParsed or (is_container(parsed) and not parsed):
        return _unparsed_body(django_request)
    return redact(parsed)


def _unparsed_body(request: HttpRequest) -> Any:
    if hasattr(request, "_post"):
        files = getattr(request, "_files", None) or {}
        data = dict(entries(request._post)) | dict(entries(files))
        return redact(data) if data else None
    content_type = request.META.get("CONTENT_TYPE", "") or ""
    declared = request.META.get("CONTENT_LENGTH") or ""
    if content_type.startswith("multipart/"):
        return {
            "content_type": content_type.split(";")[0],
            "size": int(declared) if declared.isdigit() else None,
            TRUNCATED: "multipart body not parsed",
        }
    try:
        read = _raw_body(request, apierrors_settings.LOG["MAX_BODY"])
    except Exception:
        return None
    return body_from_text(read[0], content_type, read[1]) if read and read[0] else None


def request_headers(request: HttpRequest) -> Any:
    """Every header, values of denylisted names replaced, secrets in the others replaced."""
    return redact(dict(request.headers))


def query_string(request: HttpRequest) -> str:
    """The query string as JSON ``{"name": ["value", …]}``, redacted; parsed here, boundedly,
    so a query with more fields than Django accepts cannot make the record fail."""
    raw = request.META.get("QUERY_STRING", "") or ""
    if not raw:
        return "{}"
    fields = parse_form(raw[: apierrors_settings.LOG["MAX_BODY"]])
    as_lists = {key: value if isinstance(value, list) else [value] for key, value in fields.items()}
    return json.dumps(redact(as_lists, query=True), ensure_ascii=False)
