"""What we keep: ErrorLog rows written outside the request's transaction, redacted and bounded."""

from __future__ import annotations

import json
import logging
import traceback
from collections.abc import Iterable
from typing import Any, Final

from django.db import connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import empty
from rest_framework.request import Empty as NotParsed

from apierrors.conf import apierrors_settings
from apierrors.formats import ClientError
from apierrors.formats.base import body_text
from apierrors.models import ErrorCode, ErrorLog
from apierrors.resolve import Problem

logger = logging.getLogger("apierrors.log")

# Attribute of the Django request holding records the middleware writes after the view.
PENDING_ATTR: Final = "_apierrors_pending"

REDACTED: Final = "[redacted]"
TRUNCATED: Final = "[truncated]"
# Substrings of header, query and body keys whose values are never stored.
SENSITIVE_KEYS: Final = (
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "api-key",
    "authorization",
    "cookie",
    "session",
    "csrf",
    "credit_card",
    "card_number",
    "cvv",
    "signature",
)
MAX_TRACEBACK: Final = 64 * 1024
MAX_TEXT: Final = 4096
MAX_DEPTH: Final = 20
MAX_ITEMS: Final = 200


def is_sensitive(key: object) -> bool:
    lowered = str(key).lower()
    return any(marker in lowered for marker in SENSITIVE_KEYS)


def redact(data: Any) -> Any:
    """A copy of ``data``, sensitive keys' values replaced, bounded in depth, width and length."""
    if isinstance(data, str):
        return data if len(data) <= MAX_TEXT else data[:MAX_TEXT] + TRUNCATED
    if isinstance(data, bool | int | float) or data is None:
        return data
    root: Any = {} if isinstance(data, dict) else []
    stack: list[tuple[Any, Any, int]] = [(data, root, 0)]
    while stack:
        source, target, depth = stack.pop()
        items: Iterable[tuple[Any, Any]] = (
            source.items() if isinstance(source, dict) else enumerate(source)
        )
        for count, (key, value) in enumerate(items):
            if count >= MAX_ITEMS:
                _put(target, TRUNCATED if isinstance(target, dict) else None, TRUNCATED)
                break
            if isinstance(target, dict) and is_sensitive(key):
                value = REDACTED
            elif isinstance(value, dict | list | tuple):
                if depth + 1 >= MAX_DEPTH:
                    value = TRUNCATED
                else:
                    child: Any = {} if isinstance(value, dict) else []
                    stack.append((value, child, depth + 1))
                    _put(target, key, child)
                    continue
            elif isinstance(value, str):
                value = value if len(value) <= MAX_TEXT else value[:MAX_TEXT] + TRUNCATED
            elif not isinstance(value, bool | int | float) and value is not None:
                value = str(value)[:MAX_TEXT]
            _put(target, key, value)
    return root


def _put(target: Any, key: Any, value: Any) -> None:
    if isinstance(target, dict):
        target[str(key)] = value
    else:
        target.append(value)


def _headers(request: HttpRequest) -> dict[str, str]:
    return {name: value for name, value in request.headers.items()}


def _body(request: Any) -> Any:
    """What the request carried: the parsed data when a parser ran, else the raw body if unread.

    Multipart bodies are never read here (files); a body over Django's upload limit is not read.
    """
    full_data = getattr(request, "_full_data", NotParsed)
    django_request = getattr(request, "_request", request)
    if full_data is not NotParsed:
        data = full_data
    elif hasattr(django_request, "_post"):
        data = django_request._post
    else:
        content_type = django_request.META.get("CONTENT_TYPE", "")
        if content_type.startswith("multipart/"):
            return None
        try:
            raw = django_request.body
        except Exception:
            return None
        if not raw:
            return None
        raw = raw[: MAX_TEXT * 4]
        try:
            return json.loads(raw)
        except (ValueError, RecursionError):
            return raw.decode("utf-8", "replace")
    if hasattr(data, "lists"):  # QueryDict: single values stay single
        return {key: values[0] if len(values) == 1 else values for key, values in data.lists()}
    return data


def _user(request: Any) -> tuple[str, str]:
    """The user as far as it was already known: never authenticates, never queries."""
    django_request = getattr(request, "_request", request)
    user = django_request.__dict__.get("user")
    wrapped = getattr(user, "_wrapped", user)
    if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
        return "", ""
    return str(wrapped.pk), str(wrapped.get_username())


