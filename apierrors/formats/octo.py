"""OCTO's error body: ``error`` in upper case, ``errorMessage``, and the params beside them."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Final

from apierrors.core.error import ClientError
from apierrors.formats.base import Formatter, field_items

# Members of the envelope; a param of the same name is kept in the log, never sent over them.
ENVELOPE: Final = frozenset({"error", "errorMessage", "errors"})


class OctoFormatter(Formatter):
    """The OCTO specification's errors: HTTP 400 for every error, unless ``keep_status``.

    Catalog codes are written in OCTO's spelling: upper case, and the codes OCTO names for
    what DRF and Django report (``validation_error`` -> ``BAD_REQUEST`` ...) as ``error_codes``
    says; a server error the client may not learn more about is ``INTERNAL_SERVER_ERROR``.
    Field errors, which OCTO leaves to each supplier, go in ``errors`` as ``field`` (a dotted
    path), ``code`` and ``message``.
    """

    name = "octo"
    default_options: ClassVar[Mapping[str, Any]] = {"keep_status": False}
    error_codes: ClassVar[Mapping[str, str]] = {
        "validation_error": "BAD_REQUEST",
        "invalid_json": "BAD_REQUEST",
        "bad_request": "BAD_REQUEST",
        # OCTO: UNAUTHORIZED when no API key was sent; FORBIDDEN when it is invalid or revoked,
        # or does not reach the resource.
        "unauthorized": "UNAUTHORIZED",
        "token_required": "UNAUTHORIZED",
        "authentication_failed": "FORBIDDEN",
        "invalid_api_key": "FORBIDDEN",
        "forbidden": "FORBIDDEN",
        "server_error": "INTERNAL_SERVER_ERROR",
    }

    def status_code(self, error: ClientError) -> int:
        return error.status_code if self.options["keep_status"] else 400

    def error_code(self, error: ClientError) -> str:
        if error.code in self.error_codes:
            return self.error_codes[error.code]
        if error.status_code >= 500 and not error.is_public:
            return "INTERNAL_SERVER_ERROR"
        return error.code.upper()

    def body(self, error: ClientError) -> dict[str, Any]:
        body: dict[str, Any] = {"error": self.error_code(error), "errorMessage": error.message}
        if error.field_errors:
            body["errors"] = field_items(error)
        for key, value in error.params.items():
            if key not in ENVELOPE:
                body[key] = value
        return body
