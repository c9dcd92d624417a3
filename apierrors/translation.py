"""modeltranslation registration: catalog texts get one column per language of the site."""

from __future__ import annotations

from modeltranslation.translator import TranslationOptions, register

from apierrors.models import TRANSLATED_FIELDS, ErrorCode


@register(ErrorCode)
class ErrorCodeTranslationOptions(TranslationOptions):
    fields = TRANSLATED_FIELDS
