"""What happened: any exception -> Problem (catalog code, params, field errors); no HTTP, no DB."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Final

from django.core import exceptions as django_exceptions
from django.db import DatabaseError, IntegrityError
from django.db.models.deletion import ProtectedError, RestrictedError
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.settings import api_settings as drf_settings

from apierrors.core.entry import GENERIC_CODES
from apierrors.core.exceptions import APIError, placeholder
from apierrors.i18n import translations_of

PathPart = str | int


@dataclass(frozen=True, slots=True)
class FieldError:
    """One message about one field; ``path`` leads to it through nested objects and lists."""

    path: tuple[PathPart, ...]
    code: str
    message: str
    # The message before its parameters were filled in, ``{{ name }}`` style; "" when the
    # raiser gave none (the message is then its own template).
    template: str = ""
    parameters: Mapping[str, Any] = field(default_factory=dict)


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
    # The code and text DRF's own handler would have answered with, for formats that speak
    # DRF's vocabulary (``standardized``); a lazy text is translated when composed.
    drf_code: str | None = None
    drf_detail: Any = None


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
        if isinstance(node, Mapping):
            stack.extend(((*path, key), value) for key, value in reversed(list(node.items())))
        elif isinstance(node, list | tuple):
            # A list of messages belongs to its field; a list of objects is indexed.
            if all(isinstance(item, str) for item in node):
                # Only messages (a serializer field's usual list): they come next in any case.
                errors.extend(_field_error(path, item) for item in node)
                continue
            children = [
                (path if isinstance(item, str) else (*path, index), item)
                for index, item in enumerate(node)
            ]
            stack.extend(reversed(children))
        elif node is not None:
            errors.append(_field_error(path, node))
    return errors


def _field_error(path: tuple[PathPart, ...], message: Any) -> FieldError:
    """One message of DRF's error detail, usually an ErrorDetail."""
    code = getattr(message, "code", None) or "invalid"
    if type(code) is str:
        # DRF's own codes: looking for a template on a plain str costs two raised and caught
        # AttributeErrors per field.
        return FieldError(path, code, str(message))
    # violation() messages carry their template on the code, DRF's only survivor.
    return FieldError(
        path,
        str(code),
        str(message),
        template=getattr(code, "template", ""),
        parameters=getattr(code, "parameters", {}),
    )


def _detail_code(exc: drf_exceptions.APIException) -> Any:
    """The code the exception's detail carries; None for a list or dict of details."""
    return None if isinstance(exc.detail, list | dict) else getattr(exc.detail, "code", None)


def _own_code(
    exc: drf_exceptions.APIException, mapped: type[drf_exceptions.APIException]
) -> str | None:
    """The code a DRF exception was raised with, when it is not its mapped class's default."""
    code = _detail_code(exc)
    if code and code != mapped.default_code:
        return str(code)
    if type(exc).default_code != mapped.default_code:
        return str(type(exc).default_code)
    return None


def _drf_problem(
    exc: drf_exceptions.APIException, code: str, status_code: int | None, *, keep_detail: bool
) -> Problem:
    """The Problem for a DRF exception: its detail, when the raiser wrote one (not its class's
    default text in any of the site's languages: the raise may have happened in any), and
    DRF's own code and text, its default text kept lazy to be translated."""
    custom = None
    if isinstance(exc.detail, list | dict):
        drf_detail = type(exc).default_detail
    else:
        text = str(exc.detail)
        if text not in translations_of(exc.default_detail):
            custom = text
        drf_detail = exc.default_detail if custom is None else text
    return Problem(
        code=code,
        exc=exc,
        status_code=status_code,
        detail=custom if keep_detail else None,
        drf_code=str(_detail_code(exc) or type(exc).default_code),
        drf_detail=drf_detail,
    )


def _drf(
    code: str, mapped: type[drf_exceptions.APIException], *, keep_detail: bool = True
) -> Resolver:
    def resolve(exc: drf_exceptions.APIException) -> Problem:
        status_code = exc.status_code if exc.status_code != mapped.status_code else None
        problem = _drf_problem(
            exc, _own_code(exc, mapped) or code, status_code, keep_detail=keep_detail
        )
        if auth_header := getattr(exc, "auth_header", None):
            problem.headers["WWW-Authenticate"] = str(auth_header)
        return problem

    return resolve


