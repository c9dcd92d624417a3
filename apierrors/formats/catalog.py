"""The catalog-style body: the HTTP status as ``code``, the catalog code as ``key``."""

from __future__ import annotations

from typing import Any

from apierrors.core.error import ClientError
from apierrors.formats.base import Formatter, field_items


class CatalogFormatter(Formatter):
    name = "catalog"

    def body(self, error: ClientError) -> dict[str, Any]:
        body: dict[str, Any] = {
            "code": error.status_code,
            "title": error.title,
            "message": error.message,
            "key": error.code,
            "public": error.is_public,
            "error_id": error.error_id,
        }
        if error.field_errors:
            body["errors"] = field_items(error)
        return body
