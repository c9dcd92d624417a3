"""System checks for the APIERRORS settings and the installation; ids from one registry."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.apps.config import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from apierrors.conf import DEFAULTS, GROUPS, apierrors_settings

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise


class Codes:
    SETTINGS_TYPE = "apierrors.E001"
    FORMAT = "apierrors.E002"
    FORMAT_BY_PATH = "apierrors.E003"
    EXCEPTION_CODES = "apierrors.E004"
    API_PREFIXES = "apierrors.E005"
    APP_ORDER = "apierrors.E006"
    # A flat key of 0.1.0 that moved into a group.
    MOVED_SETTING = "apierrors.E007"
    # LOG or REDACT not a dict (DRAFT_LIMITS and STORM keep the ids of their keys).
    GROUP_TYPE = "apierrors.E008"
    CACHE_ALIAS = "apierrors.E009"
    # Django's default LANGUAGES: a catalog column per language of it.
    DEFAULT_LANGUAGES = "apierrors.E010"
    FORMAT_OPTIONS = "apierrors.E101"
    VIEW_FORMAT = "apierrors.E102"
    CAMELCASE_FIELD_PATHS = "apierrors.E103"
    RETRY_AFTER = "apierrors.E104"
    # apierrors.E105 was ANSWER_AFTER_VIEW's, a setting no longer: not to be given again.
    REQUEST_ID_HEADER = "apierrors.E106"
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
    LOG_ENABLED = "apierrors.E405"
    LOG_SQLITE_LOCKING = "apierrors.W401"
    LOG_LOSSES = "apierrors.W402"


class Messages:
    SETTINGS_TYPE = _("APIERRORS must be a dict.")
    # A key's value of the wrong type or out of range; {expected} is one of the texts below.
    INVALID = _("{path} = {value!r} is not {expected}.")
    MOVED_SETTING = _("{old} is now {new}.")
    FORMAT = _("APIERRORS['FORMAT'] = {value!r} cannot be used: {reason}.")
    FORMAT_BY_PATH = _(
        "APIERRORS['FORMAT_BY_PATH'][{prefix!r}] = {value!r} cannot be used: {reason}."
    )
    EXCEPTION_CODES = _("APIERRORS['EXCEPTION_CODES'] key {value!r} cannot be used: {reason}.")
    APP_ORDER = _("'modeltranslation' must be in INSTALLED_APPS, before 'django.contrib.admin'.")
    DEFAULT_LANGUAGES = _(
        "LANGUAGES is Django's default list of {count} languages: the error catalog would get "
        "{columns} translation columns, one per language for each of its {fields} texts."
    )
    FORMAT_OPTIONS = _("APIERRORS['FORMAT_OPTIONS'] cannot be used: {reason}.")
    VIEW_FORMAT = _("The error format {value!r} of view {view} cannot be used: {reason}.")
    FORMAT_BY_PATH_PREFIX = _(
        "APIERRORS['FORMAT_BY_PATH'] key {prefix!r} does not start with '/': no path matches it."
    )
    UNKNOWN_SETTING = _("{path} has unknown keys: {keys}.")
    HANDLER = _("DRF's EXCEPTION_HANDLER is not apierrors.handler.exception_handler.")
    MIDDLEWARE = _("apierrors.middleware.APIErrorsMiddleware is not in MIDDLEWARE.")
    MISSING_TRANSLATIONS = _(
        "The default error catalog lacks translations in active languages: {languages}."
    )
    MISSING_COUNT = _("{language} ({missing} of {total} texts)")
    SCHEMA_CLASS = _(
        "DRF's DEFAULT_SCHEMA_CLASS is drf-spectacular's, which documents no error responses."
    )
    REDACT_SCANNERS = _("APIERRORS['REDACT']['SCANNERS'] entry {value!r} cannot be used: {reason}.")
    REDACT_PATTERNS = _("APIERRORS['REDACT']['PATTERNS'] entry {value!r} is not a regex: {reason}.")
    REDACT_KEYS_WEAK = _(
        "APIERRORS['REDACT']['KEYS'] leaves out {keys}: their values will be stored."
    )
    NOT_CALLABLE = _("it is not callable")
    # Why a value cannot be used, completing the messages above.
    NOT_A_STRING = _("it is not a string")
    NOT_IMPORTABLE = _("it cannot be imported ({error})")
    NOT_CREATABLE = _("it cannot be created ({error})")
    NOT_AN_EXCEPTION = _("it is not an exception class")
    OPTIONS_NOT_A_DICT = _("it must be a dict of format -> options")
    FORMAT_OPTIONS_NOT_A_DICT = _("the options of {name!r} must be a dict")
    # What a key must hold, completing INVALID.
    BOOLEAN = _("True or False")
    WHOLE = _("a whole number of at least {minimum}")
    WHOLE_OR_NONE = _("a whole number of at least {minimum}, or None")
    SECONDS = _("a number of seconds above 0")
    LIST = _("a list")
    DICT = _("a dict")
    GROUP = _("a dict whose keys are among {keys}")
    PATHS = _("a list of paths starting with '/'")
    NAMES = _("a list of non-empty strings")
    CACHE_ALIAS = _("the alias of a cache in CACHES")
    HEADER_NAME = _("an HTTP header name of one or more token characters (RFC 9110)")
    DOCS_URL = _("an absolute http(s) URL, None or ''")
    SENTRY_EVENT_URL = _("'' or a URL with an {{event_id}} placeholder")
    LOG_MODE = _("'auto', 'background' or 'sync'")
    LOG_QUEUE_SIZE = _("a whole number of at least APIERRORS['LOG']['BATCH_SIZE'] ({minimum})")
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
    MOVED_SETTING = _(
        "Set it in APIERRORS[{group!r}]: the keys of that dict that you leave out keep their "
        "defaults."
    )
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
    DEFAULT_LANGUAGES = _(
        "Set LANGUAGES to the languages your site answers in, e.g. LANGUAGES = [('en', "
        "'English'), ('fr', 'French')] (or MODELTRANSLATION_LANGUAGES to those the catalog "
        "keeps), then run migrate."
    )
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
    REQUEST_ID_HEADER = _(
        "Name the header the request id is read from and written under, such as 'X-Request-Id' "
        "or 'X-Correlation-Id': letters, digits and hyphens, without spaces or a colon."
    )
    LOG_MODE = _(
        "'background' inserts rows in batches from a thread; 'sync' before the response; 'auto' "
        "is 'sync' in test runs and 'background' elsewhere."
    )
    LOG_LOSSES = _(
        "The 'apierrors.log' logger's warnings name the first and last error_id dropped; its "
        "'not stored' lines hold the records written there, whole. A larger "
        "APIERRORS['LOG']['QUEUE_SIZE'] holds a longer outage or storm of the log database."
    )
    LOG_SQLITE_LOCKING = _(
        "Set DATABASES[{alias!r}]['OPTIONS'] = {{'transaction_mode': 'IMMEDIATE', 'timeout': 20}} "
        "(Django 5.1+), or APIERRORS['LOG'] = {{'MODE': 'sync'}}."
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


# An HTTP field name is a token (RFC 9110, section 5.1): one or more of these characters.
_TOKEN: Final = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")


def _is_whole(value: Any, minimum: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= minimum


@dataclass(frozen=True, slots=True)
class Rule:
    """What one key must hold: the test of its value, and the id and words of its error."""

    id: str
    valid: Callable[[Any], bool]
    expected: StrPromise
    minimum: int = 0
    hint: StrPromise | None = None


def _whole(id: str, minimum: int, *, or_none: bool = False) -> Rule:
    return Rule(
        id,
        lambda value: (or_none and value is None) or _is_whole(value, minimum),
        Messages.WHOLE_OR_NONE if or_none else Messages.WHOLE,
        minimum,
    )


def _instance(*types: type) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, types)


def _list_of(valid: Callable[[Any], object]) -> Callable[[Any], bool]:
    return lambda value: isinstance(value, list | tuple) and all(valid(item) for item in value)


_is_bool, _is_list, _is_dict = _instance(bool), _instance(list, tuple), _instance(dict)


# Every key's rule, by its path in APIERRORS; a group's own rule (that it is a dict) comes
# before its keys'. FORMAT, FORMAT_OPTIONS and the entries of FORMAT_BY_PATH, EXCEPTION_CODES
# and REDACT's lists need more than a look at the value: check_settings checks them too.
RULES: Final[dict[tuple[str, ...], Rule]] = {
    ("FORMAT_BY_PATH",): Rule(Codes.FORMAT_BY_PATH, _is_dict, Messages.DICT),
    ("EXCEPTION_CODES",): Rule(
        Codes.EXCEPTION_CODES, _is_dict, Messages.DICT, hint=Hints.EXCEPTION_CODES
    ),
    ("CAMELCASE_FIELD_PATHS",): Rule(Codes.CAMELCASE_FIELD_PATHS, _is_bool, Messages.BOOLEAN),
    ("RETRY_AFTER",): _whole(Codes.RETRY_AFTER, 0),
    ("API_PREFIXES",): Rule(
        Codes.API_PREFIXES,
        _list_of(lambda prefix: isinstance(prefix, str) and prefix.startswith("/")),
        Messages.PATHS,
    ),
    ("CREATE_DRAFTS",): Rule(Codes.DRAFTS, _is_bool, Messages.BOOLEAN),
    ("DRAFT_LIMITS",): Rule(Codes.DRAFTS, _is_dict, Messages.GROUP),
    ("DRAFT_LIMITS", "per_hour"): _whole(Codes.DRAFTS, 0, or_none=True),
    ("DRAFT_LIMITS", "total"): _whole(Codes.DRAFTS, 0, or_none=True),
    ("REQUEST_ID_HEADER",): Rule(
        Codes.REQUEST_ID_HEADER,
        lambda value: isinstance(value, str) and _TOKEN.fullmatch(value) is not None,
        Messages.HEADER_NAME,
        hint=Hints.REQUEST_ID_HEADER,
    ),
    ("CACHE_ALIAS",): Rule(
        Codes.CACHE_ALIAS,
        lambda value: isinstance(value, str) and value in settings.CACHES,
        Messages.CACHE_ALIAS,
    ),
    ("MAX_PARAM_LENGTH",): _whole(Codes.LIMIT, 1),
    ("DOCS_URL",): Rule(
        Codes.DOCS_URL,
        lambda value: (
            value in (None, "")
            or (isinstance(value, str) and value.startswith(("http://", "https://")))
        ),
        Messages.DOCS_URL,
        hint=Hints.DOCS_URL,
    ),
    ("SENTRY_EVENT_URL",): Rule(
        Codes.SENTRY_EVENT_URL,
        lambda value: value == "" or (isinstance(value, str) and "{event_id}" in value),
        Messages.SENTRY_EVENT_URL,
        hint=Hints.SENTRY_EVENT_URL,
    ),
    ("REDACT",): Rule(Codes.GROUP_TYPE, _is_dict, Messages.GROUP),
    ("REDACT", "KEYS"): Rule(
        Codes.REDACT_KEYS, _list_of(lambda key: isinstance(key, str) and key), Messages.NAMES
    ),
    ("REDACT", "SCANNERS"): Rule(Codes.REDACT_SCANNERS, _is_list, Messages.LIST),
    ("REDACT", "PATTERNS"): Rule(Codes.REDACT_PATTERNS, _is_list, Messages.LIST),
    ("LOG",): Rule(Codes.GROUP_TYPE, _is_dict, Messages.GROUP),
    ("LOG", "ENABLED"): Rule(Codes.LOG_ENABLED, _is_bool, Messages.BOOLEAN),
    ("LOG", "MODE"): Rule(
        Codes.LOG_MODE,
        lambda value: value in ("auto", "background", "sync"),
        Messages.LOG_MODE,
        hint=Hints.LOG_MODE,
    ),
    ("LOG", "BATCH_SIZE"): _whole(Codes.LOG_BATCH_SIZE, 1),
    ("LOG", "QUEUE_SIZE"): _whole(Codes.LOG_QUEUE_SIZE, 1),
    **{
        ("LOG", key): _whole(Codes.LIMIT, 1)
        for key in ("MAX_DEPTH", "MAX_ITEMS", "MAX_TEXT", "MAX_BODY", "MAX_TRACEBACK")
    },
    ("LOG", "MAX_ROW_BYTES"): _whole(Codes.LIMIT, 1),
    ("STORM",): Rule(Codes.STORM, _is_dict, Messages.GROUP),
    ("STORM", "WINDOW"): Rule(
        Codes.STORM,
        lambda value: not _is_bool(value) and isinstance(value, int | float) and value > 0,
        Messages.SECONDS,
    ),
    ("STORM", "PATH_LIMIT"): _whole(Codes.STORM, 1, or_none=True),
    ("STORM", "CODE_LIMIT"): _whole(Codes.STORM, 1, or_none=True),
}

# Up to 0.1.0 each key of these groups was a flat key, <GROUP>_<KEY>: a site that still sets
# one is told where it went.
MOVED: Final = {
    f"{group}_{key}": (group, key)
    for group in ("REDACT", "LOG", "STORM")
    for key in DEFAULTS[group]
}


def setting_path(*keys: str) -> str:
    """``("LOG", "MODE")`` -> ``APIERRORS['LOG']['MODE']``, as a site writes it."""
    return "APIERRORS" + "".join(f"[{key!r}]" for key in keys)


def _invalid(
    path: tuple[str, ...], value: Any, id: str, expected: str, hint: StrPromise | None = None
) -> Error:
    return Error(
        Messages.INVALID.format(path=setting_path(*path), value=value, expected=expected),
        hint=None if hint is None else str(hint),
        id=id,
    )


def _unknown(path: tuple[str, ...], found: Any, known: Any) -> Warning | None:
    unknown = sorted(str(key) for key in found if key not in known)
    if not unknown:
        return None
    return Warning(
        Messages.UNKNOWN_SETTING.format(path=setting_path(*path), keys=", ".join(unknown)),
        hint=Hints.UNKNOWN_SETTING.format(keys=", ".join(sorted(known))),
        id=Codes.UNKNOWN_SETTING,
    )


def _key_messages(user: dict[str, Any]) -> list[CheckMessage]:
    """Keys moved or unknown (at the top and in groups), and every value against its rule."""
    messages: list[CheckMessage] = [
        Error(
            Messages.MOVED_SETTING.format(old=setting_path(key), new=setting_path(*MOVED[key])),
            hint=Hints.MOVED_SETTING.format(group=MOVED[key][0]),
            id=Codes.MOVED_SETTING,
        )
        for key in sorted(set(user) & set(MOVED))
    ]
    unknown = _unknown((), set(user) - set(MOVED), DEFAULTS)
    messages.extend([unknown] if unknown else [])
    for group in sorted(GROUPS):
        value = apierrors_settings.declared(group)
        if isinstance(value, dict) and (unknown := _unknown((group,), value, DEFAULTS[group])):
            messages.append(unknown)
    for path, rule in RULES.items():
        value = apierrors_settings.declared(path[0])
        if len(path) == 2:
            if not isinstance(value, dict):
                continue  # reported by the group's own rule
            value = value[path[1]]
        if not rule.valid(value):
            keys = ", ".join(repr(key) for key in DEFAULTS[path[0]]) if path[0] in GROUPS else ""
            expected = rule.expected.format(minimum=rule.minimum, keys=keys)
            messages.append(_invalid(path, value, rule.id, expected, rule.hint))
    # The queue holds at least one batch.
    log = apierrors_settings.declared("LOG")
    sizes = (log["BATCH_SIZE"], log["QUEUE_SIZE"]) if isinstance(log, dict) else (1, 1)
    if all(_is_whole(size, 1) for size in sizes) and sizes[1] < sizes[0]:
        expected = Messages.LOG_QUEUE_SIZE.format(minimum=sizes[0])
        messages.append(_invalid(("LOG", "QUEUE_SIZE"), sizes[1], Codes.LOG_QUEUE_SIZE, expected))
    return messages


@register(Tags.compatibility)
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    from apierrors.formats import FORMATS

    user = apierrors_settings.user_settings
    if not isinstance(user, dict):
        return [Error(str(Messages.SETTINGS_TYPE), id=Codes.SETTINGS_TYPE)]
    messages = _key_messages(user)
    names = ", ".join(sorted(FORMATS))
    format_options = apierrors_settings.FORMAT_OPTIONS
    options_of = format_options if isinstance(format_options, dict) else {}
    value = apierrors_settings.FORMAT
    if reason := _format_problem(value, options_of.get(value)):
        messages.append(
            Error(
                Messages.FORMAT.format(value=value, reason=reason),
                hint=Hints.FORMAT.format(names=names),
                id=Codes.FORMAT,
            )
        )
    by_path = apierrors_settings.FORMAT_BY_PATH
    for prefix, value in by_path.items() if isinstance(by_path, dict) else ():
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
    codes = apierrors_settings.declared("EXCEPTION_CODES")
    for path in codes if isinstance(codes, dict) else ():
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
    messages.extend(_redaction_messages())
    messages.extend(
        Error(
            Messages.FORMAT_OPTIONS.format(reason=reason),
            hint=str(Hints.FORMAT_OPTIONS),
            id=Codes.FORMAT_OPTIONS,
        )
        for reason in _format_options_problems(format_options)
    )
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

    options_of = apierrors_settings.declared("FORMAT_OPTIONS")
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


# Names no site should stop redacting; leaving one out of REDACT["KEYS"] is warned about.
ESSENTIAL_REDACT_KEYS = ("password", "secret", "token", "authorization", "cookie")


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


def _redaction_messages() -> list[CheckMessage]:
    """REDACT's scanners and patterns one by one, and the names its keys leave out."""
    from apierrors.log.redaction import SCANNERS

    redact = apierrors_settings.declared("REDACT")
    if not isinstance(redact, dict):
        return []  # reported by its rule
    messages: list[CheckMessage] = []
    keys = redact["KEYS"]
    if RULES[("REDACT", "KEYS")].valid(keys):  # else reported by its rule
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
    for value in redact["SCANNERS"] if _is_list(redact["SCANNERS"]) else ():
        if reason := _scanner_problem(value):
            messages.append(
                Error(
                    Messages.REDACT_SCANNERS.format(value=value, reason=reason),
                    hint=Hints.REDACT_SCANNERS.format(names=", ".join(SCANNERS)),
                    id=Codes.REDACT_SCANNERS,
                )
            )
    for value in redact["PATTERNS"] if _is_list(redact["PATTERNS"]) else ():
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


