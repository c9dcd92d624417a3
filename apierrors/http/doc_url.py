"""doc_url: an entry's own, else its anchor on the reference page where apierrors.urls is served."""

from __future__ import annotations

import functools
from typing import Any, Final

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest
from django.urls import NoReverseMatch, get_script_prefix, reverse, set_script_prefix
from rest_framework.request import Request

from apierrors.conf import apierrors_settings, clear_on_change
from apierrors.core.entry import Entry

# The URL name of the page in apierrors.urls, under its namespace.
REFERENCE_URL_NAME: Final = "apierrors:reference"


def reference_path(request: HttpRequest | None) -> str | None:
    """Where apierrors.urls is mounted in the request's URLconf, or None."""
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    return _mounted_at(urlconf, _script_prefix(request))


def _script_prefix(request: HttpRequest | None) -> str:
    """The script prefix reverse() applies while ``request`` is served.

    Django sets it from the request's own script name, the part of ``path`` before
    ``path_info``: read off the request, since get_script_prefix() (a context-local) cost a
    tenth of the doc_url.
    """
    path = getattr(request, "path", None)
    path_info = getattr(request, "path_info", None)
    if not isinstance(path, str) or not isinstance(path_info, str) or len(path) < len(path_info):
        return get_script_prefix()
    script_name = path[: len(path) - len(path_info)]
    return script_name if script_name.endswith("/") else script_name + "/"


@functools.lru_cache(maxsize=64)
def _mounted_at(urlconf: Any, script_prefix: str) -> str | None:
    # Asked on every error that links its entry: a URLconf's routes do not change while it is
    # in use, so each (URLconf, script prefix) is reversed once.
    # reverse() prefixes the thread's script prefix: the request's own, while it is served.
    previous = get_script_prefix()
    set_script_prefix(script_prefix)
    try:
        return reverse(REFERENCE_URL_NAME, urlconf=urlconf)
    except NoReverseMatch:
        return None
    finally:
        set_script_prefix(previous)


def reference_url(request: Any) -> str:
    """The page's absolute URL: DOCS_URL, else the mounted page on the request's host, else ""."""
    configured = apierrors_settings.DOCS_URL
    if configured is not None:
        return str(configured)
    # A DRF Request hands on the HttpRequest's attributes and methods read here.
    if not isinstance(request, HttpRequest | Request):
        return ""
    path = reference_path(request)
    if path is None:
        return ""
    try:
        return request.build_absolute_uri(path)
    except DisallowedHost:
        return ""


def anchor(code: str) -> str:
    """The fragment of a code on the page; codes are slugs, safe as they are."""
    return code


def entry_doc_url(entry: Entry, base: str) -> str:
    """An entry's own doc_url, else its anchor on the page at ``base``; generic answers get none."""
    if entry.doc_url or not entry.is_known or not base:
        return entry.doc_url
    return f"{base}#{anchor(entry.code)}"


def doc_url_for(entry: Entry, request: Any) -> str:
    """The doc_url the handler sends for ``entry``."""
    if entry.doc_url or not entry.is_known:
        return entry.doc_url
    return entry_doc_url(entry, reference_url(request))


clear_on_change(_mounted_at.cache_clear, settings=frozenset({"ROOT_URLCONF", "FORCE_SCRIPT_NAME"}))
