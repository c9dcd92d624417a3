"""A site that kept Django's default LANGUAGES (about a hundred languages)."""

from __future__ import annotations

from tests.sites.base import *  # noqa: F403

del LANGUAGES  # noqa: F821
