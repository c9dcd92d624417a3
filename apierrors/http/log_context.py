"""error_id and request_id on every log line of a request: a logging filter, a structlog processor.

The middleware opens a context for each request with its request id; the handler adds the
error_id when it answers an error; the context is cleared when the response is closed
(``request_finished``), after Django logged the response, so that line carries both ids too.
A ContextVar holds it: threads and asyncio tasks each see their own request.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping
from contextvars import ContextVar
from typing import Any

_context: ContextVar[dict[str, str] | None] = ContextVar("apierrors_log_context", default=None)

FIELDS = ("request_id", "error_id")


def begin(request_id: str) -> None:
    """A new request: its id, no error yet. Replaces what an earlier request left."""
    _context.set({"request_id": request_id, "error_id": ""})


def bind_error_id(error_id: str) -> None:
    """The request's error, from now on; the latest when a request answers several."""
    context = _context.get()
    if context is not None:
        context["error_id"] = error_id


def clear(**kwargs: Any) -> None:
    """Receiver of ``request_finished``: lines after the request carry no ids."""
    _context.set(None)


def current() -> dict[str, str]:
    """The ids of the request being served; empty outside a request."""
    return dict(_context.get() or {})


class RequestContextFilter(logging.Filter):
    """Adds ``record.request_id`` and ``record.error_id`` ("" when unknown) to every record.

    Values a caller passed in ``extra`` are kept.

        "filters": {"apierrors": {"()": "apierrors.http.log_context.RequestContextFilter"}},
        "formatters": {"ids": {"format": "%(levelname)s %(request_id)s %(error_id)s %(message)s"}},
    """

    def filter(self, record: logging.LogRecord) -> bool:
        context = _context.get() or {}
        for name in FIELDS:
            if not getattr(record, name, ""):
                setattr(record, name, context.get(name, ""))
        return True


def add_request_context(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """A structlog processor: the request's ids into the event, where known and not already set.

    structlog.configure(processors=[apierrors.http.log_context.add_request_context, ...])
    """
    for name, value in (_context.get() or {}).items():
        if value:
            event_dict.setdefault(name, value)
    return event_dict
