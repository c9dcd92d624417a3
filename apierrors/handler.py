"""DRF's EXCEPTION_HANDLER: apierrors.handler.exception_handler runs the error pipeline."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from apierrors.http.pipeline import handle


def exception_handler(exc: Exception, context: dict[str, Any]) -> HttpResponse:
    """DRF's EXCEPTION_HANDLER: every exception answered from the catalog.

    As DRF's own handler, it answers inside the view and marks the view's ATOMIC_REQUESTS
    transaction for rollback (rest_framework.views.set_rollback); the error's row is written
    once the view returned, outside that transaction.
    """
    return handle(exc, context.get("request"), context.get("view"), in_view=True)
