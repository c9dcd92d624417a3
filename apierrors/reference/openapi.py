"""Error responses in the OpenAPI schema: drf-spectacular's AutoSchema, extended.

Needs the ``openapi`` extra (drf-spectacular). Nothing else in the app imports this module:
without drf-spectacular the app works unchanged.

    REST_FRAMEWORK = {"DEFAULT_SCHEMA_CLASS": "apierrors.reference.openapi.AutoSchema", ...}

Each operation lists the error responses it can give, each with the body schema of the format
that answers its path (the view's ``error_format``, else FORMAT_BY_PATH, else FORMAT), the
standard error headers, and one example per catalog code; a view may name the catalog codes it
raises in ``error_codes``. Body schemas are the format's own ``openapi_schema(field_errors)``
when it defines one, else they are inferred from bodies the formatter builds for every catalog
entry, so a format added to the registry is documented without further work.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Iterable
from http import HTTPStatus
from typing import Any, Final

try:
    from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
    from drf_spectacular.plumbing import ComponentRegistry, ResolvedComponent
except ImportError as exc:  # pragma: no cover - exercised in a subprocess without the extra
    raise ImportError(
        "apierrors.reference.openapi needs drf-spectacular: pip install 'django-apierrors[openapi]'"
    ) from exc

from rest_framework.permissions import AllowAny

from apierrors.catalog.store import catalog, shipped_entry
from apierrors.conf import apierrors_settings
from apierrors.core.entry import LAST_RESORT, Entry
from apierrors.core.resolve import FieldError
from apierrors.formats import Formatter, format_name_for, get_formatter
from apierrors.i18n import default_language
from apierrors.reference.page import (
    FIELD_ERROR_CODES,
    catalog_entries,
    example_error,
    format_label,
)

# Codes every operation may answer with, and those that depend on what the operation does.
ALWAYS: Final = ("not_allowed", "not_acceptable", "server_error")
WITH_BODY: Final = ("validation_error", "invalid_json", "unsupported_media_type")
WITH_QUERY: Final = ("validation_error",)
WITH_AUTHENTICATION: Final = ("unauthorized", "authentication_failed", "forbidden")
WITH_PERMISSIONS: Final = ("forbidden",)
ON_DETAIL_ROUTES: Final = ("not_found",)
WHEN_THROTTLED: Final = ("too_many_requests",)

# Field errors the inferred validation schema is learnt from: nested, indexed, non-field.
SAMPLE_FIELD_ERRORS: Final = (
    (FieldError(("email",), "invalid", "Enter a valid email address."),),
    (
        FieldError(("contact", "fullName"), "required", "This field is required."),
        FieldError(("unitItems", 0, "unitId"), "blank", "This field may not be blank."),
        FieldError(("non_field_errors",), "invalid", "Invalid data."),
        FieldError((), "invalid", "Invalid value."),
    ),
)


def headers() -> dict[str, str]:
    """Each header of error responses with its description; the request id's under the site's
    REQUEST_ID_HEADER, as the handler writes it."""
    return {
        "X-Error-Id": "The error's id: quote it to support to find the logged error.",
        apierrors_settings.REQUEST_ID_HEADER: (
            "The request id: the client's when valid, else a generated one."
        ),
        "Content-Language": "The language of the error's texts.",
        "WWW-Authenticate": "How to authenticate.",
        "Retry-After": "Seconds to wait before retrying.",
    }


def common_headers() -> tuple[str, ...]:
    """The headers of every error response (required); STATUS_HEADERS has those of some."""
    return ("X-Error-Id", apierrors_settings.REQUEST_ID_HEADER, "Content-Language")


STATUS_HEADERS: Final = {401: ("WWW-Authenticate",), 429: ("Retry-After",), 503: ("Retry-After",)}


# Schema inference -----------------------------------------------------------------------------


# JSON types by Python type, bool before int (a bool is an int); anything else is a string.
_KINDS: Final = (
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (dict, "object"),
    (list | tuple, "array"),
)


def _kind(value: Any) -> str:
    return next((kind for types, kind in _KINDS if isinstance(value, types)), "string")


def infer_schema(values: Iterable[Any]) -> dict[str, Any]:
    """The narrowest OpenAPI 3.0 schema every one of ``values`` satisfies.

    Object keys present in every sample are required; other properties stay open
    (additionalProperties is left at its default), since formats may echo params.
    """
    values = list(values)
    present = [value for value in values if value is not None]
    if not present:
        return {}
    by_kind: dict[str, list[Any]] = defaultdict(list)
    for value in present:
        by_kind[_kind(value)].append(value)
    if "integer" in by_kind and "number" in by_kind:
        by_kind["number"] += by_kind.pop("integer")
    if len(by_kind) > 1:
        schema: dict[str, Any] = {
            "anyOf": [infer_schema(by_kind[kind]) for kind in sorted(by_kind)]
        }
    else:
        (kind,) = by_kind
        schema = {"type": kind}
        if kind == "object":
            keys = list(dict.fromkeys(key for value in present for key in value))
            schema["properties"] = {
                key: infer_schema(value[key] for value in present if key in value) for key in keys
            }
            required = [key for key in keys if all(key in value for value in present)]
            if required:
                schema["required"] = required
        elif kind == "array":
            schema["items"] = infer_schema(item for value in present for item in value)
    if len(present) < len(values):
        schema["nullable"] = True
    return schema


def sample_entries() -> list[Entry]:
    """Every catalog entry (active or not, public or not) in the default language."""
    return [*catalog_entries(default_language()), LAST_RESORT]


def body_schema(formatter: Formatter, *, field_errors: bool) -> dict[str, Any]:
    """The body schema of ``formatter``: its own when it declares one, else inferred."""
    declared = getattr(formatter, "openapi_schema", None)
    if callable(declared):
        return dict(declared(field_errors=field_errors))
    variants = itertools.product(
        sample_entries(),
        SAMPLE_FIELD_ERRORS if field_errors else ((),),
        ("", "https://docs.example.com/errors/#code"),
        ("", "/api/example/"),
    )
    return infer_schema(
        formatter.body(example_error(entry, doc_url=doc_url, field_errors=errors, path=path))
        for entry, errors, doc_url, path in variants
    )


# Components ---------------------------------------------------------------------------------


def schema_name(format_name: str, *, field_errors: bool) -> str:
    label = "".join(part.capitalize() for part in format_label(format_name).split("_"))
    return f"{label}{'ValidationError' if field_errors else 'Error'}"


def example_name(format_name: str, code: str) -> str:
    return f"{schema_name(format_name, field_errors=False)}.{code}"


def _ref(kind: str, name: str) -> dict[str, str]:
    return {"$ref": f"#/components/{kind}/{name}"}


def _component(kind: str, name: str, schema: dict[str, Any] | None = None) -> ResolvedComponent:
    return ResolvedComponent(  # type: ignore[no-untyped-call]
        name=name, type=kind, schema=schema, object=f"apierrors:{kind}:{name}"
    )


def _register(registry: ComponentRegistry, kind: str, name: str, schema: dict[str, Any]) -> None:
    registry.register_on_missing(_component(kind, name, schema))


def register_format(registry: ComponentRegistry, format_name: str) -> None:
    """A format's body schemas, and one example per catalog code in it; once per schema."""
    plain = _component(ResolvedComponent.SCHEMA, schema_name(format_name, field_errors=False))
    if plain in registry:
        return
    formatter = get_formatter(format_name)
    for field_errors in (False, True):
        _register(
            registry,
            ResolvedComponent.SCHEMA,
            schema_name(format_name, field_errors=field_errors),
            body_schema(formatter, field_errors=field_errors),
        )
    for entry in sample_entries():
        if entry is LAST_RESORT:
            continue
        fields = SAMPLE_FIELD_ERRORS[0] if entry.code in FIELD_ERROR_CODES else ()
        error = example_error(entry, field_errors=fields)
        description = "\n\n".join(text for text in (entry.message, entry.action) if text)
        _register(
            registry,
            ResolvedComponent.EXAMPLE,
            example_name(format_name, entry.code),
            {
                "summary": f"{entry.code} ({entry.status_code}): {entry.title}",
                "description": description,
                "value": formatter.body(error),
            },
        )
    common = common_headers()
    for name, description in headers().items():
        required = {"required": True} if name in common else {}
        header = {"description": description, **required, "schema": {"type": "string"}}
        _register(registry, ResolvedComponent.HEADER, name, header)