def _drf_validation(exc: drf_exceptions.ValidationError) -> Problem:
    return Problem(code="validation_error", exc=exc, field_errors=flatten_drf_errors(exc.detail))


def _drf_throttled(exc: drf_exceptions.Throttled) -> Problem:
    problem = _drf("too_many_requests", drf_exceptions.Throttled, keep_detail=False)(exc)
    if (seconds := getattr(exc, "wait", None)) is not None:
        wait = math.ceil(seconds)
        problem.params["wait"] = wait
        problem.headers["Retry-After"] = str(wait)
    return problem


def _drf_generic(exc: drf_exceptions.APIException) -> Problem:
    """A DRF exception class we do not know: its own default_code, its own status."""
    code = str(_detail_code(exc) or type(exc).default_code)
    if code == drf_exceptions.APIException.default_code:
        code = GENERIC_CODES.get(
            exc.status_code, "server_error" if exc.status_code >= 500 else "bad_request"
        )
    return _drf_problem(exc, code, exc.status_code, keep_detail=True)


# Django -------------------------------------------------------------------------------------


# Django's ``%(name)s`` placeholders (any conversion), and its escaped ``%%``.
_PERCENT_PLACEHOLDER: Final = re.compile(
    r"%%|%\((?P<name>[A-Za-z_][A-Za-z0-9_]*)\)[#0 +-]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
)


def _as_template(message: str) -> str:
    """Django's ``%(name)s`` message as a ``{{ name }}`` template, the one formats show."""
    return _PERCENT_PLACEHOLDER.sub(
        lambda match: "%" if match.group(0) == "%%" else placeholder(match.group("name")), message
    )


def _template_text(message: Any, params: Mapping[str, Any]) -> str:
    """A Django message before its params are filled, in the active language; "" if unknown.

    ``ngettext_lazy()`` with a named count (Django's length validators) reads "" until it is
    filled. Formatting it with ``str.format()`` and the params picks its text for the count,
    and leaves that text's ``%(name)s`` placeholders as they are.
    """
    text = str(message)
    if text or not message:
        return text
    try:
        return str(message.format(**params))
    except Exception:
        return ""


def _django_errors(
    path: tuple[PathPart, ...], error: django_exceptions.ValidationError
) -> Iterator[FieldError]:
    """Each message of a Django ValidationError; named params keep the message's template."""
    for item in error.error_list:
        code = str(item.code or "invalid")
        params = item.params
        try:
            message = str(item.message % params) if params else str(item.message)
        except (TypeError, ValueError, KeyError):
            message = str(item.message)
        template = _template_text(item.message, params) if isinstance(params, Mapping) else ""
        if params and template and template != message:
            # Only what the message names: Django also passes the submitted value along.
            named = {match.group("name") for match in _PERCENT_PLACEHOLDER.finditer(template)}
            yield FieldError(
                path,
                code,
                message,
                template=_as_template(template),
                parameters={k: v for k, v in params.items() if k in named},
            )
        else:
            yield FieldError(path, code, message)


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
                errors.extend(_django_errors(path, error))
    else:
        errors.extend(_django_errors((), exc))
    return Problem(code="validation_error", exc=exc, field_errors=errors)


def _code(code: str, drf_equivalent: type[drf_exceptions.APIException] | None = None) -> Resolver:
    """An exception answered by a fixed catalog code, its own text never shown.

    ``drf_equivalent`` is the DRF exception DRF's own handler turns it into (Http404 ->
    NotFound), whose default code and text formats in DRF's vocabulary show.
    """
    drf_code = str(drf_equivalent.default_code) if drf_equivalent else None
    drf_detail = drf_equivalent.default_detail if drf_equivalent else None

    def resolve(exc: BaseException) -> Problem:
        return Problem(code=code, exc=exc, drf_code=drf_code, drf_detail=drf_detail)

    return resolve


def _api_error(exc: APIError) -> Problem:
    return Problem(
        code=exc.code, exc=exc, status_code=exc.status, detail=exc.detail, params=dict(exc.params)
    )


