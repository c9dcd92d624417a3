"""Bounded body parsing: what the log reads of a request (headers, query, body), within limits."""

from __future__ import annotations

import json
import re
from typing import Any, Final
from urllib.parse import unquote_plus

from django.http import HttpRequest, RawPostDataException
from rest_framework.request import Request

from apierrors.conf import apierrors_settings
from apierrors.log.redaction import TRUNCATED, entries, is_container, put, redact, redact_text

_NUMBER: Final = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_LITERALS: Final = {"true": True, "false": False, "null": None}
_SPACE: Final = " \t\n\r"
_DECODER: Final = json.JSONDecoder()


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
        string, end = _DECODER.raw_decode(text, pos)
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


def _raw_body(request: HttpRequest | Request, limit: int) -> tuple[bytes, bool] | None:
    """Up to ``limit`` bytes of the body, and whether it was cut; None when it was read as a
    stream (by a parser, or by the view) and is no longer there to read.

    A small body is read through ``request.body``, which keeps it for whoever reads it next; a
    large one, or one of unknown length, no further than ``limit``. A body already in memory
    (``request.body`` read before: DRF's JSON and form parsers read it so) is sliced.
    """
    declared = _declared_length(request)
    if 0 < declared <= limit:
        try:
            body = request.body
        except RawPostDataException:
            return None
        return body[:limit], len(body) > limit
    chunk = request.read(limit + 1)
    if not chunk and declared <= 0:
        return b"", False
    try:
        body = request.body
    except RawPostDataException:
        # Not in memory: the chunk is its head, or nothing when a parser read it all.
        return (chunk[:limit], len(chunk) > limit or declared > limit) if chunk else None
    return body[:limit], len(body) > limit


def _declared_length(request: HttpRequest | Request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


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

    A body still there to read is read up to LOG["MAX_BODY"] bytes and parsed here without
    recursion. A body a parser read as a stream is taken as it left it, DRF's
    ``request.data`` or Django's ``POST`` and ``FILES`` (files become their name and size);
    taking it then parses nothing. A multipart body nobody parsed is not parsed here (that would
    spool its files in the error path): its type and size stand in.
    """
    if not isinstance(request, HttpRequest | Request):
        return None
    content_type = request.META.get("CONTENT_TYPE", "") or ""
    multipart = content_type.startswith("multipart/")
    try:
        read = _raw_body(request, apierrors_settings.LOG["MAX_BODY"])
    except Exception:
        return None
    if read is None:  # read as a stream: what its parser made of it, if anything
        parsed = _parsed_body(request)
        if parsed is not None:
            return parsed
    elif not multipart:
        raw, was_cut = read
        return body_from_text(raw, content_type, was_cut) if raw else None
    if not multipart:
        return None
    declared = request.META.get("CONTENT_LENGTH") or ""
    return {
        "content_type": content_type.split(";")[0],
        "size": int(declared) if declared.isdigit() else None,
        TRUNCATED: "multipart body not parsed",
    }


def _parsed_body(request: HttpRequest | Request) -> Any:
    """What a parser made of a body it read, redacted; None when it made nothing of it."""
    try:
        if isinstance(request, Request):
            parsed = request.data
        else:
            parsed = dict(entries(request.POST)) | dict(entries(request.FILES))
    except Exception:  # the stream was read by something other than a parser
        return None
    if parsed is None or (is_container(parsed) and not parsed):
        return None
    return redact(parsed)


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
