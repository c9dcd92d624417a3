"""Which language an error is answered in: Accept-Language against the site's LANGUAGES."""

from __future__ import annotations

import functools
import re
from types import SimpleNamespace
from typing import Any, Final, TypeVar

from django.conf import settings
from django.conf.urls.i18n import is_language_prefix_patterns_used
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

from apierrors.conf import clear_on_change
from apierrors.i18n import LANGUAGE_SETTINGS, default_language, site_language, supported_languages

T = TypeVar("T")

# A header is read up to this many characters and this many ranges: a hostile header costs
# no more than an ordinary one, and parsed headers are cached.
MAX_HEADER_LENGTH: Final = 500
MAX_RANGES: Final = 32
MAX_CODE_LENGTH: Final = 35

# One language range with its optional weight (RFC 9110, 12.5.4). Read leniently: spaces
# around "=" and "_" for "-" are tolerated; a piece that is not a range is skipped alone.
_RANGE: Final = re.compile(
    r"\s*([a-z]{1,8}(?:-[a-z0-9]{1,8})*|\*)\s*(?:;\s*q\s*=\s*(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?\s*"
)


@functools.lru_cache(maxsize=512)
def _parse(header: str) -> tuple[tuple[str, float], ...]:
    ranges = []
    for piece in header.lower().replace("_", "-").split(",")[:MAX_RANGES]:
        if match := _RANGE.fullmatch(piece):
            ranges.append((match[1], float(match[2]) if match[2] else 1.0))
    return tuple(ranges)


def _bounded(header: str) -> str:
    """The header up to MAX_HEADER_LENGTH, cut at the last comma that fits so that no range is
    read half-written; what the caches below are keyed by."""
    if len(header) <= MAX_HEADER_LENGTH:
        return header
    return header[: max(header.rfind(",", 0, MAX_HEADER_LENGTH), 0)]


def parse_accept_language(header: str) -> tuple[tuple[str, float], ...]:
    """(range, quality) pairs in the client's order; malformed pieces skipped."""
    return _parse(_bounded(header))


@functools.lru_cache(maxsize=512)
def _best(header: str) -> str | None:
    languages = tuple(supported_languages().values())
    default = default_language()
    ranges = parse_accept_language(header)
    best: tuple[float, int, int, bool] | None = None
    chosen = None
    for language in languages:
        lower = language.lower()
        # The most specific range naming the language decides its quality (RFC 4647 basic
        # filtering: "fr" covers "fr-ca"); a regional range of a language the site has only
        # in its base form counts for that base (fr-ca -> fr); "*" covers what is not named.
        specific: tuple[int, float, int] | None = None
        regional: tuple[float, int] | None = None
        anything: tuple[float, int] | None = None
        for position, (name, quality) in enumerate(ranges):
            if name == lower or lower.startswith(name + "-"):
                if specific is None or len(name) > specific[0]:
                    specific = (len(name), quality, position)
            elif name.startswith(lower + "-"):
                if regional is None or quality > regional[0]:
                    regional = (quality, position)
            elif name == "*" and anything is None:
                anything = (quality, position)
        if specific:
            quality, position, closeness = specific[1], specific[2], 2
        elif regional:
            quality, position, closeness = regional[0], regional[1], 1
        elif anything:
            quality, position, closeness = anything[0], anything[1], 0
        else:
            continue
        if quality <= 0:
            continue
        # Highest quality; among equals the range the client named first, then the closest
        # match, then LANGUAGE_CODE, then the site's order.
        rank = (quality, -position, closeness, language == default)
        if best is None or rank > best:
            best, chosen = rank, language
    return chosen


def best_match(header: str) -> str | None:
    """The site language the client prefers most, or None when the header allows none.

    Quality values are honoured: ``q=0`` refuses a language, ``*`` stands for every language
    the header does not name, a regional variant falls back to its base language.
    """
    if not header:
        return None
    return _best(_bounded(header))


def site_choice(request: HttpRequest) -> str | None:
    """The language LocaleMiddleware (or the site's own middleware) chose, unless it was only
    read from Accept-Language.

    A URL prefix (i18n_patterns), the language cookie and a site's own choice are deliberate and
    win. Django's own reading of the header does not treat ``q=0`` as a refusal, so a choice made
    from the header alone is made again by ``best_match``.
    """
    chosen = getattr(request, "LANGUAGE_CODE", None)
    if not chosen:
        return None
    return _site_choice(*_choice_inputs(request, str(chosen)))


def _choice_inputs(request: HttpRequest, chosen: str) -> tuple[str, Any, str, str]:
    """What site_choice() depends on, each bounded: the key of its cache."""
    urlconf = getattr(request, "urlconf", None) or settings.ROOT_URLCONF
    # A cookie is the client's to write: a bounded piece of it, so it cannot flood the cache.
    cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME) or ""
    header = _bounded(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
    return chosen[:MAX_CODE_LENGTH], urlconf, cookie[:MAX_CODE_LENGTH], header


@functools.lru_cache(maxsize=1024)
def _site_choice(chosen: str, urlconf: Any, cookie: str, header: str) -> str | None:
    if not (matched := site_language(chosen)):
        return None
    if is_language_prefix_patterns_used(urlconf)[0]:
        return matched
    if cookie and site_language(cookie) == matched:
        return matched
    if _django_choice(header) != matched:
        return matched
    return None


@functools.lru_cache(maxsize=512)
def _django_choice(header: str) -> str | None:
    """What LocaleMiddleware would choose from this header alone."""
    header_only: Any = SimpleNamespace(COOKIES={}, META={"HTTP_ACCEPT_LANGUAGE": header})
    return site_language(translation.get_language_from_request(header_only))


# Request attribute: the language the middleware negotiated and made active for the view.
ACTIVE_ATTR: Final = "_apierrors_language"


def active_for(request: Any) -> str | None:
    """The language the middleware activated for ``request`` (the view ran in it), or None."""
    return getattr(request, ACTIVE_ATTR, None)


def negotiate(request: HttpRequest | None) -> str:
    """The response language: the site's deliberate choice, else Accept-Language, else
    LANGUAGE_CODE. Always one of the site's LANGUAGES."""
    if request is None:
        return default_language()
    return (
        site_choice(request)
        or best_match(request.META.get("HTTP_ACCEPT_LANGUAGE", ""))
        or default_language()
    )


def vary_on_language(response: HttpResponse) -> None:
    """``Vary: Accept-Language`` on a response whose language followed the header."""
    vary = response.headers.get("Vary")
    if vary is None:
        response.headers["Vary"] = "Accept-Language"
    elif "accept-language" not in (name.strip().lower() for name in vary.split(",")):
        patch_vary_headers(response, ["Accept-Language"])


clear_on_change(
    _best.cache_clear,
    _django_choice.cache_clear,
    _site_choice.cache_clear,
    settings=LANGUAGE_SETTINGS,
)
