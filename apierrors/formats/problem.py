"""RFC 9457 problem details: application/problem+json."""

from __future__ import annotations

from typing import Any

from apierrors.formats.base import ClientError, Formatter, json_pointer


class ProblemFormatter(Formatter):
    name = "problem"
    media_type = "application/problem+json"

    def body(self, error: ClientError) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": error.doc_url or "about:blank",
            "title": error.title,
            "status": error.status_code,
            "detail": error.message,
            "instance": error.instance,
            "code": error.code,
            "error_id": error.error_id,
        }
        if error.field_errors:
            body["errors"] = [
                {"pointer": json_pointer(item.path), "code": item.code, "detail": item.message}
                for item in error.field_errors
            ]
        return body
