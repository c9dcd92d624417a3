"""The formatter interface every wire format implements, and what it is given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from apierrors.resolve import FieldError, PathPart


@dataclass(frozen=True, slots=True)
class ClientError:
    """Everything a format may put on the wire, already decided safe for the client."""

    code: str
    status_code: int
    category: str
    title: str
    message: str
    action: str
    is_public: bool
    is_retryable: bool
    doc_url: str
    error_id: str
    request_id: str
    language: str
    instance: str
    params: dict[str, Any] = field(default_factory=dict)
    field_errors: tuple[FieldError, ...] = ()


def dotted_path(path: tuple[PathPart, ...]) -> str:
    """``("items", 0, "name")`` -> ``items.0.name``."""
    return ".".join(str(part) for part in path)


def json_pointer(path: tuple[PathPart, ...]) -> str:
    """``("items", 0, "name")`` -> ``#/items/0/name`` (RFC 6901 escaping, URI fragment form)."""
    return "#" + "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in path)


class Formatter:
    """A wire format: how a ClientError looks as an HTTP response.

    Subclasses set ``name`` and implement ``body``; ``status_code`` and ``headers`` may be
    overridden. A formatter is pure: it never touches the database, the cache or settings.
    """

    name: ClassVar[str] = ""
    media_type: ClassVar[str] = "application/json"

    def status_code(self, error: ClientError) -> int:
        return error.status_code

    def body(self, error: ClientError) -> dict[str, Any]:
        raise NotImplementedError

    def headers(self, error: ClientError) -> dict[str, str]:
        return {}
