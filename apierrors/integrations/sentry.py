"""Sentry: each server error captured once, tagged with its error_id; its event id kept in the log.

Works when sentry-sdk is installed and initialised (``sentry_sdk.init``); otherwise it does
nothing. The handler captures the exception itself, before Django's ``got_request_exception``,
so it knows the event id; Sentry's DedupeIntegration (on by default) then drops the copy that
the Django and logging integrations would send for the same exception.
"""

from __future__ import annotations

import logging

from django.utils.html import format_html

from apierrors.conf import apierrors_settings

logger = logging.getLogger("apierrors")


def capture(exc: BaseException, *, error_id: str, request_id: str) -> str:
    """Send ``exc`` to Sentry with the error's ids as tags; its event id, or "" when not sent."""
    try:
        import sentry_sdk
        from sentry_sdk.utils import event_from_exception
    except ImportError:
        return ""
    try:
        client = sentry_sdk.get_client()
        if not client.is_active():
            return ""
        event, hint = event_from_exception(
            exc, client_options=client.options, mechanism={"type": "django", "handled": False}
        )
        with sentry_sdk.new_scope() as scope:
            scope.set_tag("error_id", error_id)
            scope.set_tag("request_id", request_id)
            return sentry_sdk.capture_event(event, hint=hint) or ""
    except Exception:
        # Reporting must never change the client's answer.
        logger.warning("apierrors: could not send error_id=%s to Sentry", error_id, exc_info=True)
        return ""


def event_link(event_id: str) -> str:
    """The admin's view of an event id: a link when SENTRY_EVENT_URL is set, else the id."""
    if not event_id:
        return "-"
    template = apierrors_settings.SENTRY_EVENT_URL
    if not template:
        return event_id
    return format_html(
        '<a href="{}" rel="noopener">{}</a>', template.replace("{event_id}", event_id), event_id
    )
