"""The registry of wire formats, and which one answers a given path or view."""

from __future__ import annotations

import functools
from typing import Any, Final

from django.utils.module_loading import import_string

from apierrors.conf import apierrors_settings
from apierrors.formats.base import ClientError, Formatter

__all__ = ["FORMATS", "ClientError", "Formatter", "formatter_for", "get_formatter"]

FORMATS: Final[dict[str, str]] = {
    "problem": "apierrors.formats.problem.ProblemFormatter",
    "catalog": "apierrors.formats.catalog.CatalogFormatter",
}


def load_formatter_class(name: str) -> type[Formatter]:
    """A format name or dotted path -> its Formatter class; raises ImportError or TypeError."""
    klass = import_string(FORMATS.get(name, name))
    if not (isinstance(klass, type) and issubclass(klass, Formatter)):
        raise TypeError(f"{name!r} is not a subclass of apierrors.formats.Formatter")
    return klass


@functools.cache
def get_formatter(name: str) -> Formatter:
    return load_formatter_class(name)()


def format_name_for(path: str, view: Any = None) -> str:
    """The view's own ``error_format``, else the longest FORMAT_BY_PATH prefix, else FORMAT."""
    if name := getattr(view, "error_format", None):
        return str(name)
    best = ""
    chosen = apierrors_settings.FORMAT
    for prefix, name in apierrors_settings.FORMAT_BY_PATH.items():
        if path.startswith(prefix) and len(prefix) > len(best):
            best, chosen = prefix, name
    return str(chosen)


def formatter_for(path: str, view: Any = None) -> Formatter:
    return get_formatter(format_name_for(path, view))
