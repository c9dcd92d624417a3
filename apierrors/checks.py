"""System checks for the APIERRORS settings and the installation; ids from one registry."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from django.apps.config import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from apierrors.conf import DEFAULTS, SETTING_NAME


class Codes:
    SETTINGS_TYPE = "apierrors.E001"
    FORMAT = "apierrors.E002"
    FORMAT_BY_PATH = "apierrors.E003"
    EXCEPTION_CODES = "apierrors.E004"
    API_PREFIXES = "apierrors.E005"
    APP_ORDER = "apierrors.E006"
    FORMAT_OPTIONS = "apierrors.E101"
    VIEW_FORMAT = "apierrors.E102"
    CAMELCASE_FIELD_PATHS = "apierrors.E103"
    RETRY_AFTER = "apierrors.E104"
    # apierrors.E105 was ANSWER_AFTER_VIEW's, a setting no longer: not to be given again.
    UNKNOWN_SETTING = "apierrors.W001"
    HANDLER = "apierrors.W002"
    MIDDLEWARE = "apierrors.W003"
    FORMAT_BY_PATH_PREFIX = "apierrors.W101"
    MISSING_TRANSLATIONS = "apierrors.W201"
    # Documentation, OpenAPI and integrations (the 5xx block).
    DOCS_URL = "apierrors.E501"
    SENTRY_EVENT_URL = "apierrors.E502"
    SCHEMA_CLASS = "apierrors.W501"
    # What the log keeps, untrusted input, error storms (the 3xx block).
    REDACT_KEYS = "apierrors.E301"
    REDACT_SCANNERS = "apierrors.E302"
    REDACT_PATTERNS = "apierrors.E303"
    LIMIT = "apierrors.E304"
    STORM = "apierrors.E305"
    DRAFTS = "apierrors.E306"
    REDACT_KEYS_WEAK = "apierrors.W301"
    # The background log writer (the 4xx block).
    LOG_MODE = "apierrors.E401"
    LOG_BATCH_SIZE = "apierrors.E402"
    # apierrors.E403 was LOG_FLUSH_INTERVAL's, a setting no longer: not to be given again.
    LOG_QUEUE_SIZE = "apierrors.E404"
    LOG_SQLITE_LOCKING = "apierrors.W401"
    LOG_LOSSES = "apierrors.W402"


class Messages:
    SETTINGS_TYPE = _("APIERRORS must be a dict.")
    FORMAT = _("APIERRORS['FORMAT'] = {value!r} cannot be used: {reason}.")
    FORMAT_BY_PATH = _(
        "APIERRORS['FORMAT_BY_PATH'][{prefix!r}] = {value!r} cannot be used: {reason}."
    )
    EXCEPTION_CODES = _("APIERRORS['EXCEPTION_CODES'] key {value!r} cannot be used: {reason}.")
    API_PREFIXES = _("APIERRORS['API_PREFIXES'] must be a list of paths starting with '/'.")
    APP_ORDER = _("'modeltranslation' must be in INSTALLED_APPS, before 'django.contrib.admin'.")
    FORMAT_OPTIONS = _("APIERRORS['FORMAT_OPTIONS'] cannot be used: {reason}.")
    VIEW_FORMAT = _("The error format {value!r} of view {view} cannot be used: {reason}.")
    CAMELCASE_FIELD_PATHS = _("APIERRORS['CAMELCASE_FIELD_PATHS'] must be True or False.")
    RETRY_AFTER = _("APIERRORS['RETRY_AFTER'] must be a whole number of seconds, 0 or more.")
    FORMAT_BY_PATH_PREFIX = _(
        "APIERRORS['FORMAT_BY_PATH'] key {prefix!r} does not start with '/': no path matches it."
    )
    UNKNOWN_SETTING = _("APIERRORS has unknown keys: {keys}.")
    HANDLER = _("DRF's EXCEPTION_HANDLER is not apierrors.handler.exception_handler.")
    MIDDLEWARE = _("apierrors.middleware.APIErrorsMiddleware is not in MIDDLEWARE.")
    MISSING_TRANSLATIONS = _(
        "The default error catalog lacks translations in active languages: {languages}."
    )
    MISSING_COUNT = _("{language} ({missing} of {total} texts)")
    DOCS_URL = _("APIERRORS['DOCS_URL'] = {value!r} is not an absolute http(s) URL.")
    SENTRY_EVENT_URL = _(
        "APIERRORS['SENTRY_EVENT_URL'] = {value!r} has no {{event_id}} placeholder."
    )
    SCHEMA_CLASS = _(
        "DRF's DEFAULT_SCHEMA_CLASS is drf-spectacular's, which documents no error responses."
    )
    REDACT_KEYS = _("APIERRORS['REDACT_KEYS'] must be a list of non-empty strings.")
    REDACT_SCANNERS = _("APIERRORS['REDACT_SCANNERS'] entry {value!r} cannot be used: {reason}.")
    REDACT_PATTERNS = _("APIERRORS['REDACT_PATTERNS'] entry {value!r} is not a regex: {reason}.")
    LIMIT = _("APIERRORS[{key!r}] = {value!r} must be a positive integer.")
    STORM = _("APIERRORS[{key!r}] = {value!r} must be a positive number, or None to turn it off.")
    REDACT_KEYS_WEAK = _("APIERRORS['REDACT_KEYS'] leaves out {keys}: their values will be stored.")
    DRAFTS = _(
        "APIERRORS['CREATE_DRAFTS'] must be True or False, and APIERRORS['DRAFT_LIMITS'] a dict "
        "whose 'per_hour' and 'total' are whole numbers of 0 or more, or None."
    )
    NOT_CALLABLE = _("it is not callable")
    # Why a value cannot be used, completing the messages above.
    NOT_A_STRING = _("it is not a string")
    NOT_IMPORTABLE = _("it cannot be imported ({error})")
    NOT_CREATABLE = _("it cannot be created ({error})")
    NOT_AN_EXCEPTION = _("it is not an exception class")
    OPTIONS_NOT_A_DICT = _("it must be a dict of format -> options")
    FORMAT_OPTIONS_NOT_A_DICT = _("the options of {name!r} must be a dict")
    LOG_MODE = _("APIERRORS['LOG_MODE'] = {value!r} is not 'auto', 'background' or 'sync'.")
    LOG_BATCH_SIZE = _(
        "APIERRORS['LOG_BATCH_SIZE'] = {value!r} is not a whole number of at least 1."
    )
    LOG_QUEUE_SIZE = _(
        "APIERRORS['LOG_QUEUE_SIZE'] = {value!r} is not a whole number of at least LOG_BATCH_SIZE."
    )
    LOG_LOSSES = _(
        "The error log is missing records of this server process: {dropped} dropped because the "
        "log writer's queue was full, {given_up} written to Python logging instead."
    )
    LOG_SQLITE_LOCKING = _(
        "The error log's database {alias!r} is SQLite with deferred transactions: a request that "
        "reads, then writes, while the background log writer writes fails with 'database is "
        "locked'."
    )


class Hints:
    REDACT_SCANNERS = _(
        "Use built-in scanner names ({names}) or dotted paths to callables taking and returning "
        "a str."
    )
    REDACT_KEYS_WEAK = _(
        "Extend the shipped list instead of replacing it: "
        "[*apierrors.log.redaction.SENSITIVE_KEYS, 'your_name']."
    )
    DOCS_URL = _(
        "Give the page's full URL (https://api.example.com/errors/), None to use where "
        "apierrors.urls is mounted, or '' for no default doc_url."
    )
    SENTRY_EVENT_URL = _("For example 'https://my-org.sentry.io/issues/?query={event_id}'.")
    SCHEMA_CLASS = _(
        "Set REST_FRAMEWORK['DEFAULT_SCHEMA_CLASS'] = "
        "'apierrors.reference.openapi.AutoSchema' to list each operation's error responses in "
        "the schema."
    )
    FORMAT = _(
        "Use one of {names}, or the dotted path of a subclass of apierrors.formats.Formatter."
    )
    EXCEPTION_CODES = _("Keys are dotted paths of exception classes; values are catalog codes.")
    FORMAT_OPTIONS = _(
        "Map a format name or dotted path to a dict of the options its formatter declares in "
        "default_options, e.g. {'octo': {'keep_status': True}}."
    )
    VIEW_FORMAT = _(
        "Set the view's error_format (or @error_format) to one of {names}, or a dotted path."
    )
    FORMAT_BY_PATH_PREFIX = _("Write prefixes as request paths, e.g. '/api/v2/'.")
    APP_ORDER = _("modeltranslation patches the admin: list it first, as its documentation says.")
    UNKNOWN_SETTING = _("Known keys: {keys}.")
    HANDLER = _(
        "Set REST_FRAMEWORK = {'EXCEPTION_HANDLER': 'apierrors.handler.exception_handler'}, or "
        "errors of DRF views are not answered from the catalog."
    )
    MIDDLEWARE = _(
        "Add it after AuthenticationMiddleware: it sets request ids, answers errors of non-DRF "
        "views under API_PREFIXES, and writes log rows outside the view's transaction."
    )
    MISSING_TRANSLATIONS = _(
        "Clients asking for these languages get the {fallback} text of those entries. Write the "
        "texts in the admin (Error codes, filter 'missing translation'), or translate apierrors' "
        "default catalog in a gettext catalog of LOCALE_PATHS and run apierrors_sync. Once staff "
        "have written them, add apierrors.W201 to SILENCED_SYSTEM_CHECKS."
    )
    LOG_MODE = _(
        "'background' inserts rows in batches from a thread; 'sync' before the response; 'auto' "
        "is 'sync' in test runs and 'background' elsewhere."
    )
    LOG_LOSSES = _(
        "The 'apierrors.log' logger's warnings name the first and last error_id dropped; its "
        "'not stored' lines hold the records written there, whole. A larger "
        "APIERRORS['LOG_QUEUE_SIZE'] holds a longer outage or storm of the log database."
    )
    LOG_SQLITE_LOCKING = _(
        "Set DATABASES[{alias!r}]['OPTIONS'] = {{'transaction_mode': 'IMMEDIATE', 'timeout': 20}} "
        "(Django 5.1+), or APIERRORS['LOG_MODE'] = 'sync'."
    )


def _format_problem(value: Any, options: Any = None) -> str | None:
    """Why ``value`` cannot answer errors, or None; ``options`` are its FORMAT_OPTIONS entry."""
    from apierrors.formats import build_formatter, load_formatter_class

    if not isinstance(value, str):
        return str(Messages.NOT_A_STRING)
    try:
        load_formatter_class(value)
    except ImportError as exc:
        return Messages.NOT_IMPORTABLE.format(error=exc)
    except TypeError as exc:
        return str(exc)
    if options is not None:
        return None  # FORMAT_OPTIONS entries are checked on their own (E101).
    try:
        build_formatter(value, {})
    except Exception as exc:
        return Messages.NOT_CREATABLE.format(error=exc)
    return None


def _format_options_problems(options: Any) -> list[str]:
    from apierrors.formats import build_formatter

    if not isinstance(options, dict):
        return [str(Messages.OPTIONS_NOT_A_DICT)]
    problems = []
    for name, values in options.items():
        if not isinstance(values, dict):
            problems.append(Messages.FORMAT_OPTIONS_NOT_A_DICT.format(name=name))
        elif reason := _format_problem(name, values):
            problems.append(f"{name!r}: {reason}")
        else:
            try:
                build_formatter(name, values)
            except Exception as exc:
                problems.append(f"{name!r}: {exc}")
    return problems


@register(Tags.compatibility)
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    from apierrors.formats import FORMATS

    user = getattr(settings, SETTING_NAME, {})
    if not isinstance(user, dict):
        return [Error(str(Messages.SETTINGS_TYPE), id=Codes.SETTINGS_TYPE)]
    messages: list[CheckMessage] = []
    names = ", ".join(sorted(FORMATS))
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        messages.append(
            Warning(
                Messages.UNKNOWN_SETTING.format(keys=", ".join(unknown)),
                hint=Hints.UNKNOWN_SETTING.format(keys=", ".join(sorted(DEFAULTS))),
                id=Codes.UNKNOWN_SETTING,
            )
        )
    format_options = user.get("FORMAT_OPTIONS", {})
    options_of = format_options if isinstance(format_options, dict) else {}
    value = user.get("FORMAT", DEFAULTS["FORMAT"])
    if reason := _format_problem(value, options_of.get(value)):
        messages.append(
            Error(
                Messages.FORMAT.format(value=value, reason=reason),
                hint=Hints.FORMAT.format(names=names),
                id=Codes.FORMAT,
            )
        )
    by_path = user.get("FORMAT_BY_PATH", {})
    if not isinstance(by_path, dict):
        by_path = {"": by_path}
    for prefix, value in by_path.items():
        if isinstance(prefix, str) and not prefix.startswith("/"):
            messages.append(
                Warning(
                    Messages.FORMAT_BY_PATH_PREFIX.format(prefix=prefix),
                    hint=str(Hints.FORMAT_BY_PATH_PREFIX),
                    id=Codes.FORMAT_BY_PATH_PREFIX,
                )
            )
        if reason := _format_problem(value, options_of.get(value)):
            messages.append(
                Error(
                    Messages.FORMAT_BY_PATH.format(prefix=prefix, value=value, reason=reason),
                    hint=Hints.FORMAT.format(names=names),
                    id=Codes.FORMAT_BY_PATH,
                )
            )
    for path in user.get("EXCEPTION_CODES", {}):
        reason = None
        try:
            klass = import_string(path)
        except ImportError as exc:
            reason = Messages.NOT_IMPORTABLE.format(error=exc)
        else:
            if not (isinstance(klass, type) and issubclass(klass, BaseException)):
                reason = str(Messages.NOT_AN_EXCEPTION)
        if reason:
            messages.append(
                Error(
                    Messages.EXCEPTION_CODES.format(value=path, reason=reason),
                    hint=str(Hints.EXCEPTION_CODES),
                    id=Codes.EXCEPTION_CODES,
                )
            )
    messages.extend(_redaction_messages(user))
    messages.extend(_limit_messages(user))
    prefixes = user.get("API_PREFIXES", DEFAULTS["API_PREFIXES"])
    if not isinstance(prefixes, list | tuple) or not all(
        isinstance(prefix, str) and prefix.startswith("/") for prefix in prefixes
    ):
        messages.append(Error(str(Messages.API_PREFIXES), id=Codes.API_PREFIXES))
    messages.extend(
        Error(
            Messages.FORMAT_OPTIONS.format(reason=reason),
            hint=str(Hints.FORMAT_OPTIONS),
            id=Codes.FORMAT_OPTIONS,
        )
        for reason in _format_options_problems(format_options)
    )
    if not isinstance(user.get("CAMELCASE_FIELD_PATHS", False), bool):
        messages.append(Error(str(Messages.CAMELCASE_FIELD_PATHS), id=Codes.CAMELCASE_FIELD_PATHS))
    retry_after = user.get("RETRY_AFTER", DEFAULTS["RETRY_AFTER"])
    if isinstance(retry_after, bool) or not isinstance(retry_after, int) or retry_after < 0:
        messages.append(Error(str(Messages.RETRY_AFTER), id=Codes.RETRY_AFTER))
    return messages


def _url_callbacks(patterns: list[Any], prefix: str = "") -> list[tuple[str, Any]]:
    """(route, view callback) of every URL pattern, nested includes included."""
    from django.urls import URLPattern, URLResolver

    found: list[tuple[str, Any]] = []
    stack = [(prefix, pattern) for pattern in reversed(patterns)]
    while stack:
        route, pattern = stack.pop()
        if isinstance(pattern, URLResolver):
            stack.extend(
                (route + str(pattern.pattern), child) for child in reversed(pattern.url_patterns)
            )
        elif isinstance(pattern, URLPattern):
            found.append((route + str(pattern.pattern), pattern.callback))
    return found


@register(Tags.urls)
def check_view_formats(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    """Every error_format a view of the URLconf names must be usable, found at start-up."""
    from django.urls import get_resolver

    from apierrors.formats import FORMATS, view_error_format

    user = getattr(settings, SETTING_NAME, {})
    options_of = user.get("FORMAT_OPTIONS", {}) if isinstance(user, dict) else {}
    options_of = options_of if isinstance(options_of, dict) else {}
    try:
        patterns = get_resolver().url_patterns
    except Exception:
        return []  # Django's own URL checks report a URLconf that does not load.
    messages: list[CheckMessage] = []
    seen: set[tuple[str, int]] = set()
    for route, callback in _url_callbacks(list(patterns)):
        name = view_error_format(callback)
        if not name or (name, id(callback)) in seen:
            continue
        seen.add((name, id(callback)))
        if reason := _format_problem(name, options_of.get(name)):
            view = getattr(callback, "view_class", None) or callback
            messages.append(
                Error(
                    Messages.VIEW_FORMAT.format(
                        value=name,
                        view=f"{view.__module__}.{view.__qualname__} (/{route})",
                        reason=reason,
                    ),
                    hint=Hints.VIEW_FORMAT.format(names=", ".join(sorted(FORMATS))),
                    id=Codes.VIEW_FORMAT,
                )
            )
    return messages


# Names no site should stop redacting; leaving one out of REDACT_KEYS is warned about.
ESSENTIAL_REDACT_KEYS = ("password", "secret", "token", "authorization", "cookie")
LIMIT_KEYS = (
    "MAX_PARAM_LENGTH",
    "LOG_MAX_DEPTH",
    "LOG_MAX_ITEMS",
    "LOG_MAX_TEXT",
    "LOG_MAX_BODY",
    "LOG_MAX_TRACEBACK",
    "LOG_MAX_ROW_BYTES",
)
STORM_KEYS = ("STORM_WINDOW", "STORM_PATH_LIMIT", "STORM_CODE_LIMIT")


def _scanner_problem(value: Any) -> str | None:
    from apierrors.log.redaction import SCANNERS

    if not isinstance(value, str):
        return str(Messages.NOT_A_STRING)
    if value in SCANNERS:
        return None
    try:
        scanner = import_string(value)
    except ImportError as exc:
        return Messages.NOT_IMPORTABLE.format(error=exc)
    return None if callable(scanner) else str(Messages.NOT_CALLABLE)


def _redaction_messages(user: dict[str, Any]) -> list[CheckMessage]:
    from apierrors.log.redaction import SCANNERS

    messages: list[CheckMessage] = []
    keys = user.get("REDACT_KEYS", DEFAULTS["REDACT_KEYS"])
    if not isinstance(keys, list | tuple) or not all(isinstance(k, str) and k for k in keys):
        messages.append(Error(str(Messages.REDACT_KEYS), id=Codes.REDACT_KEYS))
    else:
        lowered = " ".join(key.lower().replace("-", "_") for key in keys)
        missing = [key for key in ESSENTIAL_REDACT_KEYS if key not in lowered]
        if missing:
            messages.append(
                Warning(
                    Messages.REDACT_KEYS_WEAK.format(keys=", ".join(missing)),
                    hint=str(Hints.REDACT_KEYS_WEAK),
                    id=Codes.REDACT_KEYS_WEAK,
                )
            )
    scanners = user.get("REDACT_SCANNERS", DEFAULTS["REDACT_SCANNERS"])
    for value in scanners if isinstance(scanners, list | tuple) else [scanners]:
        if reason := _scanner_problem(value):
            messages.append(
                Error(
                    Messages.REDACT_SCANNERS.format(value=value, reason=reason),
                    hint=Hints.REDACT_SCANNERS.format(names=", ".join(SCANNERS)),
                    id=Codes.REDACT_SCANNERS,
                )
            )
    patterns = user.get("REDACT_PATTERNS", DEFAULTS["REDACT_PATTERNS"])
    for value in patterns if isinstance(patterns, list | tuple) else [patterns]:
        try:
            re.compile(value)
        except (re.error, TypeError) as exc:
            messages.append(
                Error(
                    Messages.REDACT_PATTERNS.format(value=value, reason=exc),
                    id=Codes.REDACT_PATTERNS,
                )
            )
    return messages


def _limit_messages(user: dict[str, Any]) -> list[CheckMessage]:
    messages: list[CheckMessage] = []
    for key in LIMIT_KEYS:
        value = user.get(key, DEFAULTS[key])
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            messages.append(Error(Messages.LIMIT.format(key=key, value=value), id=Codes.LIMIT))
    for key in STORM_KEYS:
        value = user.get(key, DEFAULTS[key])
        if value is not None and (
            isinstance(value, bool) or not isinstance(value, int | float) or value <= 0
        ):
            messages.append(Error(Messages.STORM.format(key=key, value=value), id=Codes.STORM))
    limits = user.get("DRAFT_LIMITS", DEFAULTS["DRAFT_LIMITS"])
    if (
        not isinstance(user.get("CREATE_DRAFTS", True), bool)
        or not isinstance(limits, dict)
        or not set(limits) <= {"per_hour", "total"}
        or not all(value is None or _is_count(value, 0) for value in limits.values())
    ):
        messages.append(Error(str(Messages.DRAFTS), id=Codes.DRAFTS))
    return messages


@register(Tags.compatibility)
def check_installation(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    messages: list[CheckMessage] = []
    apps = list(settings.INSTALLED_APPS)
    if "modeltranslation" not in apps or (
        "django.contrib.admin" in apps
        and apps.index("modeltranslation") > apps.index("django.contrib.admin")
    ):
        messages.append(
            Error(str(Messages.APP_ORDER), hint=str(Hints.APP_ORDER), id=Codes.APP_ORDER)
        )
    handler = getattr(settings, "REST_FRAMEWORK", {}).get("EXCEPTION_HANDLER")
    if handler != "apierrors.handler.exception_handler":
        messages.append(Warning(str(Messages.HANDLER), hint=str(Hints.HANDLER), id=Codes.HANDLER))
    if "apierrors.middleware.APIErrorsMiddleware" not in settings.MIDDLEWARE:
        messages.append(
            Warning(str(Messages.MIDDLEWARE), hint=str(Hints.MIDDLEWARE), id=Codes.MIDDLEWARE)
        )
    return messages


@register(Tags.translation)
def check_catalog_translations(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    """Active languages for which the gettext catalogs lack texts of the default catalog."""
    from apierrors.catalog.defaults import DEFAULT_ENTRIES
    from apierrors.i18n import default_language, shipped_translation
    from apierrors.models import TRANSLATED_FIELDS

    msgids = {str(entry[field]) for entry in DEFAULT_ENTRIES for field in TRANSLATED_FIELDS}
    msgids.discard("")
    lacking = []
    for language, _name in settings.LANGUAGES:
        missing = sum(shipped_translation(msgid, language) is None for msgid in msgids)
        if missing:
            lacking.append(
                str(
                    Messages.MISSING_COUNT.format(
                        language=language, missing=missing, total=len(msgids)
                    )
                )
            )
    if not lacking:
        return []
    return [
        Warning(
            Messages.MISSING_TRANSLATIONS.format(languages=", ".join(lacking)),
            hint=Hints.MISSING_TRANSLATIONS.format(fallback=default_language()),
            id=Codes.MISSING_TRANSLATIONS,
        )
    ]


@register(Tags.compatibility)
def check_docs(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    """The error reference, the Sentry link and the OpenAPI schema class."""
    user = getattr(settings, SETTING_NAME, {})
    if not isinstance(user, dict):
        return []
    messages: list[CheckMessage] = []
    docs_url = user.get("DOCS_URL", DEFAULTS["DOCS_URL"])
    if docs_url not in (None, "") and not (
        isinstance(docs_url, str) and docs_url.startswith(("http://", "https://"))
    ):
        messages.append(
            Error(
                Messages.DOCS_URL.format(value=docs_url),
                hint=str(Hints.DOCS_URL),
                id=Codes.DOCS_URL,
            )
        )
    sentry_url = user.get("SENTRY_EVENT_URL", DEFAULTS["SENTRY_EVENT_URL"])
    if sentry_url and (not isinstance(sentry_url, str) or "{event_id}" not in sentry_url):
        messages.append(
            Error(
                Messages.SENTRY_EVENT_URL.format(value=sentry_url),
                hint=str(Hints.SENTRY_EVENT_URL),
                id=Codes.SENTRY_EVENT_URL,
            )
        )
    schema_class = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_SCHEMA_CLASS")
    if schema_class == "drf_spectacular.openapi.AutoSchema":
        messages.append(
            Warning(str(Messages.SCHEMA_CLASS), hint=str(Hints.SCHEMA_CLASS), id=Codes.SCHEMA_CLASS)
        )
    return messages


def _is_count(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


@register(Tags.compatibility)
def check_log_writer(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    from django.db import connections, router

    from apierrors.models import ErrorLog

    user = getattr(settings, SETTING_NAME, {})
    if not isinstance(user, dict):
        return []  # reported by check_settings
    value = {key: user.get(key, DEFAULTS[key]) for key in DEFAULTS if key.startswith("LOG_")}
    messages: list[CheckMessage] = []
    if value["LOG_MODE"] not in {"auto", "background", "sync"}:
        messages.append(
            Error(
                Messages.LOG_MODE.format(value=value["LOG_MODE"]),
                hint=str(Hints.LOG_MODE),
                id=Codes.LOG_MODE,
            )
        )
    if not _is_count(value["LOG_BATCH_SIZE"], 1):
        messages.append(
            Error(
                Messages.LOG_BATCH_SIZE.format(value=value["LOG_BATCH_SIZE"]),
                id=Codes.LOG_BATCH_SIZE,
            )
        )
    batch_size = value["LOG_BATCH_SIZE"] if _is_count(value["LOG_BATCH_SIZE"], 1) else 1
    if not _is_count(value["LOG_QUEUE_SIZE"], batch_size):
        messages.append(
            Error(
                Messages.LOG_QUEUE_SIZE.format(value=value["LOG_QUEUE_SIZE"]),
                id=Codes.LOG_QUEUE_SIZE,
            )
        )
    if value["LOG_MODE"] in {"auto", "background"} and value["LOG_ENABLED"]:
        alias = router.db_for_write(ErrorLog)
        settings_dict = connections.settings.get(alias, {})
        is_sqlite = settings_dict.get("ENGINE", "").endswith("sqlite3")
        options = settings_dict.get("OPTIONS") or {}
        name = str(settings_dict.get("NAME", ""))
        # An in-memory database is a test's: the test runner shares it between threads.
        in_memory = name in {":memory:", ""} or "mode=memory" in name
        transaction_mode = str(options.get("transaction_mode", "")).upper()
        if is_sqlite and not in_memory and transaction_mode not in {"IMMEDIATE", "EXCLUSIVE"}:
            messages.append(
                Warning(
                    Messages.LOG_SQLITE_LOCKING.format(alias=alias),
                    hint=Hints.LOG_SQLITE_LOCKING.format(alias=alias),
                    id=Codes.LOG_SQLITE_LOCKING,
                )
            )
    return messages


@register(Tags.compatibility)
def check_log_losses(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    """Records of this process that never reached the error log (the admin index shows it too)."""
    from apierrors.log.writer import current_stats

    stats = current_stats()
    if stats is None or not (stats.dropped or stats.given_up):
        return []
    return [
        Warning(
            Messages.LOG_LOSSES.format(dropped=stats.dropped, given_up=stats.given_up),
            hint=str(Hints.LOG_LOSSES),
            id=Codes.LOG_LOSSES,
        )
    ]