def _default_languages() -> bool:
    """Whether the site kept Django's default LANGUAGES, with no list for modeltranslation."""
    # settings.is_overridden() is documented Django API that django-stubs does not declare.
    overridden = settings.is_overridden  # type: ignore[misc]
    return not overridden("LANGUAGES") and not overridden("MODELTRANSLATION_LANGUAGES")


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
    if _default_languages():
        from apierrors.models import TRANSLATED_FIELDS

        count = len(settings.LANGUAGES)
        messages.append(
            Error(
                str(
                    Messages.DEFAULT_LANGUAGES.format(
                        count=count,
                        columns=count * len(TRANSLATED_FIELDS),
                        fields=len(TRANSLATED_FIELDS),
                    )
                ),
                hint=str(Hints.DEFAULT_LANGUAGES),
                id=Codes.DEFAULT_LANGUAGES,
            )
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

    if _default_languages():
        return []  # apierrors.E010 says what to do first.
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
    """The OpenAPI schema class (DOCS_URL and SENTRY_EVENT_URL have their rules)."""
    schema_class = getattr(settings, "REST_FRAMEWORK", {}).get("DEFAULT_SCHEMA_CLASS")
    if schema_class == "drf_spectacular.openapi.AutoSchema":
        return [
            Warning(str(Messages.SCHEMA_CLASS), hint=str(Hints.SCHEMA_CLASS), id=Codes.SCHEMA_CLASS)
        ]
    return []


@register(Tags.compatibility)
def check_log_writer(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    """A background writer on a SQLite database that locks (LOG's keys have their rules)."""
    from django.db import connections, router

    from apierrors.models import ErrorLog

    log = apierrors_settings.declared("LOG")
    if not isinstance(log, dict):
        return []  # reported by check_settings
    messages: list[CheckMessage] = []
    if log["MODE"] in ("auto", "background") and log["ENABLED"]:
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
