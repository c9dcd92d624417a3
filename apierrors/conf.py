"""The APIERRORS settings: defaults in one place, read through one lazy object."""

from __future__ import annotations

from typing import Any, Final

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

SETTING_NAME: Final = "APIERRORS"

DEFAULTS: Final[dict[str, Any]] = {
    # Wire format of the whole site: a registered name or a dotted path to a Formatter class.
    "FORMAT": "problem",
    # URL prefix -> format; the longest matching prefix wins over FORMAT.
    "FORMAT_BY_PATH": {},
    # Format name or dotted path -> options of that format, e.g. {"octo": {"keep_status": True}}.
    "FORMAT_OPTIONS": {},
    # Write field paths in camelCase (date_from -> dateFrom) for APIs that render camelCase JSON.
    "CAMELCASE_FIELD_PATHS": False,
    # Seconds sent in Retry-After with retryable 503 answers (throttling sends its own wait).
    "RETRY_AFTER": 1,
    # Paths whose errors the middleware answers in the API's format (non-DRF views, unknown URLs).
    "API_PREFIXES": ["/api/"],
    # Dotted exception class path -> catalog code; the most specific class in the MRO wins.
    "EXCEPTION_CODES": {},
    # Write an ErrorLog row for every error.
    "LOG_ENABLED": True,
    # Create a draft catalog entry when a code is raised that the catalog does not know. Drafts
    # stay off the public reference (page and JSON) until staff uncheck "draft".
    "CREATE_DRAFTS": True,
    # At most "per_hour" new codes become drafts per process and hour, and no draft is created
    # while "total" drafts exist; past either, the code is answered with its status's generic
    # entry and counted in a warning on the apierrors.drafts logger. None lifts a cap.
    "DRAFT_LIMITS": {"per_hour": 20, "total": 100},
    # Header carrying the client's request id, echoed on every response.
    "REQUEST_ID_HEADER": "X-Request-Id",
    # Cache alias holding the catalog version; every process reloads its catalog when it moves.
    "CACHE_ALIAS": "default",
    # Longest echoed param value, in characters; longer values are cut.
    "MAX_PARAM_LENGTH": 200,
    # Absolute URL of the error reference page; each entry without its own doc_url points to
    # <DOCS_URL>#<code>. None: the page where apierrors.urls is mounted, on the request's host.
    # "": no default doc_url.
    "DOCS_URL": None,
    # Link from a log row to its Sentry event: a URL with {event_id}; "" shows the id unlinked.
    "SENTRY_EVENT_URL": "",
    # What the log keeps (apierrors.log.redaction). Names whose values are never stored, compared
    # with header, query, body and param names (and name=value pairs in texts) lower-cased
    # and without separators, so "private_key" matches privateKey and PRIVATE-KEY too. An
    # entry of 5 or more characters matches anywhere in a name ("password": new_password);
    # a shorter one only a whole word of it or consecutive words, words split at separators,
    # camelCase and digits ("pin": card_pin, pinCode, not spinner; "cvv": cvv2); "?name" only
    # a query parameter of exactly that name. {"name": <denylisted>, "value": …} items (or
    # "key" and "value", any case) lose their value too.
    "REDACT_KEYS": [
        "password",
        "passwd",
        "passphrase",
        "pwd",
        "pw",
        "pass",
        "secret",
        "token",
        "refresh",
        "api_key",
        "access_key",
        "private_key",
        "authorization",
        "auth",
        "cookie",
        "session",
        "csrf",
        "credential",
        "signature",
        "otp",
        "mfa",
        "pin",
        "card_number",
        "credit_card",
        "cvv",
        "cvc",
        "iban",
        "ssn",
        # An API key (?key=, as Google's APIs take it) and OAuth's authorization code.
        "?key",
        "?code",
    ],
    # Value scanners run on every stored text: built-in names or dotted paths to str -> str.
    "REDACT_SCANNERS": ["private_key", "jwt", "bearer", "url_credentials", "card_number"],
    # Extra regular expressions whose matches are replaced in every stored text.
    "REDACT_PATTERNS": [],
    # Caps on what one record keeps: nesting levels, entries per object or list, characters per
    # string, bytes of body read (and characters of any one stored structure), traceback size.
    "LOG_MAX_DEPTH": 20,
    "LOG_MAX_ITEMS": 200,
    "LOG_MAX_TEXT": 4096,
    "LOG_MAX_BODY": 65536,
    "LOG_MAX_TRACEBACK": 65536,
    # Bytes one stored row may hold in all (its texts and JSON, as UTF-8), after redaction and
    # the caps above: past it, parts give way in the order log.CUT_ORDER says, least useful
    # first, and the row's "cut" column names each with its size before.
    "LOG_MAX_ROW_BYTES": 65536,
    # Error storms (apierrors.log.storm): per window of STORM_WINDOW seconds, keep at most
    # STORM_PATH_LIMIT rows per code, method and path and STORM_CODE_LIMIT per code; count the
    # rest into one summary row per code. None turns a limit off.
    "STORM_WINDOW": 60,
    "STORM_PATH_LIMIT": 10,
    "STORM_CODE_LIMIT": 100,
    # "background": rows queue in memory and a thread of each process inserts them in batches;
    # "sync": rows are inserted before the response leaves (small sites); "auto": "sync" while
    # Django's test environment is set up (test runner, pytest-django), else "background".
    "LOG_MODE": "auto",
    # Background mode: most rows stored in one statement. The writer stores as soon as a row
    # waits; the rows that arrive while it writes make the next batch.
    "LOG_BATCH_SIZE": 100,
    # Background mode: most rows waiting, also while the log database fails and they wait to be
    # tried again. Beyond it new rows are dropped, counted and reported, never waited for.
    "LOG_QUEUE_SIZE": 10_000,
}

# Settings holding dotted paths, imported once per settings object.
IMPORT_STRINGS: Final = frozenset({"EXCEPTION_CODES"})


class APIErrorsSettings:
    """Attribute access to APIERRORS with defaults; dotted paths imported lazily, then cached."""

    def __init__(self, user_settings: dict[str, Any] | None = None) -> None:
        self._explicit = user_settings
        self._cached: set[str] = set()

    @property
    def user_settings(self) -> dict[str, Any]:
        if self._explicit is None:
            self._explicit = getattr(settings, SETTING_NAME, {}) or {}
        return self._explicit

    def __getattr__(self, attr: str) -> Any:
        if attr not in DEFAULTS:
            raise AttributeError(f"Invalid APIERRORS setting: {attr!r}")
        value = self.user_settings.get(attr, DEFAULTS[attr])
        if attr == "EXCEPTION_CODES":
            value = {import_string(path): code for path, code in value.items()}
        self._cached.add(attr)
        setattr(self, attr, value)
        return value

    def reload(self) -> None:
        for attr in self._cached:
            delattr(self, attr)
        self._cached.clear()
        self._explicit = None


apierrors_settings = APIErrorsSettings()


@receiver(setting_changed)
def reload_settings(*, setting: str, **kwargs: Any) -> None:
    """Forget what was read when APIERRORS changes; each cache built from it has its own
    receiver beside it."""
    if setting == SETTING_NAME:
        apierrors_settings.reload()