# Per operation ------------------------------------------------------------------------------


def operation_codes(view: Any, method: str, path: str, operation: dict[str, Any]) -> list[str]:
    """The catalog codes an operation can answer with, from what it is and what it declares."""
    codes: list[str] = []
    if "requestBody" in operation:
        codes += WITH_BODY
    elif any(p.get("in") == "query" for p in operation.get("parameters", [])):
        codes += WITH_QUERY
    if view.get_authenticators():
        codes += WITH_AUTHENTICATION
    if any(not isinstance(permission, AllowAny) for permission in view.get_permissions()):
        codes += WITH_PERMISSIONS
    if "{" in path:
        codes += ON_DETAIL_ROUTES
    if view.get_throttles():
        codes += WHEN_THROTTLED
    declared = getattr(view, "error_codes", ())
    if isinstance(declared, dict):
        declared = declared.get(method.lower(), ())
    codes += [str(code).lower() for code in declared]
    codes += ALWAYS
    return list(dict.fromkeys(codes))


def error_responses(
    view: Any, method: str, path: str, operation: dict[str, Any], registry: ComponentRegistry
) -> dict[str, dict[str, Any]]:
    format_name = format_name_for(path, view)
    register_format(registry, format_name)
    formatter = get_formatter(format_name)
    language = default_language()
    groups: dict[int, list[Entry]] = defaultdict(list)
    for code in operation_codes(view, method, path, operation):
        entry = (
            catalog.lookup(code, language)
            or shipped_entry(code, language)
            or catalog.generic(code, 500, language)
        )
        groups[formatter.status_code(example_error(entry))].append(entry)
    responses: dict[str, dict[str, Any]] = {}
    for status_code in sorted(groups):
        entries = groups[status_code]
        schema: dict[str, Any] = _ref("schemas", schema_name(format_name, field_errors=False))
        if any(entry.code in FIELD_ERROR_CODES for entry in entries):
            validation = _ref("schemas", schema_name(format_name, field_errors=True))
            schema = {"anyOf": [validation, schema]}
        names = list(common_headers())
        for entry in entries:
            names += STATUS_HEADERS.get(entry.status_code, ())
        try:
            phrase = HTTPStatus(status_code).phrase
        except ValueError:
            phrase = "Error"
        codes = ", ".join(entry.code for entry in entries)
        responses[str(status_code)] = {
            "description": f"{phrase}: {codes}",
            "headers": {name: _ref("headers", name) for name in dict.fromkeys(names)},
            "content": {
                formatter.media_type: {
                    "schema": schema,
                    "examples": {
                        entry.code: _ref("examples", example_name(format_name, entry.code))
                        for entry in entries
                        if entry.is_known
                    },
                }
            },
        }
    return responses


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's AutoSchema, adding each operation's error responses.

    Responses an operation declares itself (``@extend_schema(responses=...)``) are kept.
    """

    def get_operation(
        self,
        path: str,
        path_regex: str,
        path_prefix: str,
        method: str,
        registry: ComponentRegistry,
    ) -> dict[str, Any] | None:
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        errors = error_responses(self.view, method, path, operation, registry)
        responses = operation.setdefault("responses", {})
        for status_code, response in errors.items():
            responses.setdefault(status_code, response)
        operation["responses"] = dict(sorted(responses.items()))
        return operation
