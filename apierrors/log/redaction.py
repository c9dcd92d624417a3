"""What the log may keep of a request: secrets replaced, every structure and text bounded."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Final

from django.core.files.uploadedfile import UploadedFile
from django.utils.module_loading import import_string

from apierrors.conf import DEFAULTS, apierrors_settings, clear_on_change
from apierrors.core.controls import escape_controls

REDACTED: Final = "[redacted]"
TRUNCATED: Final = "[truncated]"

# The shipped denylist of header, query, body and param names whose values are never stored
# (how a name matches: Names). APIERRORS["REDACT"]["KEYS"] replaces it; extend it with
# [*SENSITIVE_KEYS, "email"].
SENSITIVE_KEYS: Final = tuple(DEFAULTS["REDACT"]["KEYS"])

Scanner = Callable[[str], str]


# Value scanners ------------------------------------------------------------------------------
# Each takes a text and returns it with what it recognizes replaced by REDACTED.

# A run of digit groups, single spaces or dashes between them, standing alone.
_DIGIT_RUN: Final = re.compile(r"(?<![0-9A-Za-z])[0-9]+(?:[ -][0-9]+)*(?![0-9A-Za-z])")
_SEPARATOR: Final = re.compile(r"[ -]")
_DIGIT: Final = re.compile(r"[0-9]")
_JWT: Final = re.compile(
    r"(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}(?:\.[A-Za-z0-9_-]*)?"
)
# A credential, not a word: 8+ characters with a digit or a symbol in them, or 20+ of any.
_BEARER: Final = re.compile(
    r"\b((?i:bearer|basic|digest)[ \t]{1,8}|Token[ \t]{1,8})"
    r"(?:(?=[A-Za-z]{0,200}[0-9._~+/=-])[A-Za-z0-9._~+/=-]{8,}|[A-Za-z]{20,})",
    re.ASCII,
)
_PRIVATE_KEY: Final = re.compile(
    r"-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?"
    r"(?:-----END [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|\Z)"
)
_URL_CREDENTIALS: Final = re.compile(
    r"\b([A-Za-z][A-Za-z0-9+.-]{0,30}://)[^\s/?#@\"'<>]+@", re.ASCII
)


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum every payment card number carries."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = ord(char) - 48
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _holds_card_number(run: str) -> bool:
    """Whether ``run`` holds 13 to 19 digits passing Luhn, written as card numbers are: one
    block, or consecutive groups of 3 to 6 digits (4-4-4-4, Amex's 4-6-5 …).

    Every group may start one, so a number just before a card ("qty 12 4111 …") cannot hide
    it by making the whole run fail the check.
    """
    groups = _SEPARATOR.split(run)
    for start, first in enumerate(groups):
        if 13 <= len(first) <= 19 and luhn_valid(first):
            return True
        if not 3 <= len(first) <= 6:
            continue
        digits = first
        for group in groups[start + 1 :]:
            if not 3 <= len(group) <= 6 or len(digits) + len(group) > 19:
                break
            digits += group
            if len(digits) >= 13 and luhn_valid(digits):
                return True
    return False


def scan_card_numbers(text: str) -> str:
    """Card numbers (13 to 19 digits passing the Luhn check, in one block or in groups of 3 to
    6 digits) are replaced, with the run of numbers around them."""

    def replace(match: re.Match[str]) -> str:
        return REDACTED if _holds_card_number(match.group(0)) else match.group(0)

    return _DIGIT_RUN.sub(replace, text) if _DIGIT.search(text) else text


def scan_jwts(text: str) -> str:
    """JSON Web Tokens: base64url segments whose header starts ``eyJ`` (``{"``)."""
    return _JWT.sub(REDACTED, text) if "eyJ" in text else text


def scan_bearer_tokens(text: str) -> str:
    """The credential after ``Bearer``, ``Basic``, ``Digest`` or DRF's ``Token``; the word stays."""
    return _BEARER.sub(lambda match: match.group(1) + REDACTED, text)


def scan_private_keys(text: str) -> str:
    """PEM private key blocks, to their END line or, when cut, to the end of the text."""
    return _PRIVATE_KEY.sub(REDACTED, text) if "-----BEGIN" in text else text


def scan_url_credentials(text: str) -> str:
    """``scheme://user:password@host``: what stands before ``@`` goes, scheme and host stay."""
    return _URL_CREDENTIALS.sub(lambda match: match.group(1) + REDACTED + "@", text)


SCANNERS: Final[dict[str, Scanner]] = {
    "private_key": scan_private_keys,
    "jwt": scan_jwts,
    "bearer": scan_bearer_tokens,
    "url_credentials": scan_url_credentials,
    "card_number": scan_card_numbers,
}


# Settings, compiled once per value ------------------------------------------------------------

# What each built-in scanner needs to find before it can match: one search for all of them
# lets the many short texts that hold nothing of the kind through at C speed.
_HINTS: Final[dict[str, str]] = {
    "private_key": "-----BEGIN",
    "jwt": "eyJ",
    "bearer": r"[Bb][Ee][Aa][Rr][Ee][Rr]|[Bb][Aa][Ss][Ii][Cc]|[Dd][Ii][Gg][Ee][Ss][Tt]|Token",
    "url_credentials": "://",
    "card_number": r"\d",
}


# A name's words: runs of capitals (an acronym), a capitalized or lower-case word, digits.
# Whatever else a name holds ("_", "-", ".", spaces) only separates them.
_WORDS: Final = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")
# Names of this many characters or fewer (separators dropped) match whole words only.
SHORT_NAME: Final = 4
# Names already matched, so that the same header and body names cost one lookup: at most
# this many, none longer than this (a client's names must not fill memory).
_SEEN_NAMES: Final = 4096
_SEEN_NAME_LENGTH: Final = 128


def words(name: str) -> list[str]:
    """``X-CSRFToken`` -> ``["x", "csrf", "token"]``, ``privateKey`` -> ``["private", "key"]``."""
    return [word.lower() for word in _WORDS.findall(name)]


def normalize_name(name: str) -> str:
    """A name lower-cased without separators: ``privateKey``, ``PRIVATE-KEY`` -> ``privatekey``."""
    return "".join(words(name))


@dataclass(frozen=True, slots=True)
class Names:
    """REDACT["KEYS"] compiled. Each entry and each name are compared lower-cased with their
    separators dropped, so ``private_key`` also matches ``privateKey`` and ``PRIVATE-KEY``:

    * an entry of five characters or more matches anywhere in a name (``password`` matches
      ``new_password`` and ``userpassword``);
    * a shorter one matches a whole word of it, or consecutive words (``pin`` matches ``pin``,
      ``card_pin`` and ``pinCode``, not ``spinner``; ``pass`` does not match ``passenger``);
    * an entry written ``?name`` matches only a query parameter of exactly that name
      (``?code`` is OAuth's authorization code in ``?code=``, while a body's ``code`` or
      ``error_code`` is data).
    """

    anywhere: re.Pattern[str] | None
    short: frozenset[str]
    query: frozenset[str]
    seen: dict[tuple[str, bool], bool]

    @property
    def any(self) -> bool:
        return bool(self.anywhere or self.short or self.query)

    @classmethod
    def compile(cls, keys: list[str]) -> Names:
        anywhere, short, query = set(), set(), set()
        for key in keys:
            name = normalize_name(key)
            if not name:
                continue
            if key.startswith("?"):
                query.add(name)
            elif len(name) <= SHORT_NAME:
                short.add(name)
            else:
                anywhere.add(name)
        return cls(
            anywhere=re.compile("|".join(sorted(anywhere))) if anywhere else None,
            short=frozenset(short),
            query=frozenset(query),
            seen={},
        )

    def match(self, name: str, *, query: bool = False) -> bool:
        """Whether ``name`` is denylisted; ``query``: it names a query parameter."""
        known = self.seen.get((name, query))
        if known is not None:
            return known
        parts = words(name)
        whole = "".join(parts)
        found = (
            (self.anywhere is not None and self.anywhere.search(whole) is not None)
            or (query and whole in self.query)
            or (bool(self.short) and not self.short.isdisjoint(_runs(parts)))
        )
        if len(name) <= _SEEN_NAME_LENGTH:
            if len(self.seen) >= _SEEN_NAMES:
                self.seen.clear()
            self.seen[(name, query)] = found
        return found


def _runs(parts: list[str]) -> Iterator[str]:
    """Each run of consecutive words as one, up to SHORT_NAME characters."""
    for start in range(len(parts)):
        run = ""
        for part in parts[start:]:
            run += part
            if len(run) > SHORT_NAME:
                break
            yield run


@dataclass(frozen=True, slots=True)
class Policy:
    """The redaction settings compiled: built once, rebuilt when APIERRORS changes."""

    scanners: tuple[Scanner, ...]
    names: Names
    # Matches wherever a built-in scanner might: a text without a match (and without a
    # denylisted name) is returned as it is. None when a site's own scanner or pattern is
    # configured: it must always run.
    quick: re.Pattern[str] | None


@functools.cache
def policy() -> Policy:
    settings = apierrors_settings
    scanners: list[Scanner] = []
    hints: list[str] = []
    always = False
    for name in settings.REDACT["SCANNERS"]:
        if name in SCANNERS:
            scanners.append(SCANNERS[name])
            hints.append(_HINTS[name])
        else:
            scanners.append(import_string(name))
            always = True
    for source in settings.REDACT["PATTERNS"]:
        scanners.append(functools.partial(re.compile(source).sub, REDACTED))
        always = True
    return Policy(
        scanners=tuple(scanners),
        names=Names.compile([str(key) for key in settings.REDACT["KEYS"] if key]),
        quick=None if always or not hints else re.compile("|".join(hints)),
    )


def is_sensitive(key: object, *, query: bool = False) -> bool:
    """Whether a name is on the denylist (see Names); ``query``: a query parameter's name."""
    return policy().names.match(safe_str(key), query=query)


# name=value / "name": value in free text: each ":" or "=", then the name that ends before it
# (at most its last 128 characters; a quote and a few spaces may stand between), read in the
# reversed text so that finding it is one anchored match, and for a denylisted name the value
# after it. Only such a value is consumed: "a=password=x" loses x.
_PAIR_SEPARATOR: Final = re.compile(r"[:=]")
_NAME_REVERSED: Final = re.compile(r"[ \t]{0,8}[\"']?([\w.-]{1,128})")
_PAIR_VALUE: Final = re.compile(r"[ \t]{0,8}(\"[^\"]*\"?|'[^']*'?|[^\s&,;\"'<>]+)")


def _redact_pairs(text: str, names: Names) -> str:
    pieces: list[str] = []
    done = 0
    reversed_text = text[::-1]
    length = len(text)
    for separator in _PAIR_SEPARATOR.finditer(text):
        if separator.start() < done:
            continue
        name = _NAME_REVERSED.match(reversed_text, length - separator.start())
        if name is None:
            continue
        start, end = max(done, length - name.end(1)), length - name.start(1)
        in_query = start > 0 and text[start - 1] in "?&"
        if start >= end or not names.match(text[start:end], query=in_query):
            continue
        value = _PAIR_VALUE.match(text, separator.end())
        if value is None:
            continue
        pieces += [text[done : value.start(1)], REDACTED]
        done = value.end()
    if not pieces:
        return text
    pieces.append(text[done:])
    return "".join(pieces)


def scan(text: str) -> str:
    """``text`` with every recognized secret replaced: the scanners, REDACT["PATTERNS"], and
    ``name=value`` pairs whose name is on the denylist."""
    compiled = policy()
    named = compiled.names.any and ("=" in text or ":" in text)
    if not named and compiled.quick is not None and compiled.quick.search(text) is None:
        return text
    for scanner in compiled.scanners:
        text = scanner(text)
    if named:
        text = _redact_pairs(text, compiled.names)
    return text


# Text ---------------------------------------------------------------------------------------

# What may be part of a secret that a cut split in two: the piece left behind is dropped, so
# half a token never stays in the log because the other half was needed to recognize it.
_TOKEN_TAIL: Final = re.compile(r"[\w.~+/=:@%-][\w.~+/=:@% -]{0,127}\Z")
_TOKEN_HEAD: Final = re.compile(r"\A[\w.~+/=:@% -]{0,127}[\w.~+/=:@%-]")


def redact_text(
    text: str, limit: int | None = None, *, keep: str = "head", single_line: bool = False
) -> str:
    """A free text (exception message, traceback, raw body), secrets replaced, control
    characters escaped, at most ``limit`` characters (LOG["MAX_TEXT"] by default) with the
    truncation marker where cut.

    ``keep="tail"`` keeps the end instead, as for tracebacks, whose last lines matter most.
    ``single_line`` escapes line feeds and tabs too, as for a path or a name.
    """
    limit = apierrors_settings.LOG["MAX_TEXT"] if limit is None else limit
    # No terminal that shows the log may be driven by it, and PostgreSQL stores no NUL in
    # text or JSON: one would cost the whole row.
    text = escape_controls(text, keep_lines=not single_line)
    if len(text) <= limit:
        return scan(text)
    if keep == "tail":
        cut = _TOKEN_HEAD.sub("", text[-limit:], count=1)
        return TRUNCATED + scan(cut)
    cut = _TOKEN_TAIL.sub("", text[:limit], count=1)
    return scan(cut) + TRUNCATED


def column_text(value: object, length: int) -> str:
    """A value for a short text column: one line, control characters escaped (NUL among them),
    at most ``length`` long."""
    return escape_controls(safe_str(value), keep_lines=False)[:length]


def safe_str(value: object) -> str:
    """``str(value)``, or a placeholder when that raises: a hostile ``__str__`` stops nothing."""
    try:
        return str(value)
    except Exception:
        try:
            return f"<unprintable {type(value).__qualname__}>"
        except Exception:
            return "<unprintable>"


# Structures ---------------------------------------------------------------------------------


def file_summary(upload: UploadedFile[Any]) -> dict[str, Any]:
    """An uploaded file as the log keeps it: its name and size, never its content."""
    return {"file_name": scan(column_text(upload.name or "", 255)), "size": upload.size}


def entries(source: Any) -> Iterator[tuple[Any, Any]]:
    """(key, value) of a mapping, a single value of a QueryDict as itself; (index, item) of a
    sequence."""
    if isinstance(source, dict):
        if hasattr(source, "lists"):  # QueryDict, MultiValueDict: single values stay single
            lists = source.lists()
            return ((key, values[0] if len(values) == 1 else values) for key, values in lists)
        return iter(source.items())
    return enumerate(source)


def is_container(value: Any) -> bool:
    return isinstance(value, dict | list | tuple | set | frozenset)


def redact(data: Any, size: int | None = None, *, query: bool = False) -> Any:
    """A copy of ``data`` safe to store: values of denylisted keys replaced (keys kept), and
    of name/value items naming one; secrets in every text and card numbers among numbers
    replaced; bounded in depth, width, string length and total size. ``query``: the
    top-level keys are query parameters.

    Iterative, so no input depth reaches the recursion limit; cycles end at the depth cap.
    """
    caps = apierrors_settings.LOG
    budget = caps["MAX_BODY"] if size is None else size

    def leaf(value: Any) -> Any:
        nonlocal budget
        if value is None or isinstance(value, bool):
            budget -= 8
            return value
        if isinstance(value, int | float):
            budget -= 8
            return _number(value)
        if isinstance(value, UploadedFile):
            summary = file_summary(value)
            budget -= len(summary["file_name"]) + 16
            return summary
        if isinstance(value, bytes | bytearray | memoryview):
            value = bytes(value[: caps["MAX_TEXT"] * 2]).decode("utf-8", "replace")
        text = redact_text(value if isinstance(value, str) else safe_str(value), caps["MAX_TEXT"])
        budget -= len(text) + 2
        return text

    if not is_container(data):
        return leaf(data)
    root: Any = {} if isinstance(data, dict) else []
    stack: list[tuple[Any, Any, int]] = [(data, root, 1)]
    while stack:
        source, target, depth = stack.pop()
        in_query = query and depth == 1
        pair = _names_a_secret(source, in_query)
        for count, (key, value) in enumerate(entries(source)):
            if count >= caps["MAX_ITEMS"] or budget <= 0:
                put(target, TRUNCATED, TRUNCATED)
                break
            name = key
            if isinstance(target, dict):
                name = redact_text(safe_str(key), 200, single_line=True)
                budget -= len(name) + 4
            if isinstance(target, dict) and (
                is_sensitive(key, query=in_query)
                or (pair and safe_str(key).lower() == _PAIR_VALUE_KEY)
            ):
                stored: Any = REDACTED
            elif is_container(value):
                if depth >= caps["MAX_DEPTH"]:
                    stored = TRUNCATED
                else:
                    child: Any = {} if isinstance(value, dict) else []
                    stack.append((value, child, depth + 1))
                    stored = child
            else:
                stored = leaf(value)
            put(target, name, stored)
    return root


# The smallest number with as many digits as the shortest card number (13).
_CARD_SIZED: Final = 10**12


def _number(value: float) -> float | str:
    """A number as the log keeps it. NaN and Infinity are not JSON (PostgreSQL refuses them in
    a JSON column): their text stands in. A card number sent as a JSON number is still a card
    number, and so are 4111111111111111.0 and 4.111111111111111e15."""
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        if not (_CARD_SIZED <= abs(value) < 10**19 and value.is_integer()):
            return value
        # Past 2**53 a float no longer holds every digit: what it holds cannot be checked,
        # only kept or not, and it is not.
        if abs(value) >= 2**53:
            return REDACTED
        value = int(value)
    if abs(value) < _CARD_SIZED:
        return value
    digits = safe_str(value)
    return value if scan(digits) == digits else REDACTED


# A {"name": "password", "value": "…"} item (HAR, form builders, key/value settings): the
# value of a denylisted name goes, wherever it stands.
_PAIR_NAMES: Final = ("name", "key")
_PAIR_VALUE_KEY: Final = "value"


def _names_a_secret(source: Any, query: bool) -> bool:
    """Whether ``source`` is a small name/value item whose name is denylisted."""
    if not isinstance(source, dict) or len(source) > 8:
        return False
    fields = {key.lower(): value for key, value in source.items() if isinstance(key, str)}
    return _PAIR_VALUE_KEY in fields and any(
        isinstance(fields.get(name), str) and is_sensitive(fields[name], query=query)
        for name in _PAIR_NAMES
    )


def put(target: Any, key: Any, value: Any) -> None:
    if isinstance(target, dict):
        target[str(key)] = value
    else:
        target.append(value)


clear_on_change(policy.cache_clear)
