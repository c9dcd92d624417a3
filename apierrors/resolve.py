"""What happened: any exception -> Problem (catalog code, params, field errors); no HTTP, no DB."""

from __future__ import annotations

import contextlib
import functools
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.core import exceptions as django_exceptions
from django.db import DatabaseError, IntegrityError
from django.db.models.deletion import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.settings import api_settings as drf_settings

from apierrors.conf import apierrors_settings
from apierrors.exceptions import APIError

PathPart = str | int


@dataclass(frozen=True, slots=True)
class FieldError:
    """One message about one field; ``path`` leads to it through nested objects and lists."""

    path: tuple[PathPart, ...]
    code: str
    message: str


@dataclass(slots=True)
class Problem:
    """An exception understood: which catalog entry answers it, and with what."""

    code: str
    exc: BaseException | None = None
    # Overrides the catalog's status (APIError(status=...), DRF's 401 turned 403).
    status_code: int | None = None
    # Text the exception carries for the client; shown only when the entry is public.
    detail: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    field_errors: list[FieldError] = field(default_factory=list)
    # Headers the client must get whatever the format: WWW-Authenticate, Retry-After.
    headers: dict[str, str] = field(default_factory=dict)


Resolver = Callable[[Any], Problem]


# DRF ----------------------------------------------------------------------------------------


