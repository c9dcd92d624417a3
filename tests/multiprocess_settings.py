"""Settings of the gunicorn workers that tests/test_multiprocess.py starts: the demo, plus a
response header naming the worker's pid, and a cache key prefix of the test's own."""

from __future__ import annotations

import os

from project.settings import *  # noqa: F403
from project.settings import APIERRORS, MIDDLEWARE
from tests.servers import LOGGING  # noqa: F401

DEBUG = False
# The test follows every error_id it got to its own row: storm control would count most of them.
APIERRORS = {**APIERRORS, "STORM": {"PATH_LIMIT": None, "CODE_LIMIT": None}}
MIDDLEWARE = [*MIDDLEWARE, "tests.servers.WorkerPidMiddleware"]
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": os.environ["APIERRORS_TEST_CACHE_PREFIX"],
    }
}
