"""Identifiers: unguessable error_ids, new and validated request ids."""

from __future__ import annotations

import os
import re
import time
from datetime import datetime, timezone
from typing import Final

# Crockford's base32 alphabet, lower case: no i, l, o or u to misread in a support email.
_ALPHABET: Final = "0123456789abcdefghjkmnpqrstvwxyz"
ERROR_ID_LENGTH: Final = 26
# The first 10 characters carry the 48 bits of milliseconds; the other 16 are random.
_TIME_CHARS: Final = 10
_ERROR_ID: Final = re.compile(rf"[{_ALPHABET}]{{{ERROR_ID_LENGTH}}}")
# A request id is echoed in a header and stored: letters, digits and . _ : - only, at most 128.
REQUEST_ID_MAX_LENGTH: Final = 128
_REQUEST_ID: Final = re.compile(
    rf"[A-Za-z0-9][A-Za-z0-9._:-]{{0,{REQUEST_ID_MAX_LENGTH - 1}}}", re.ASCII
)


# Every 10-bit value as its two characters: the time part is 5 of them, read off without a loop.
_PAIRS: Final = tuple(a + b for a in _ALPHABET for b in _ALPHABET)
# Each byte value to the character of its low 5 bits: 16 random bytes give 16 characters, each
# uniform (256 is a multiple of 32), without arithmetic on a 128-bit integer, which cost several
# times the rest of the id.
_RANDOM_CHARS: Final = bytes(ord(_ALPHABET[value & 31]) for value in range(256))


def new_error_id() -> str:
    """48 bits of milliseconds then 80 random bits: sorts by time, cannot be guessed.

    The 10 time characters hold 50 bits: the first carries two zero bits.
    """
    ms = time.time_ns() // 1_000_000
    p = _PAIRS
    return (
        p[ms >> 40 & 1023] + p[ms >> 30 & 1023] + p[ms >> 20 & 1023] + p[ms >> 10 & 1023]
        + p[ms & 1023] + os.urandom(16).translate(_RANDOM_CHARS).decode("ascii")
    )  # fmt: skip


def normalize_error_id(text: str) -> str | None:
    """An error_id as a person pasted it (spaces, upper case, quotes), normalized; else None."""
    candidate = "".join(str(text).split()).strip("\"'<>.,;").lower()
    return candidate if _ERROR_ID.fullmatch(candidate) else None


def error_id_time(error_id: str) -> datetime:
    """When an error_id was issued (UTC, to the millisecond), read from its first characters."""
    milliseconds = 0
    for char in error_id[:_TIME_CHARS]:
        milliseconds = milliseconds * 32 + _ALPHABET.index(char)
    # 10 characters hold 50 bits: the top two are zero for every id this module made.
    return datetime.fromtimestamp(milliseconds / 1000, tz=timezone.utc)


def new_request_id() -> str:
    """128 random bits in hex, as ``secrets.token_hex(16)`` makes them."""
    return os.urandom(16).hex()


def valid_request_id(value: str | None) -> str | None:
    """The client's request id when it is safe to store and echo; otherwise None.

    ``fullmatch``, not ``match`` with ``$``: ``$`` also matches before a final newline, and a
    newline echoed in a response header makes Django refuse the whole response.
    """
    if isinstance(value, str) and _REQUEST_ID.fullmatch(value):
        return value
    return None
