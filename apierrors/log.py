"""What we keep: ErrorLog rows written outside the request's transaction, redacted and bounded."""

from __future__ import annotations

import json
import logging
import traceback
from typing import Any, Final

from django.db import connections, router, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import empty

from apierrors import storm
from apierrors.conf import apierrors_settings
from apierrors.formats import ClientError
from apierrors.formats.base import body_text
from apierrors.models import ErrorCode, ErrorLog
from apierrors.redaction import (
    column_text,
    query_string,
    redact,
    redact_text,
    request_body,
    request_headers,
    safe_str,
)
from apierrors.resolve import Problem

logger = logging.getLogger("apierrors.log")

# Attribute of the Django request holding records the middleware writes after the view.
PENDING_ATTR: Final = "_apierrors_pending"


def _user(request: Any) -> tuple[str, str]:
    """The user as far as it was already known: never authenticates, never queries.

    DRF's ``request.user`` authenticates on first access, and again after an authenticator
    raised something other than an APIException: touching it here could raise, or query a
    connection the view's failure left unusable. The Django request's own attribute is read,
    and only when something already resolved it.
    """
    django_request = getattr(request, "_request", request)
    try:
        user = django_request.__dict__.get("user")
        wrapped = getattr(user, "_wrapped", user)
        if wrapped is None or wrapped is empty or not getattr(wrapped, "is_authenticated", False):
            return "", ""
        return column_text(wrapped.pk, 64), column_text(wrapped.get_username(), 150)
    except Exception:
        return "", ""


def _class_path(exc: BaseException) -> str:
    return column_text(f"{type(exc).__module__}.{type(exc).__qualname__}", 255)


def _traceback(exc: BaseException) -> str:
    try:
        text = "".join(traceback.format_exception(exc))
    except Exception:
        text = f"{_class_path(exc)}: {safe_str(exc)}"
    return redact_text(text, apierrors_settings.LOG_MAX_TRACEBACK, keep="tail")


def build_record(
    problem: Problem, error: ClientError, body: dict[str, Any], request: Any
) -> dict[str, Any]:
    """The ErrorLog row as plain data; built inside the handler, written later.

    Everything that came from outside is redacted and bounded (apierrors.redaction), and every
    value fits its column, so no client input can make the row fail to save.
    """
    exc = problem.exc
    django_request = getattr(request, "_request", request)
    user_pk, username = _user(request) if request is not None else ("", "")
    # What the client was sent, redacted like the rest: formats may echo params.
    redacted_body = redact(body)
    record: dict[str, Any] = {
        "error_id": error.error_id,
        "code": column_text(error.code, 100),
        "status_code": error.status_code,
        "method": column_text(getattr(django_request, "method", "") or "", 16),
        "path": redact_text(safe_str(getattr(django_request, "path", "") or ""), 2048),
        "query_string": "",
        "request_id": column_text(error.request_id, 128),
        "user_pk": user_pk,
        "username": username,
        "language": column_text(error.language, 16),
        "exception_class": _class_path(exc) if exc is not None else "",
        "exception_message": redact_text(safe_str(exc)) if exc is not None else "",
        "traceback": "",
        "params": redact(problem.params),
        "field_errors": redact(
            [
                {"path": list(item.path), "code": item.code, "message": item.message}
                for item in problem.field_errors[: apierrors_settings.LOG_MAX_ITEMS]
            ]
        ),
        "request_headers": {},
        "request_body": None,
        "response_body": redacted_body,
        # The body as sent: a JSON column may reorder keys (PostgreSQL's jsonb does).
        "response_text": body_text(redacted_body),
        "created_at": timezone.now(),
        # Not a column: whether to create a draft catalog entry for an unknown code.
        "create_draft": False,
    }
    if isinstance(django_request, HttpRequest):
        record["query_string"] = query_string(django_request)
        record["request_headers"] = request_headers(django_request)
        record["request_body"] = request_body(request)
    if exc is not None and error.status_code >= 500:
        record["traceback"] = _traceback(exc)
    return record


def record(entry: dict[str, Any], request: Any) -> None:
    """Keep a record: after the view when the middleware runs, else now if that is safe."""
    if not apierrors_settings.LOG_ENABLED:
        return
    kept = storm.admit(entry)
    if not kept:
        return
    django_request = getattr(request, "_request", request)
    pending = getattr(django_request, PENDING_ATTR, None)
    if pending is not None:
        pending.extend(kept)
    else:
        write(kept)


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
