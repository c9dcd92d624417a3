"""modeltranslation registration: catalog texts get one column per language of the site."""

from __future__ import annotations

import functools
import operator

from django.db.models import Q
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.translator import TranslationOptions, register
from modeltranslation.utils import build_localized_fieldname

from apierrors.models import TRANSLATED_FIELDS, ErrorCode


@register(ErrorCode)
class ErrorCodeTranslationOptions(TranslationOptions):
    fields = TRANSLATED_FIELDS


# What "missing a translation" means, for the admin's column and filter: a text is missing in
# a language when its column there is empty while another language of the site has that text.
# An action left empty everywhere is not missing anywhere.


def _empty(column: str) -> Q:
    return Q(**{f"{column}__isnull": True}) | Q(**{column: ""})


def missing_translation_q(language: str | None = None) -> Q:
    """Entries with a text that ``language`` (None: any language) lacks and another language of
    the site has."""
    if language is None:
        return _any([missing_translation_q(each) for each in AVAILABLE_LANGUAGES])
    lacking = []
    for field in TRANSLATED_FIELDS:
        elsewhere = [
            ~_empty(build_localized_fieldname(field, other))
            for other in AVAILABLE_LANGUAGES
            if other != language
        ]
        if elsewhere:
            lacking.append(_empty(build_localized_fieldname(field, language)) & _any(elsewhere))
    return _any(lacking) if lacking else Q(pk__in=[])


def _any(queries: list[Q]) -> Q:
    return functools.reduce(operator.or_, queries)


def missing_languages(entry: ErrorCode) -> list[str]:
    """The site languages in which ``entry`` lacks a text that another language has."""
    missing = []
    for language in AVAILABLE_LANGUAGES:
        for field in TRANSLATED_FIELDS:
            texts = {
                other: getattr(entry, build_localized_fieldname(field, other), None)
                for other in AVAILABLE_LANGUAGES
            }
            if not texts[language] and any(texts.values()):
                missing.append(language)
                break
    return missing
