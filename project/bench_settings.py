"""Settings of the benchmark only: the demo, its error handler chosen by APIERRORS_BENCH_HANDLER.

drf              DRF's default exception handler, no django-apierrors middleware
standardized     drf-standardized-errors' handler, no django-apierrors middleware
apierrors        django-apierrors, every error logged by the background writer (the default)
apierrors-sync   django-apierrors, every error logged before the response leaves
apierrors-nolog  django-apierrors with LOG["ENABLED"] off
"""

from __future__ import annotations

import os

from django.core.exceptions import ImproperlyConfigured

from project.settings import *  # noqa: F403
from project.settings import APIERRORS, INSTALLED_APPS, MIDDLEWARE, REST_FRAMEWORK

BENCH_HANDLER = os.environ.get("APIERRORS_BENCH_HANDLER", "apierrors")

DEBUG = False
ROOT_URLCONF = "project.bench_urls"

_MIDDLEWARE_WITHOUT_APIERRORS = [m for m in MIDDLEWARE if not m.startswith("apierrors.")]

if BENCH_HANDLER == "drf":
    MIDDLEWARE = _MIDDLEWARE_WITHOUT_APIERRORS
    REST_FRAMEWORK = {
        **REST_FRAMEWORK,
        "EXCEPTION_HANDLER": "rest_framework.views.exception_handler",
    }
elif BENCH_HANDLER == "standardized":
    INSTALLED_APPS = [*INSTALLED_APPS, "drf_standardized_errors"]
    MIDDLEWARE = _MIDDLEWARE_WITHOUT_APIERRORS
    REST_FRAMEWORK = {
        **REST_FRAMEWORK,
        "EXCEPTION_HANDLER": "drf_standardized_errors.handler.exception_handler",
    }
elif BENCH_HANDLER == "apierrors":
    APIERRORS = {**APIERRORS, "LOG": {"MODE": "background"}}
elif BENCH_HANDLER == "apierrors-sync":
    APIERRORS = {**APIERRORS, "LOG": {"MODE": "sync"}}
elif BENCH_HANDLER == "apierrors-nolog":
    APIERRORS = {**APIERRORS, "LOG": {"ENABLED": False}}
else:
    raise ImproperlyConfigured(f"Unknown APIERRORS_BENCH_HANDLER {BENCH_HANDLER!r}")
