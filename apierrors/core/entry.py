"""What the catalog says about one code in one language: the Entry every format is given."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# The shipped entry whose generic text answers a code the catalog lacks, by HTTP status.
GENERIC_CODES: Final[dict[int, str]] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "not_allowed",
    406: "not_acceptable",
    408: "request_timeout",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "unprocessable_entity",
    429: "too_many_requests",
    500: "server_error",
    502: "bad_gateway",
    503: "service_unavailable",
    504: "gateway_timeout",
}


@dataclass(frozen=True, slots=True)
class Entry:
    """One catalog entry in one language, as the formats see it."""

    code: str
    status_code: int
    category: str
    title: str
    message: str
    action: str
    is_public: bool
    is_retryable: bool
    doc_url: str
    language: str
    # False when the catalog has no active entry for the code and generic text stands in.
    is_known: bool = True


# Answers when even the shipped defaults cannot: the handler needs nothing else to reply.
LAST_RESORT: Final = Entry(
    code="server_error",
    status_code=500,
    category="server_error",
    title="Internal Server Error",
    message="An internal server error has occurred.",
    action="Contact support with the error_id.",
    is_public=False,
    is_retryable=False,
    doc_url="",
    language="en",
    is_known=False,
)
