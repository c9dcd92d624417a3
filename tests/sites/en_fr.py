"""A site in English and French."""

from __future__ import annotations

from tests.sites.base import *  # noqa: F403

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "French")]
