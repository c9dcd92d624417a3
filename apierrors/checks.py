"""System checks for the APIERRORS settings and the installation; ids from one registry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.apps.config import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register
from django.utils.module_loading import import_string

from apierrors.conf import DEFAULTS, SETTING_NAME


class Codes:
    SETTINGS_TYPE = "apierrors.E001"
    FORMAT = "apierrors.E002"
    FORMAT_BY_PATH = "apierrors.E003"
    EXCEPTION_CODES = "apierrors.E004"
    API_PREFIXES = "apierrors.E005"
    APP_ORDER = "apierrors.E006"
    UNKNOWN_SETTING = "apierrors.W001"
    HANDLER = "apierrors.W002"
    MIDDLEWARE = "apierrors.W003"


class Messages:
    SETTINGS_TYPE = "APIERRORS must be a dict."
    FORMAT = "APIERRORS['FORMAT'] = {value!r} cannot be used: {reason}."
    FORMAT_BY_PATH = "APIERRORS['FORMAT_BY_PATH'][{prefix!r}] = {value!r} cannot be used: {reason}."
    EXCEPTION_CODES = "APIERRORS['EXCEPTION_CODES'] key {value!r} cannot be used: {reason}."
    API_PREFIXES = "APIERRORS['API_PREFIXES'] must be a list of paths starting with '/'."
    APP_ORDER = "'modeltranslation' must be in INSTALLED_APPS, before 'django.contrib.admin'."
    UNKNOWN_SETTING = "APIERRORS has unknown keys: {keys}."
    HANDLER = "DRF's EXCEPTION_HANDLER is not apierrors.handler.exception_handler."
    MIDDLEWARE = "apierrors.middleware.APIErrorsMiddleware is not in MIDDLEWARE."


class Hints:
    FORMAT = "Use one of {names}, or the dotted path of a subclass of apierrors.formats.Formatter."
    EXCEPTION_CODES = "Keys are dotted paths of exception classes; values are catalog codes."
    APP_ORDER = "modeltranslation patches the admin: list it first, as its documentation says."
    UNKNOWN_SETTING = "Known keys: {keys}."
    HANDLER = (
        "Set REST_FRAMEWORK = {'EXCEPTION_HANDLER': 'apierrors.handler.exception_handler'}, or "
        "errors of DRF views are not answered from the catalog."
    )
    MIDDLEWARE = (
        "Add it after AuthenticationMiddleware: it sets request ids, answers errors of non-DRF "
        "views under API_PREFIXES, and writes log rows outside the view's transaction."
    )


def _format_problem(value: Any) -> str | None:
    from apierrors.formats import load_formatter_class

    if not isinstance(value, str):
        return "it is not a string"
    try:
        load_formatter_class(value)
    except ImportError as exc:
        return f"it cannot be imported ({exc})"
    except TypeError as exc:
        return str(exc)
    return None


@register(Tags.compatibility)
def check_settings(
    app_configs: Sequence[AppConfig] | None = None, **kwargs: Any
) -> Sequence[CheckMessage]:
    from apierrors.formats import FORMATS

    user = getattr(settings, SETTING_NAME, {})
    if not isinstance(user, dict):
        return [Error(Messages.SETTINGS_TYPE, id=Codes.SETTINGS_TYPE)]
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
    value = user.get("FORMAT", DEFAULTS["FORMAT"])
    if reason := _format_problem(value):
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
        if reason := _format_problem(value):
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
            reason = f"it cannot be imported ({exc})"
        else:
            if not (isinstance(klass, type) and issubclass(klass, BaseException)):
                reason = "it is not an exception class"
        if reason:
            messages.append(
                Error(
                    Messages.EXCEPTION_CODES.format(value=path, reason=reason),
                    hint=Hints.EXCEPTION_CODES,
                    id=Codes.EXCEPTION_CODES,
                )
            )
    prefixes = user.get("API_PREFIXES", DEFAULTS["API_PREFIXES"])
    if not isinstance(prefixes, list | tuple) or not all(
        isinstance(prefix, str) and prefix.startswith("/") for prefix in prefixes
    ):
        messages.append(Error(Messages.API_PREFIXES, id=Codes.API_PREFIXES))
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
        messages.append(Error(Messages.APP_ORDER, hint=Hints.APP_ORDER, id=Codes.APP_ORDER))
    handler = getattr(settings, "REST_FRAMEWORK", {}).get("EXCEPTION_HANDLER")
    if handler != "apierrors.handler.exception_handler":
        messages.append(Warning(Messages.HANDLER, hint=Hints.HANDLER, id=Codes.HANDLER))
    if "apierrors.middleware.APIErrorsMiddleware" not in settings.MIDDLEWARE:
        messages.append(Warning(Messages.MIDDLEWARE, hint=Hints.MIDDLEWARE, id=Codes.MIDDLEWARE))
    return messages
