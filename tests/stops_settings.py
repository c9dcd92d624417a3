"""Settings of the servers tests/test_stops.py starts and stops: the demo in background log mode.

DATABASE_URL names the database the servers share. With APIERRORS_STOPS_LOG_PORT set, the error
log is routed to a PostgreSQL alias on that port of 127.0.0.1, where the test keeps a listener
that accepts connections and never answers: a log database that hangs.
"""

from __future__ import annotations

import os

from project.settings import *  # noqa: F403
from project.settings import APIERRORS, DATABASES, MIDDLEWARE
from tests.servers import LOGGING  # noqa: F401

DEBUG = False
# Every error_id the test gets is followed to its own row: storm control would count most of them.
APIERRORS = {
    **APIERRORS,
    "STORM": {"PATH_LIMIT": None, "CODE_LIMIT": None},
    "LOG": {"MODE": "background"},
}
MIDDLEWARE = [*MIDDLEWARE, "tests.servers.WorkerPidMiddleware"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

if os.environ.get("APIERRORS_STOPS_LOG_PORT"):
    DATABASES = {
        **DATABASES,
        "logs": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": "127.0.0.1",
            "PORT": os.environ["APIERRORS_STOPS_LOG_PORT"],
            "NAME": "apierrors_hanging",
            "USER": "postgres",
        },
    }
    # The error log on the "logs" alias, everything else where it was.
    DATABASE_ROUTERS = ["tests.unreachable_site.LogRouter"]
