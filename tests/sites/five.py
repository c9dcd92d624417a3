"""A site in five languages, one of which (Portuguese) the app ships no translation for."""

from __future__ import annotations

from tests.sites.base import *  # noqa: F403

LANGUAGE_CODE = "en"
LANGUAGES = [
    ("en", "English"),
    ("fr", "French"),
    ("de", "German"),
    ("es", "Spanish"),
    ("pt", "Portuguese"),
]
