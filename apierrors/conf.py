"""The APIERRORS settings: defaults in one place, read through one lazy object."""

from __future__ import annotations

from collections.abc import Callable
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
    # Create a draft catalog entry when a code is raised that the catalog does not know. Drafts
    # stay off the public reference (page and JSON) until staff uncheck "draft". A draft is
    # written with the error's log row: none while LOG["ENABLED"] is False.
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
    # What the log keeps of a request (apierrors.log.redaction).
    "REDACT": {
        # Names whose values are never stored, compared with header, query, body and param
        # names (and name=value pairs in texts) lower-cased and without separators, so
        # "private_key" matches privateKey and PRIVATE-KEY too. An entry of 5 or more characters
        # matches anywhere in a name ("password": new_password); a shorter one only a whole
        # word of it or consecutive words, words split at separators, camelCase and digits
        # ("pin": card_pin, pinCode, not spinner; "cvv": cvv2); "?name" only a query parameter
        # of exactly that name. {"name": <denylisted>, "value": …} items (or "key" and
        # "value", any case) lose their value too. A site's list replaces this one.
        "KEYS": [
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
        "SCANNERS": ["private_key", "jwt", "bearer", "url_credentials", "card_number"],
        # Extra regular expressions whose matches are replaced in every stored text.
        "PATTERNS": [],
    },
    # The error log: whether it is written, how, and the caps on what one row keeps.
    "LOG": {
        # Write an ErrorLog row for every error.
        "ENABLED": True,
        # "background": rows queue in memory and a thread of each process inserts them in
        # batches; "sync": rows are inserted before the response leaves (small sites); "auto":
        # "sync" while Django's test environment is set up (test runner, pytest-django), else
        # "background".
        "MODE": "auto",
        # Background mode: most rows one batch stores, in one transaction. The writer stores as
        # soon as a row waits; the rows that arrive while it writes make the next batch.
        "BATCH_SIZE": 100,
        # Background mode: most rows queued behind the batch being stored, also while the log
        # database fails and they wait to be tried again. Beyond it new rows are dropped,
        # counted and reported, never waited for.
        "QUEUE_SIZE": 10_000,
        # Caps on what one record keeps: nesting levels, entries per object or list, characters
        # per string, bytes of body read (and characters of any one stored structure),
        # characters of a traceback (its end is kept).
        "MAX_DEPTH": 20,
        "MAX_ITEMS": 200,
        "MAX_TEXT": 4096,
        "MAX_BODY": 65536,
        "MAX_TRACEBACK": 65536,
        # Bytes one stored row may hold in all (its texts and JSON, as UTF-8), after redaction
        # and the caps above: past it, parts give way in the order
        # apierrors.log.record.CUT_ORDER says, least useful first, and the row's "cut" column
        # names each with its size before.
        "MAX_ROW_BYTES": 65536,
    },
    # Error storms (apierrors.log.storm), per process and window of WINDOW seconds: the first
    # PATH_LIMIT errors of one code, method and path, and the first CODE_LIMIT of one code,
    # keep a full row; past either, each error still has its own row, kept light (no headers,
    # bodies or traceback) and pointing to the latest full row of the same error (one unlike
    # any with a full row is kept whole). None turns a limit off.
    "STORM": {
        "WINDOW": 60,
        "PATH_LIMIT": 10,
        "CODE_LIMIT": 100,
    },
}

# Keys whose value is a dict of settings: a site's dict is merged over the default one, so a
# site that sets some of its keys keeps the defaults of the others.
GROUPS: Final = frozenset({"DRAFT_LIMITS", "REDACT", "LOG", "STORM"})


class APIErrorsSettings:
    """Attribute access to APIERRORS with defaults; EXCEPTION_CODES' dotted paths imported,
    every value read once, then cached until APIERRORS changes."""

    def __init__(self, user_settings: Any = None) -> None:
        self._explicit = user_settings
        self._cached: set[str] = set()

    @property
    def user_settings(self) -> Any:
        """APIERRORS as the site wrote it ({} when unset or None); the system checks report a
        value that is not a dict."""
        if self._explicit is None:
            written = getattr(settings, SETTING_NAME, None)
            self._explicit = {} if written is None else written
        return self._explicit

    def declared(self, key: str) -> Any:
        """``key``'s value as the site set it, else its default; a group's dict merged over its
        default; dotted paths not imported. A value of the wrong type is given as it is."""
        if key not in DEFAULTS:
            raise AttributeError(f"Invalid APIERRORS setting: {key!r}")
        user = self.user_settings if isinstance(self.user_settings, dict) else {}
        value = user.get(key, DEFAULTS[key])
        if key in GROUPS and isinstance(value, dict):
            return {**DEFAULTS[key], **value}
        return value

    def __getattr__(self, attr: str) -> Any:
        value = self.declared(attr)
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


def clear_on_change(
    *caches: Callable[[], None], settings: frozenset[str] = frozenset({SETTING_NAME})
) -> None:
    """Call each of ``caches`` (a memo's ``cache_clear``, or any function that forgets) whenever
    one of ``settings`` changes (``override_settings`` in tests): each module that keeps what it
    read from settings registers its own forgetting here, beside the memo."""

    def forget(*, setting: str, **kwargs: Any) -> None:
        if setting in settings:
            for clear in caches:
                clear()

    setting_changed.connect(forget, weak=False)


@receiver(setting_changed)
def reload_settings(*, setting: str, **kwargs: Any) -> None:
    """Forget what was read when APIERRORS changes; each cache built from it forgets too, through
    clear_on_change() beside it."""
    if setting == SETTING_NAME:
        apierrors_settings.reload()
