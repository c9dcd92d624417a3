"""Settings shared by the sites of the language tests; each site module names its LANGUAGES.

The database is the one APIERRORS_SITE_DATABASE_URL names (a fresh one per test), never the
main suite's; the cache is local to the process.
"""

from __future__ import annotations

import os

import dj_database_url

from tests.settings import *  # noqa: F403

DATABASES = {"default": dj_database_url.parse(os.environ["APIERRORS_SITE_DATABASE_URL"])}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# A site's own gettext catalogs, when the test gives some (LOCALE_PATHS win over the apps').
LOCALE_PATHS = (
    [os.environ["APIERRORS_SITE_LOCALE"]] if os.environ.get("APIERRORS_SITE_LOCALE") else []
)
