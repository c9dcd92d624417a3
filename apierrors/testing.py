"""One assertion for users' test suites: an error response, in whatever format answered it.

    from apierrors.testing import assert_api_error

    response = client.get("/api/products/nope/")
    assert_api_error(response, code="invalid_product_id", status=400)
    assert_api_error(response, status=400, field_errors={"contact.emailAddress": "invalid"})

The format is the one that answered the request (the view's ``error_format``, FORMAT_BY_PATH,
FORMAT), or ``format=``. Where a format keeps the code and the field errors is learnt by asking
the formatter itself to write a body of marked values, so every registered format, and a
site's own Formatter, is understood the same way. A format whose body carries no code (such as
``violations``) is checked against the error log row of the response's error_id.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from apierrors.core.entry import Entry
from apierrors.core.error import client_error
from apierrors.core.resolve import FieldError, PathPart
from apierrors.formats import ClientError, Formatter, format_name_for, get_formatter
from apierrors.models import normalize_code

__all__ = ["assert_api_error", "error_body"]

_CODE = "zqx_code_mark"
_FIELD_CODE = "zqx_field_code_mark"
_A, _B, _C = "zqxa", "zqxb", "zqxc"

JSONPath = tuple[str | int, ...]


_ENTRY = Entry(
    code=_CODE,
    status_code=400,
    category="invalid_request",
    title="zqx title",
    message="zqx message",
    action="zqx action",
    is_public=True,
    is_retryable=False,
    doc_url="",
    language="en",
)


def _client_error(field_errors: tuple[FieldError, ...] = ()) -> ClientError:
    """A ClientError of marked values, for a format to write where it keeps each."""
    return client_error(
        _ENTRY,
        error_id="zqx error id",
        request_id="zqx request id",
        instance="/zqx/",
        field_errors=field_errors,
    )


def _leaves(node: Any, path: JSONPath = ()) -> Iterable[tuple[JSONPath, Any]]:
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _leaves(value, (*path, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _leaves(value, (*path, index))


def _get(node: Any, path: JSONPath) -> Any:
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None
    return node


def _code_path(body: Any) -> JSONPath | None:
    found = [
        path for path, value in _leaves(body) if isinstance(value, str) and value.lower() == _CODE
    ]
    return min(found, key=len) if found else None


@dataclass(frozen=True)
class Layout:
    """Where one format keeps what the assertion reads."""

    # The code in a body without field errors, and in one with them; None: not in the body.
    code_path: JSONPath | None
    code_path_with_fields: JSONPath | None
    # "items": a list of objects; "keys": an object keyed by field; "single": one field only.
    field_kind: str | None = None
    field_container: JSONPath = ()
    field_path_key: str | None = None
    field_code_key: str | None = None


def _field_layout(body: Any) -> tuple[str | None, JSONPath, str | None, str | None]:
    for path, value in _leaves(body):
        if isinstance(value, list) and value and all(isinstance(i, dict) for i in value):
            second = [
                k for item in value for k, v in item.items() if isinstance(v, str) and _C in v
            ]
            if second:
                code_keys = [k for item in value for k, v in item.items() if v == _FIELD_CODE]
                return "items", path, second[0], code_keys[0] if code_keys else None
    for path, value in _leaves(body):
        if isinstance(value, dict) and any(_C in str(key) for key in value):
            return "keys", path, None, None
    for path, value in _leaves(body):
        if isinstance(value, str) and _A in value and _B in value:
            return "single", path, None, None
    return None, (), None, None


# A nested field, and a field whose error code is marked.
_FIELD_ERRORS = (
    FieldError((_A, _B), "zqx_other_code", "zqx field message"),
    FieldError((_C,), _FIELD_CODE, "zqx field message"),
)
_layouts: dict[type[Formatter], Layout] = {}


def layout(formatter_class: type[Formatter]) -> Layout:
    """Where ``formatter_class`` keeps the code and field errors; learnt once per class."""
    if formatter_class in _layouts:
        return _layouts[formatter_class]
    formatter = formatter_class()
    plain = formatter.body(_client_error())
    fields = formatter.body(_client_error(_FIELD_ERRORS))
    kind, container, path_key, code_key = _field_layout(fields)
    shape = Layout(_code_path(plain), _code_path(fields), kind, container, path_key, code_key)
    return _layouts.setdefault(formatter_class, shape)


def _rendered_field(formatter: Formatter, shape: Layout, path: tuple[PathPart, ...]) -> str:
    """How the format writes one field's path (``#/contact/email``, ``contact.email`` ...)."""
    body = formatter.body(_client_error((FieldError(path, _FIELD_CODE, "zqx"),)))
    container = _get(body, shape.field_container)
    if shape.field_kind == "items":
        return str(container[0][shape.field_path_key])
    if shape.field_kind == "keys":
        return str(next(iter(container)))
    return str(container)


