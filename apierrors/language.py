"""Which language an error is answered in: Accept-Language against the site's LANGUAGES."""

from __future__ import annotations

import functools

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import trans_real


@functools.cache
def supported_languages() -> dict[str, str]:
    """Lower-cased language code -> the code as the site spells it, for exact and base matches."""
    return {code.lower(): code for code, _name in settings.LANGUAGES}


def _match(code: str) -> str | None:
    supported = supported_languages()
    code = code.lower().replace("_", "-")
    if code in supported:
        return supported[code]
    base = code.split("-")[0]
    return supported.get(base)


def default_language() -> str:
    return _match(settings.LANGUAGE_CODE) or next(iter(supported_languages().values()), "en")


def negotiate(request: HttpRequest | None) -> str:
    """The response language: LocaleMiddleware's choice when it ran, else Accept-Language.

    Quality values are honoured, ``*`` and unknown languages skipped, regional variants fall
    back to their base language; nothing usable means LANGUAGE_CODE.
    """
    if request is None:
        return default_language()
    chosen = getattr(request, "LANGUAGE_CODE", None)
    if chosen and (matched := _match(chosen)):
        return matched
    header = request.META.get("HTTP_ACCEPT_LANGUAGE", "")
    if header:
        for code, quality in trans_real.parse_accept_lang_header(header):
            if code != "*" and quality > 0 and (matched := _match(code)):
                return matched
    return default_language()
