"""Identifiers: unguessable error_ids and validated request ids."""

from __future__ import annotations

import re
import secrets
import time
from typing import Final

# Crockford's base32 alphabet, lower case: no i, l, o or u to misread in a support email.
_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
ERROR_ID_LENGTH: Final = 26
_ERROR_ID: Final = re.compile(rf"^[{_ALPHABET}]{{{ERROR_ID_LENGTH}}}$")
_REQUEST_ID: Final = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$")


def new_error_id() -> str:
    """48 bits of milliseconds then 80 random bits: sorts by time, cannot be guessed."""
    value = (time.time_ns() // 1_000_000) << 80 | secrets.randbits(80)
    chars = []
    for _ in range(ERROR_ID_LENGTH):
        value, index = divmod(value, 32)
        chars.append(_ALPHABET[index])
    return "".join(reversed(chars))


def normalize_error_id(text: str) -> str | None:
    """An error_id as a person pasted it (spaces, upper case, quotes), normalized; else None."""
    candidate = "".join(text.split()).strip("\"'<>.,;").lower()
    return candidate if _ERROR_ID.match(candidate) else None


def new_request_id() -> str:
    return secrets.token_hex(16)


def valid_request_id(value: str | None) -> str | None:
    """The client's request id when it is safe to store and echo; otherwise None."""
    if value and _REQUEST_ID.match(value):
        return value
    return None
