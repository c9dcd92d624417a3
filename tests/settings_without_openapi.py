"""The test settings without drf-spectacular: the app must work unchanged without the extra."""

from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, REST_FRAMEWORK

INSTALLED_APPS = [app for app in INSTALLED_APPS if not app.startswith("drf_spectacular")]
REST_FRAMEWORK = {k: v for k, v in REST_FRAMEWORK.items() if k != "DEFAULT_SCHEMA_CLASS"}
ROOT_URLCONF = "tests.no_openapi_urls"
