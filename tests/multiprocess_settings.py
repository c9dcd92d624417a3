"""Settings of the gunicorn workers that tests/test_multiprocess.py starts: the demo, plus a
response header naming the worker's pid, and a cache key prefix of the test's own."""

from __future__ import annotations

import os
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from project.settings import *  # noqa: F403
from project.settings import APIERRORS, MIDDLEWARE

DEBUG = False
# The test follows every error_id it got to its own row: storm control would count most of them.
APIERRORS = {**APIERRORS, "STORM_PATH_LIMIT": None, "STORM_CODE_LIMIT": None}
MIDDLEWARE = [*MIDDLEWARE, "tests.multiprocess_settings.WorkerPidMiddleware"]
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": os.environ["REDIS_URL"],
        "KEY_PREFIX": os.environ["APIERRORS_TEST_CACHE_PREFIX"],
    }
}


class WorkerPidMiddleware:
    """X-Worker-Pid on every response, so the test knows which worker answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["X-Worker-Pid"] = str(os.getpid())
        return response


# Server errors go to the gunicorn log the test shows when it fails.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR"},
        "apierrors": {"handlers": ["console"], "level": "WARNING"},
    },
}
