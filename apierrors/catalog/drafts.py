"""Draft catalog entries for codes raised but not described: capped, kept off the reference."""

from __future__ import annotations

import logging
import threading
import time
from typing import Final

from django.db import transaction

from apierrors.conf import apierrors_settings
from apierrors.models import ErrorCode

logger = logging.getLogger("apierrors.drafts")

# The window of DRAFT_LIMITS["per_hour"], in seconds.
WINDOW: Final = 3600.0


class DraftGate:
    """Per process: how many new codes may become drafts in the current hour.

    A client whose input reaches ``APIError(code)`` could otherwise fill the catalog with a
    draft per request. A code already let through in the window passes again (the draft may not
    be written yet); past the cap, codes are counted, and the count is logged once per window.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._started = -WINDOW
        self._codes: set[str] = set()
        self._refused = 0
        self._last_refused = ""

    def allow(self, code: str, now: float | None = None) -> bool:
        """Whether ``code``, unknown to the catalog, may become a draft now."""
        if not apierrors_settings.CREATE_DRAFTS:
            return False
        per_hour = apierrors_settings.DRAFT_LIMITS["per_hour"]
        now = time.monotonic() if now is None else now
        closed = None
        with self._lock:
            if now - self._started >= WINDOW:
                if self._refused:
                    closed = (self._refused, self._last_refused)
                self._started, self._codes, self._refused = now, set(), 0
            allowed = code in self._codes or per_hour is None or len(self._codes) < per_hour
            if allowed:
                self._codes.add(code)
            else:
                self._refused += 1
                self._last_refused = code
            first_refused = not allowed and self._refused == 1
        if closed is not None:
            refused(*closed, reason=f"more than {per_hour} new codes in an hour")
        if first_refused:
            logger.warning(
                "apierrors: %s new codes became drafts in this process this hour, the cap; %r "
                "and the next unknown codes are answered with their generic entry and counted",
                per_hour,
                code,
            )
        return allowed

    def reset(self) -> None:
        """Start afresh, as a new process would."""
        with self._lock:
            self._started, self._codes, self._refused = -WINDOW, set(), 0


def refused(count: int, last: str, *, reason: str) -> None:
    logger.warning(
        "apierrors: %d unknown codes answered with their generic entry and not drafted (%s); "
        "last: %r",
        count,
        reason,
        last,
    )


gate = DraftGate()


def create(code: str, status_code: int, alias: str) -> None:
    """A catalog row for a code raised but not yet described, for staff to fill in: inactive
    for the reference (``is_draft``) until staff publish it, and never more than
    ``DRAFT_LIMITS["total"]`` drafts at once."""
    from apierrors.catalog.store import catalog

    total = apierrors_settings.DRAFT_LIMITS.get("total", 100)
    entries = ErrorCode.objects.using(alias)
    try:
        if total is not None and entries.filter(is_draft=True).count() >= total:
            if not entries.filter(code=code).exists():
                refused(1, code, reason=f"{total} drafts wait for staff already")
            return
        generic = catalog.generic(code, status_code, "en")
        with transaction.atomic(using=alias):
            entries.get_or_create(
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
