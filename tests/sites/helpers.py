"""What the language tests share: LocaleMiddleware switched on, a clean thread, admin forms."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from apierrors.models import TRANSLATED_FIELDS, ErrorCode

LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"


def with_locale_middleware(middleware: list[str]) -> list[str]:
    """MIDDLEWARE with Django's LocaleMiddleware where its documentation places it."""
    middleware = list(middleware)
    middleware.insert(
        middleware.index("django.middleware.common.CommonMiddleware"), LOCALE_MIDDLEWARE
    )
    return middleware


@pytest.fixture(autouse=True)
def fresh_thread_language():
    """LocaleMiddleware leaves its language active in the thread; the next test starts clean."""
    translation.deactivate()
    yield
    translation.deactivate()


def admin_form(entry: ErrorCode, **changes: str) -> dict[str, Any]:
    """The catalog's change form as the admin shows it for ``entry``, with ``changes`` typed in."""
    data: dict[str, Any] = {
        "code": entry.code,
        "status_code": entry.status_code,
        "category": entry.category,
        "is_public": "on",
        "is_active": "on",
        "doc_url": "",
    }
    for field in TRANSLATED_FIELDS:
        for language in ("en", "fr", "de", "es"):
            data[f"{field}_{language}"] = getattr(entry, f"{field}_{language}") or ""
    data.update(changes)
    return data