def _field_parts(name: str) -> tuple[PathPart, ...]:
    if not name:
        return ()
    return tuple(int(part) if part.isdigit() else part for part in name.split("."))


def error_body(response: Any) -> Any:
    """The response's body as JSON, or an AssertionError saying what came instead."""
    try:
        return json.loads(response.content)
    except (ValueError, AttributeError):
        content = getattr(response, "content", b"")[:500]
        raise AssertionError(f"the response is not JSON: {content!r}") from None


def _format_of(response: Any, format_name: str | None) -> str:
    if format_name:
        return format_name
    request = getattr(response, "wsgi_request", None)
    path = getattr(request, "path", "") or ""
    match = getattr(response, "resolver_match", None)
    func = getattr(match, "func", None)
    view = getattr(func, "view_class", None) or getattr(func, "cls", None)
    return format_name_for(path, view)


def _logged_code(error_id: str, *, strict: bool = True) -> str:
    from apierrors.log import writer
    from apierrors.models import ErrorLog

    writer.flush(timeout=10)  # in background mode the row may still wait in the queue
    row = ErrorLog.objects.filter(error_id=error_id).values_list("code", flat=True).first()
    if row is None and not strict:
        return ""
    if row is None:
        raise AssertionError(
            f"this format's body carries no code and no error log row has error_id {error_id!r}"
        )
    return row


def assert_api_error(
    response: Any,
    code: str | None = None,
    status: int | None = None,
    field_errors: Mapping[str, str | None] | Iterable[str] | None = None,
    *,
    format: str | None = None,
) -> Any:
    """Assert that ``response`` is an apierrors error with this code, status and field errors.

    ``status`` is the HTTP status the client got. ``field_errors`` names every field with an
    error, dotted (``contact.emailAddress``, ``unitItems.0.unitId``); as a mapping, each value
    is the field error's code (None: any code). Returns the parsed body for further checks.
    """
    body = error_body(response)
    shown = json.dumps(body, indent=2, ensure_ascii=False)
    if status is not None and response.status_code != status:
        raise AssertionError(f"status {response.status_code}, expected {status}:\n{shown}")
    error_id = response.get("X-Error-Id") if hasattr(response, "get") else None
    if not error_id:
        raise AssertionError(f"no X-Error-Id header: not an apierrors error response:\n{shown}")
    formatter = get_formatter(_format_of(response, format))
    shape = layout(type(formatter))
    container = _get(body, shape.field_container) if shape.field_kind else None
    has_fields = bool(container)
    if code is not None:
        path = shape.code_path_with_fields if has_fields else shape.code_path
        actual = _get(body, path) if path is not None else _logged_code(error_id)
        wanted = normalize_code(code)
        # A format may write its own code for a catalog one (OCTO's BAD_REQUEST for a
        # validation error): the catalog code the log kept counts too.
        if (actual is None or normalize_code(str(actual)) != wanted) and (
            path is None or normalize_code(_logged_code(error_id, strict=False)) != wanted
        ):
            raise AssertionError(f"code {actual!r}, expected {code!r}:\n{shown}")
    if field_errors is not None:
        _assert_fields(formatter, shape, container, field_errors, shown)
    return body


def _assert_fields(
    formatter: Formatter,
    shape: Layout,
    container: Any,
    expected: Mapping[str, str | None] | Iterable[str],
    shown: str,
) -> None:
    wanted = dict(expected) if isinstance(expected, Mapping) else dict.fromkeys(expected)
    if shape.field_kind is None:
        raise AssertionError(f"{formatter.name or 'this'} format writes no field errors")
    rendered = {_rendered_field(formatter, shape, _field_parts(n)): n for n in wanted}
    items = (container or []) if shape.field_kind == "items" else []
    if shape.field_kind == "single":
        # The format names one field only: the first error's.
        named = str(container) if container else None
        missing = [] if not wanted or named in rendered else list(rendered)
        extra: list[str] = []
    else:
        if shape.field_kind == "items":
            actual = [str(item.get(shape.field_path_key)) for item in items]
        else:
            actual = [str(key) for key in (container or {})]
        missing = [text for text in rendered if text not in actual]
        extra = [text for text in dict.fromkeys(actual) if text not in rendered]
    if missing or extra:
        raise AssertionError(
            f"field errors differ: missing {[rendered[m] for m in missing]}, "
            f"unexpected {extra}:\n{shown}"
        )
    for text, name in rendered.items():
        expected_code = wanted[name]
        if expected_code is None:
            continue
        if shape.field_code_key is None:
            raise AssertionError(f"{formatter.name or 'this'} format writes no field error codes")
        codes = [
            item.get(shape.field_code_key)
            for item in items
            if str(item.get(shape.field_path_key)) == text
        ]
        if expected_code not in codes:
            raise AssertionError(
                f"field {name!r} has codes {codes}, expected {expected_code!r}:\n{shown}"
            )
