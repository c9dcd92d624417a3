"""drf-standardized-errors' body, so its users can switch without their clients noticing."""

from __future__ import annotations

from typing import Any, Final

from apierrors.core.error import ClientError
from apierrors.formats.base import Formatter, dotted_path

# What drf-standardized-errors answers for an exception it does not know (a crash).
SERVER_ERROR_CODE: Final = "error"


class StandardizedFormatter(Formatter):
    """``{"type": ..., "errors": [{"code", "detail", "attr"}]}`` as drf-standardized-errors
    sends it (a migration preset).

    ``type`` is ``validation_error`` (one item per field error, ``attr`` its dotted path),
    ``client_error`` or ``server_error`` (one item, ``attr`` null). DRF's exceptions keep
    DRF's own code and text, as that package shows them (``not_found`` / "Not found.",
    ``throttled``); errors raised from the catalog show the catalog's code and message; a
    server error the client may not learn more about is ``error`` / "Server Error (500)".
    """

    name = "standardized"

    def body(self, error: ClientError) -> dict[str, Any]:
        if error.field_errors:
            return {
                "type": "validation_error",
                "errors": [
                    {
                        "code": item.code,
                        "detail": item.message,
                        "attr": dotted_path(item.path) or None,
                    }
                    for item in error.field_errors
                ],
            }
        status = self.status_code(error)
        if status >= 500 and not error.is_public:
            code, detail = SERVER_ERROR_CODE, f"Server Error ({status})"
        else:
            code, detail = error.drf_code or error.code, error.drf_detail or error.message
        return {
            "type": "client_error" if status < 500 else "server_error",
            "errors": [{"code": code, "detail": detail, "attr": None}],
        }