def flatten_drf_errors(detail: Any) -> list[FieldError]:
    """DRF's nested error detail (dicts, lists, ErrorDetail) as one ordered list, depth-first.

    Iterative, so a deeply nested body cannot exhaust the stack.
    """
    errors: list[FieldError] = []
    stack: list[tuple[tuple[PathPart, ...], Any]] = [((), detail)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            stack.extend(((*path, key), value) for key, value in reversed(list(node.items())))
        elif isinstance(node, list | tuple):
            # A list of messages belongs to its field; a list of objects is indexed.
            children = [
                (path if isinstance(item, str) else (*path, index), item)
                for index, item in enumerate(node)
            ]
            stack.extend(reversed(children))
        elif node is not None and node != {}:
            errors.append(
                FieldError(path, str(getattr(node, "code", None) or "invalid"), str(node))
            )
    return errors


def _own_code(
    exc: drf_exceptions.APIException, mapped: type[drf_exceptions.APIException]
) -> str | None:
    """The code a DRF exception was raised with, when it is not its mapped class's default."""
    code = getattr(exc.detail, "code", None) if not isinstance(exc.detail, list | dict) else None
    if code and code != mapped.default_code:
        return str(code)
    if type(exc).default_code != mapped.default_code:
        return str(type(exc).default_code)
    return None


def _custom_detail(exc: drf_exceptions.APIException) -> str | None:
    """The exception's detail when the raiser wrote one, not DRF's default text."""
    detail = exc.detail
    if isinstance(detail, list | dict) or str(detail) == str(exc.default_detail):
        return None
    return str(detail)


def _drf(
    code: str, mapped: type[drf_exceptions.APIException], *, keep_detail: bool = True
) -> Resolver:
    def resolve(exc: drf_exceptions.APIException) -> Problem:
        problem = Problem(
            code=_own_code(exc, mapped) or code,
            exc=exc,
            status_code=exc.status_code if exc.status_code != mapped.status_code else None,
            detail=_custom_detail(exc) if keep_detail else None,
        )
        if auth_header := getattr(exc, "auth_header", None):
            problem.headers["WWW-Authenticate"] = str(auth_header)
        return problem

    return resolve


def _drf_validation(exc: drf_exceptions.ValidationError) -> Problem:
    return Problem(code="validation_error", exc=exc, field_errors=flatten_drf_errors(exc.detail))


def _drf_method(exc: drf_exceptions.MethodNotAllowed) -> Problem:
    problem = _drf("not_allowed", drf_exceptions.MethodNotAllowed, keep_detail=False)(exc)
    return problem


def _drf_throttled(exc: drf_exceptions.Throttled) -> Problem:
    problem = _drf("too_many_requests", drf_exceptions.Throttled, keep_detail=False)(exc)
    if (seconds := getattr(exc, "wait", None)) is not None:
        wait = math.ceil(seconds)
        problem.params["wait"] = wait
        problem.headers["Retry-After"] = str(wait)
    return problem


def _drf_generic(exc: drf_exceptions.APIException) -> Problem:
    """A DRF exception class we do not know: its own default_code, its own status."""
    code = getattr(exc.detail, "code", None) if not isinstance(exc.detail, list | dict) else None
    code = code or type(exc).default_code
    if code == drf_exceptions.APIException.default_code:
        from apierrors.catalog import GENERIC_CODES

        code = GENERIC_CODES.get(
            exc.status_code, "server_error" if exc.status_code >= 500 else "bad_request"
        )
    return Problem(code=str(code), exc=exc, status_code=exc.status_code, detail=_custom_detail(exc))


# Django -------------------------------------------------------------------------------------


def _django_messages(error: django_exceptions.ValidationError) -> Iterator[tuple[str, str]]:
    for item in error.error_list:
        message = item.message
        if item.params:
            with contextlib.suppress(TypeError, ValueError, KeyError):
                message = message % item.params
        yield str(item.code or "invalid"), str(message)


def _django_validation(exc: django_exceptions.ValidationError) -> Problem:
    errors: list[FieldError] = []
    if hasattr(exc, "error_dict"):
        for name, field_errors in exc.error_dict.items():
            path: tuple[PathPart, ...] = (
                drf_settings.NON_FIELD_ERRORS_KEY
                if name == django_exceptions.NON_FIELD_ERRORS
                else name,
            )
            for error in field_errors:
                errors.extend(
                    FieldError(path, code, message) for code, message in _django_messages(error)
                )
    else:
        errors.extend(FieldError((), code, message) for code, message in _django_messages(exc))
    return Problem(code="validation_error", exc=exc, field_errors=errors)


def _code(code: str) -> Resolver:
    """An exception answered by a fixed catalog code, its own text never shown."""

    def resolve(exc: BaseException) -> Problem:
        return Problem(code=code, exc=exc)

    return resolve


def _api_error(exc: APIError) -> Problem:
    return Problem(
        code=exc.code, exc=exc, status_code=exc.status, detail=exc.detail, params=dict(exc.params)
    )


BUILTIN_RESOLVERS: dict[type[BaseException], Resolver] = {
    APIError: _api_error,
    # DRF
    drf_exceptions.APIException: _drf_generic,
    drf_exceptions.ValidationError: _drf_validation,
    drf_exceptions.ParseError: _drf("invalid_json", drf_exceptions.ParseError),
    drf_exceptions.AuthenticationFailed: _drf(
        "authentication_failed", drf_exceptions.AuthenticationFailed
    ),
    drf_exceptions.NotAuthenticated: _drf("unauthorized", drf_exceptions.NotAuthenticated),
    drf_exceptions.PermissionDenied: _drf("forbidden", drf_exceptions.PermissionDenied),
    drf_exceptions.NotFound: _drf("not_found", drf_exceptions.NotFound),
    drf_exceptions.MethodNotAllowed: _drf_method,
    drf_exceptions.NotAcceptable: _drf(
        "not_acceptable", drf_exceptions.NotAcceptable, keep_detail=False
    ),
    drf_exceptions.UnsupportedMediaType: _drf(
        "unsupported_media_type", drf_exceptions.UnsupportedMediaType, keep_detail=False
    ),
    drf_exceptions.Throttled: _drf_throttled,
    # Django
    Http404: _code("not_found"),
    django_exceptions.ObjectDoesNotExist: _code("not_found"),
    django_exceptions.PermissionDenied: _code("forbidden"),
    django_exceptions.ValidationError: _django_validation,
    django_exceptions.MultipleObjectsReturned: _code("sql_multiple_results_found"),
    django_exceptions.RequestDataTooBig: _code("payload_too_large"),
    django_exceptions.SuspiciousOperation: _code("bad_request"),
    django_exceptions.BadRequest: _code("bad_request"),
    IntegrityError: _code("conflict"),
    ProtectedError: _code("conflict"),
    RestrictedError: _code("conflict"),
    DatabaseError: _code("database_unavailable"),
}


@functools.cache
def exception_map() -> dict[type[BaseException], Resolver]:
    """Built-in resolvers with the site's EXCEPTION_CODES on top, read once per settings."""
    resolvers = dict(BUILTIN_RESOLVERS)
    for exc_class, code in apierrors_settings.EXCEPTION_CODES.items():
        resolvers[exc_class] = _code(code)
    return resolvers


def resolve(exc: BaseException) -> Problem:
    """The Problem for ``exc``: the most specific class in its MRO that has a resolver wins."""
    resolvers = exception_map()
    for klass in type(exc).__mro__:
        resolver = resolvers.get(klass)
        if resolver is not None:
            problem = resolver(exc)
            break
    else:
        problem = Problem(code="server_error", exc=exc)
    problem.params = _capped(problem.params)
    return problem


def _capped(params: dict[str, Any]) -> dict[str, Any]:
    """Echoed values are the raiser's input, often the client's: keep them short and plain."""
    limit = apierrors_settings.MAX_PARAM_LENGTH
    capped: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(value, bool | int | float | type(None)):
            value = str(value)
            if len(value) > limit:
                value = value[:limit] + "…"
        capped[str(key)] = value
    return capped
