"""The site's languages and the shipped translations: LANGUAGES, LANGUAGE_CODE, gettext."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Final, TypeVar

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation

T = TypeVar("T")


@functools.cache
def supported_languages() -> dict[str, str]:
    """Lower-cased language code -> the code as the site spells it, in LANGUAGES order."""
    return {code.lower(): code for code, _name in settings.LANGUAGES}


@functools.lru_cache(maxsize=1024)
def site_language(code: str) -> str | None:
    """The site language that serves ``code``: itself, else a shorter form of it (fr-ca -> fr),
    else a regional form of its base (de -> de-at)."""
    supported = supported_languages()
    parts = code.lower().replace("_", "-").split("-")
    for end in range(len(parts), 0, -1):
        if (candidate := "-".join(parts[:end])) in supported:
            return supported[candidate]
    prefix = parts[0] + "-"
    return next((site for lower, site in supported.items() if lower.startswith(prefix)), None)


@functools.cache
def default_language() -> str:
    """LANGUAGE_CODE as the site spells it in LANGUAGES (the fallback of every negotiation)."""
    return site_language(settings.LANGUAGE_CODE) or next(iter(supported_languages().values()), "en")


def fallback_chain(language: str) -> tuple[str, ...]:
    """Where a text missing in ``language`` is looked for next: its base language when the site
    has it (pt-br -> pt), then LANGUAGE_CODE."""
    chain = [language]
    base = site_language(language.split("-")[0])
    for candidate in (base, default_language()):
        if candidate and candidate not in chain:
            chain.append(candidate)
    return tuple(chain)


def translated(text: Any, language: str) -> str:
    """``str(text)`` in ``language``: a lazy text (DRF's default details) translated, else the
    text itself. Translating a lazy text is a catalog lookup each time: remembered."""
    if isinstance(text, str):
        return text

    def translate() -> str:
        if translation.get_language() == language:
            return str(text)
        with translation.override(language):
            return str(text)

    return _remembered(_translated, (id(text), language), text, translate)


def translations_of(text: Any) -> frozenset[str]:
    """``text`` in each of the site's languages (and LANGUAGE_CODE), remembered per object."""
    if isinstance(text, str):
        return frozenset({text})

    def in_each_language() -> frozenset[str]:
        languages = {*supported_languages().values(), settings.LANGUAGE_CODE}
        return frozenset(translated(text, language) for language in languages)

    return _remembered(_translations, id(text), text, in_each_language)


def _remembered(
    store: dict[Any, tuple[Any, T]], key: Any, text: Any, compute: Callable[[], T]
) -> T:
    """``compute()`` for a lazy ``text``, remembered in ``store`` under ``key`` (built on its
    id): the object is kept with the answer, so its id is not reused while remembered."""
    hit = store.get(key)
    if hit is not None and hit[0] is text:
        return hit[1]
    value = compute()
    if len(store) >= MAX_TRANSLATED:
        store.clear()
    store[key] = (text, value)
    return value


# Most answers each of the two stores below remembers at once.
MAX_TRANSLATED: Final = 1024
_translated: dict[tuple[int, str], tuple[Any, str]] = {}
_translations: dict[int, tuple[Any, frozenset[str]]] = {}


def shipped_translation(msgid: str, language: str) -> str | None:
    """``msgid`` in ``language`` from the gettext catalogs (the app's, the site's LOCALE_PATHS),
    or None where none translates it. The default catalog is written in English."""
    if not msgid:
        return ""
    with translation.override(language):
        text = translation.gettext(msgid)
    base = language.lower().split("-")[0]
    if base == "en":
        return text
    if text == msgid:
        return None
    default = settings.LANGUAGE_CODE
    if default.lower().split("-")[0] != base:
        # Django answers a language it has no catalog for from LANGUAGE_CODE's catalog:
        # that text is the fallback, not a translation into ``language``.
        with translation.override(default):
            if translation.gettext(msgid) == text:
                return None
    return text


# The settings the site's languages are read from: what they change is forgotten here and in
# apierrors.http.language. This receiver is not conf.clear_on_change(): the core imports this
# module, and the core imports nothing of conf.
LANGUAGE_SETTINGS: Final = frozenset({"LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"})


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting in LANGUAGE_SETTINGS:
        for cached in (supported_languages, site_language, default_language):
            cached.cache_clear()
        _translated.clear()
        _translations.clear()
