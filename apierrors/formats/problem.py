"""RFC 9457 problem details: application/problem+json."""

from __future__ import annotations

from typing import Any

from apierrors.core.error import ClientError
from apierrors.formats.base import Formatter, json_pointer


class ProblemFormatter(Formatter):
    """RFC 9457 members (``type``, ``title``, ``status``, ``detail``, ``instance``) and the
    extension members ``code``, ``error_id`` and ``errors`` (one JSON pointer per field error).
    """

    name = "problem"
    media_type = "application/problem+json"

    def body(self, error: ClientError) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": error.doc_url or "about:blank",
            "title": error.title,
            "status": self.status_code(error),
            "detail": error.message,
        }
        # An empty string would be a URI reference to the response itself: say nothing instead.
        if error.instance:
            body["instance"] = error.instance
        body["code"] = error.code
        body["error_id"] = error.error_id
        if error.field_errors:
            body["errors"] = [
                {"pointer": json_pointer(item.path), "code": item.code, "detail": item.message}
                for item in error.field_errors
            ]
        return body
