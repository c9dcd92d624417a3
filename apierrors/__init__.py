"""django-apierrors: one error catalog, one handler, one error log."""

from __future__ import annotations

from apierrors.core.exceptions import APIError, violation

__all__ = ["APIError", "violation"]
__version__ = "0.1.0"