def _recursion(exc: RecursionError) -> Problem:
    """A body nested deeper than Python's JSON parser can follow is the client's invalid JSON
    (DRF's parser lets RecursionError through); any other RecursionError is a crash."""
    frame = exc.__traceback__
    while frame is not None and frame.tb_next is not None:
        frame = frame.tb_next
    module = frame.tb_frame.f_globals.get("__name__", "") if frame is not None else ""
    return Problem(code="invalid_json" if module.startswith("json.") else "server_error", exc=exc)


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
    drf_exceptions.MethodNotAllowed: _drf(
        "not_allowed", drf_exceptions.MethodNotAllowed, keep_detail=False
    ),
    drf_exceptions.NotAcceptable: _drf(
        "not_acceptable", drf_exceptions.NotAcceptable, keep_detail=False
    ),
    drf_exceptions.UnsupportedMediaType: _drf(
        "unsupported_media_type", drf_exceptions.UnsupportedMediaType, keep_detail=False
    ),
    drf_exceptions.Throttled: _drf_throttled,
    # Django
    Http404: _code("not_found", drf_exceptions.NotFound),
    django_exceptions.ObjectDoesNotExist: _code("not_found", drf_exceptions.NotFound),
    django_exceptions.PermissionDenied: _code("forbidden", drf_exceptions.PermissionDenied),
    django_exceptions.ValidationError: _django_validation,
    django_exceptions.MultipleObjectsReturned: _code("sql_multiple_results_found"),
    django_exceptions.RequestDataTooBig: _code("payload_too_large"),
    django_exceptions.SuspiciousOperation: _code("bad_request"),
    django_exceptions.BadRequest: _code("bad_request"),
    IntegrityError: _code("conflict"),
    ProtectedError: _code("conflict"),
    RestrictedError: _code("conflict"),
    DatabaseError: _code("database_unavailable"),
    RecursionError: _recursion,
}


def resolvers_with(codes: Mapping[type[BaseException], str]) -> dict[type[BaseException], Resolver]:
    """The built-in resolvers with ``codes`` (exception class -> catalog code) on top."""
    return {**BUILTIN_RESOLVERS, **{exc_class: _code(code) for exc_class, code in codes.items()}}


def resolve(
    exc: BaseException,
    resolvers: Mapping[type[BaseException], Resolver] = BUILTIN_RESOLVERS,
    *,
    camel_case_paths: bool = False,
    max_param_length: int = 200,
) -> Problem:
    """The Problem for ``exc``: the most specific class in its MRO that has a resolver wins.

    Field paths are written in camelCase when ``camel_case_paths``; echoed values are cut to
    ``max_param_length`` characters.
    """
    for klass in type(exc).__mro__:
        resolver = resolvers.get(klass)
        if resolver is not None:
            problem = resolver(exc)
            break
    else:
        problem = Problem(code="server_error", exc=exc)
    problem.params = _capped(problem.params, max_param_length)
    problem.field_errors = [
        replace(
            item,
            path=tuple(map(camel_case, item.path)) if camel_case_paths else item.path,
            parameters=_capped(item.parameters, max_param_length),
        )
        if camel_case_paths or item.parameters
        else item
        for item in problem.field_errors
    ]
    return problem


def camel_case(part: PathPart) -> PathPart:
    """``date_from`` -> ``dateFrom``, as camelCase renderers write keys; indexes stay ints."""
    if not isinstance(part, str) or "_" not in part.strip("_"):
        return part
    stripped = part.lstrip("_")
    lead = part[: len(part) - len(stripped)]
    head, *rest = stripped.split("_")
    return lead + head + "".join(word[:1].upper() + word[1:] for word in rest)


def _capped(params: Mapping[str, Any], limit: int) -> dict[str, Any]:
    """Echoed values are the raiser's input, often the client's: keep them short and plain."""
    capped: dict[str, Any] = {}
    for key, value in params.items():
        if not isinstance(value, bool | int | float | type(None)):
            value = str(value)
            if len(value) > limit:
                value = value[:limit] + "…"
        capped[str(key)] = value
    return capped
