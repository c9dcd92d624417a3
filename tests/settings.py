"""Settings of the test suite: SQLite in memory unless DATABASE_URL / REDIS_URL name real servers."""

from __future__ import annotations

import os

SECRET_KEY = "tests-only"
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"

INSTALLED_APPS = [
    "modeltranslation",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "apierrors",
    "project.booking",
    "tests.testapp",
]

MIDDLEWARE = [
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "apierrors.middleware.APIErrorsMiddleware",
]

ROOT_URLCONF = "tests.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

if os.environ.get("DATABASE_URL"):
    import dj_database_url

    DATABASES = {"default": dj_database_url.parse(os.environ["DATABASE_URL"])}
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}

if os.environ.get("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["REDIS_URL"],
            "KEY_PREFIX": f"apierrors-tests-{os.getpid()}",
        }
    }

LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("fr", "French"), ("de", "German"), ("es", "Spanish")]
USE_I18N = True
STATIC_URL = "static/"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "EXCEPTION_HANDLER": "apierrors.handler.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "apierrors.reference.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": ["project.booking.auth.APIKeyAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": None,
}

APIERRORS = {
    "FORMAT": "problem",
    "FORMAT_BY_PATH": {
        "/api/catalog-style/": "catalog",
        "/api/fmt/octo/": "octo",
        "/api/fmt/stripe/": "stripe",
        "/api/fmt/catalog/": "catalog",
        "/api/fmt/violations/": "violations",
        "/api/fmt/standardized/": "standardized",
    },
    "API_PREFIXES": ["/api/"],
    "EXCEPTION_CODES": {"tests.testapp.exceptions.UpstreamTimeout": "gateway_timeout"},
    # "auto" is "sync" in test runs already; the sites of tests/sites/ run outside one.
    "LOG": {"MODE": "sync"},
}

DEMO_API_KEY = "demo-key-123"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# The demo's OpenAPI settings (its schema, Swagger UI and Redoc are tested too).
from project.settings import SPECTACULAR_SETTINGS  # noqa: E402, F401
