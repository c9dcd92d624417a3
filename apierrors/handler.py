"""DRF's EXCEPTION_HANDLER: apierrors.handler.exception_handler runs the error pipeline."""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db import connections
from django.http import HttpResponse

from apierrors.conf import apierrors_settings
from apierrors.http.pipeline import ErrorHandler, ErrorResponse, mark_rollback, run


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse:
    """DRF's EXCEPTION_HANDLER: every exception answered from the catalog; the view rolled back.

    Inside an ATOMIC_REQUESTS transaction, the transaction is marked now and the answer decided
    after the view (ErrorResponse), where ANSWER_AFTER_VIEW says so. Otherwise it is answered
    now, which spares the pending response's cost, and a transaction is marked for rollback
    before the record step.
    """
    handler = ErrorHandler(exc, context.get("request"), context.get("view"))
    # DRF's set_rollback(), keeping the connections it marks.
    marked = [
        db
        for db in connections.all(initialized_only=True)
        if db.settings_dict["ATOMIC_REQUESTS"] and db.in_atomic_block
    ]
    if not marked:
        return run(handler)
    if not answer_after_view(marked):
        handler.rollback = partial(mark_rollback, marked)
        return run(handler)
    mark_rollback(marked)
    return ErrorResponse(handler, marked)


def answer_after_view(databases: list[Any]) -> bool:
    """ANSWER_AFTER_VIEW for a view in transactions on ``databases``: "auto" answers after the
    view where a transaction holds the database's write lock (SQLite's do), else in it."""
    setting = apierrors_settings.ANSWER_AFTER_VIEW
    if setting == "auto":
        return any(db.vendor == "sqlite" for db in databases)
    return bool(setting)
