"""django-apierrors: one error catalog, one handler, one error log."""

from __future__ import annotations

from apierrors.exceptions import APIError

__all__ = ["APIError"]
__version__ = "0.1.0"