def build_record(
    problem: Problem, error: ClientError, body: dict[str, Any], request: Any
) -> dict[str, Any]:
    """The ErrorLog row as plain data; built inside the handler, written later."""
    exc = problem.exc
    django_request = getattr(request, "_request", request)
    user_pk, username = _user(request) if request is not None else ("", "")
    record: dict[str, Any] = {
        "error_id": error.error_id,
        "code": error.code,
        "status_code": error.status_code,
        "method": getattr(django_request, "method", "") or "",
        "path": getattr(django_request, "path", "")[:2048],
        "query_string": "",
        "request_id": error.request_id,
        "user_pk": user_pk,
        "username": username,
        "language": error.language,
        "exception_class": f"{type(exc).__module__}.{type(exc).__qualname__}" if exc else "",
        "exception_message": str(exc)[:MAX_TEXT] if exc else "",
        "traceback": "",
        "params": redact(problem.params),
        "field_errors": [
            {"path": list(item.path), "code": item.code, "message": item.message}
            for item in problem.field_errors[:MAX_ITEMS]
        ],
        "request_headers": {},
        "request_body": None,
        "response_body": body,
        # The body as sent: a JSON column may reorder keys (PostgreSQL's jsonb does).
        "response_text": body_text(body),
        "created_at": timezone.now(),
        # Not a column: whether to create a draft catalog entry for an unknown code.
        "create_draft": False,
    }
    if django_request is not None and isinstance(django_request, HttpRequest):
        record["query_string"] = json.dumps(redact(dict(django_request.GET.lists())))[:MAX_TEXT]
        record["request_headers"] = redact(_headers(django_request))
        record["request_body"] = redact(_body(request))
    if exc is not None and error.status_code >= 500:
        record["traceback"] = "".join(traceback.format_exception(exc))[-MAX_TRACEBACK:]
    return record


def record(entry: dict[str, Any], request: Any) -> None:
    """Keep a record: after the view when the middleware runs, else now if that is safe."""
    if not apierrors_settings.LOG_ENABLED:
        return
    django_request = getattr(request, "_request", request)
    pending = getattr(django_request, PENDING_ATTR, None)
    if pending is not None:
        pending.append(entry)
    else:
        write([entry])


def write(records: list[dict[str, Any]]) -> None:
    """Insert the rows; whatever fails goes to Python logging whole, never to the caller."""
    if not records:
        return
    alias = router.db_for_write(ErrorLog)
    connection = connections[alias]
    if connection.in_atomic_block and connection.needs_rollback:
        # The view's transaction is doomed: a row written in it would vanish with it.
        for item in records:
            log_line(item, reason="transaction marked for rollback")
        return
    try:
        with transaction.atomic(using=alias):
            ErrorLog.objects.using(alias).bulk_create(
                [
                    ErrorLog(**{k: v for k, v in item.items() if k != "create_draft"})
                    for item in records
                ]
            )
    except Exception:
        logger.exception("apierrors: error log unavailable")
        for item in records:
            log_line(item, reason="database write failed")
        return
    drafts = {item["code"]: item for item in records if item["create_draft"]}
    for code, item in drafts.items():
        create_draft(code, item["status_code"], alias)


def create_draft(code: str, status_code: int, alias: str) -> None:
    """A catalog row for a code raised but not yet described, for staff to fill in."""
    from apierrors.catalog import catalog

    generic = catalog.generic(code, status_code, "en")
    try:
        with transaction.atomic(using=alias):
            ErrorCode.objects.using(alias).get_or_create(
                code=code,
                defaults={
                    "status_code": status_code,
                    "category": generic.category,
                    "title": generic.title,
                    "message": generic.message,
                    "action": generic.action,
                    "is_public": False,
                    "is_draft": True,
                },
            )
    except Exception:
        logger.warning("apierrors: could not create a draft entry for %r", code, exc_info=True)


def log_line(item: dict[str, Any], *, reason: str) -> None:
    """The record as one structured log line: nothing is lost when the table is not there."""
    payload = {k: v for k, v in item.items() if k != "create_draft"}
    logger.error(
        "apierrors error_id=%s not stored (%s): %s",
        item["error_id"],
        reason,
        json.dumps(payload, default=str, ensure_ascii=False),
        extra={"error_id": item["error_id"], "request_id": item["request_id"]},
    )
