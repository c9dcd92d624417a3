"""The formatter interface every wire format implements, and what it is given."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from rest_framework.utils.encoders import JSONEncoder

from apierrors.core.error import ClientError
from apierrors.core.resolve import PathPart, Problem


def dotted_path(path: tuple[PathPart, ...]) -> str:
    """``("items", 0, "name")`` -> ``items.0.name``."""
    return ".".join(str(part) for part in path)


def json_pointer(path: tuple[PathPart, ...]) -> str:
    """``("items", 0, "name")`` -> ``#/items/0/name`` (RFC 6901 escaping, URI fragment form)."""
    return "#" + "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


def field_items(error: ClientError) -> list[dict[str, Any]]:
    """Each field error as ``field`` (a dotted path), ``code`` and ``message``."""
    return [
        {"field": dotted_path(item.path), "code": item.code, "message": item.message}
        for item in error.field_errors
    ]


# One encoder for every body: json.dumps() with cls= builds a new one per call.
_ENCODER = JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def body_text(body: dict[str, Any]) -> str:
    """A body as it goes on the wire: compact JSON, non-ASCII text as it is."""
    return _ENCODER.encode(body)


class Formatter:
    """A wire format: how a ClientError looks as an HTTP response.

    Subclasses set ``name`` and implement ``body``; ``status_code``, ``headers`` and ``adapt``
    may be overridden. ``default_options`` names the options a site may set for the format in
    ``APIERRORS["FORMAT_OPTIONS"]``, with their defaults; the instance reads them from
    ``self.options``. A formatter is pure: it never touches the database, the cache or settings.
    """

    name: ClassVar[str] = ""
    media_type: ClassVar[str] = "application/json"
    default_options: ClassVar[Mapping[str, Any]] = {}

    def __init__(self, **options: Any) -> None:
        unknown = sorted(set(options) - set(self.default_options))
        if unknown:
            known = ", ".join(sorted(self.default_options)) or "none"
            raise TypeError(f"unknown options {', '.join(unknown)} (known: {known})")
        for key, value in options.items():
            expected = type(self.default_options[key])
            if not isinstance(value, expected):
                raise TypeError(f"option {key!r} must be a {expected.__name__}, not {value!r}")
        self.options: dict[str, Any] = {**self.default_options, **options}

    def adapt(self, problem: Problem) -> Problem:
        """The problem in this format's own catalog vocabulary, before the catalog is read.

        A format whose codes differ from the resolved one (Stripe's ``missing_required_field``
        for a validation error) returns a copy naming its own code and params; by default the
        problem is answered as it was resolved.
        """
        return problem

    def status_code(self, error: ClientError) -> int:
        return error.status_code

    def body(self, error: ClientError) -> dict[str, Any]:
        raise NotImplementedError

    def headers(self, error: ClientError) -> dict[str, str]:
        return {}
