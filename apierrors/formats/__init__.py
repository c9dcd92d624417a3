"""The registry of wire formats, and which one answers a given path or view."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final, TypeVar

from django.utils.module_loading import import_string

from apierrors.conf import apierrors_settings, clear_on_change
from apierrors.core.error import ClientError
from apierrors.formats.base import Formatter, dotted_path, json_pointer

__all__ = [
    "FORMATS",
    "ClientError",
    "Formatter",
    "dotted_path",
    "error_format",
    "formatter_for",
    "get_formatter",
    "json_pointer",
    "view_error_format",
]

FORMATS: Final[dict[str, str]] = {
    "problem": "apierrors.formats.problem.ProblemFormatter",
    "octo": "apierrors.formats.octo.OctoFormatter",
    "stripe": "apierrors.formats.stripe.StripeFormatter",
    "catalog": "apierrors.formats.catalog.CatalogFormatter",
    "violations": "apierrors.formats.violations.ViolationsFormatter",
    "standardized": "apierrors.formats.standardized.StandardizedFormatter",
}

# Attribute naming a view's own format, on a view class, a view function or its as_view().
VIEW_ATTRIBUTE: Final = "error_format"

ViewT = TypeVar("ViewT")


def load_formatter_class(name: str) -> type[Formatter]:
    """A format name or dotted path -> its Formatter class; raises ImportError or TypeError."""
    klass = import_string(FORMATS.get(name, name))
    if not (isinstance(klass, type) and issubclass(klass, Formatter)):
        raise TypeError(f"{name!r} is not a subclass of apierrors.formats.Formatter")
    if klass.body is Formatter.body:
        raise TypeError(f"{name!r} does not implement body()")
    return klass


def build_formatter(name: str, options: dict[str, Any] | None = None) -> Formatter:
    """The formatter for ``name`` with the site's FORMAT_OPTIONS for it (or ``options``)."""
    if options is None:
        options = dict(apierrors_settings.FORMAT_OPTIONS.get(name) or {})
    return load_formatter_class(name)(**options)


@functools.cache
def get_formatter(name: str) -> Formatter:
    return build_formatter(name)


def error_format(name: str) -> Callable[[ViewT], ViewT]:
    """Decorator choosing a view's format: a view class, an ``@api_view`` or a plain view.

    ``@error_format("octo")`` on an ``APIView``/``ViewSet`` class (the same as its attribute
    ``error_format = "octo"``), above ``@api_view(...)``, on a plain Django view under
    ``API_PREFIXES``, or around one URL's ``as_view()``. ``manage.py check`` validates every name
    found in the URLconf.
    """

    def decorate(view: ViewT) -> ViewT:
        setattr(view, VIEW_ATTRIBUTE, name)
        return view

    return decorate


def view_error_format(view: Any) -> str | None:
    """The format a view (instance, class, or URL callback) asked for, if any."""
    for candidate in (view, getattr(view, "view_class", None), getattr(view, "cls", None)):
        name = getattr(candidate, VIEW_ATTRIBUTE, None)
        if name:
            return str(name)
    return None


def format_name_for(path: str, view: Any = None, callback: Any = None) -> str:
    """The URL callback's own format, the view's, the longest FORMAT_BY_PATH prefix, or FORMAT.

    ``callback`` is the function the URL resolved to: a decorated ``@api_view`` or one mount's
    ``as_view()`` chooses for that URL alone, before the class's own ``error_format``.
    """
    name = (
        getattr(callback, VIEW_ATTRIBUTE, None)
        or view_error_format(view)
        or view_error_format(callback)
    )
    if name:
        return str(name)
    best = ""
    chosen = apierrors_settings.FORMAT
    for prefix, name in apierrors_settings.FORMAT_BY_PATH.items():
        if path.startswith(prefix) and len(prefix) > len(best):
            best, chosen = prefix, name
    return str(chosen)


def formatter_for(path: str, view: Any = None, callback: Any = None) -> Formatter:
    return get_formatter(format_name_for(path, view, callback))


clear_on_change(get_formatter.cache_clear)
