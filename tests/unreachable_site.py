"""A site whose error log database, or every database, is a server that is not there.

Settings module and runner of the subprocess tests/test_robustness_database.py starts:
``DJANGO_SETTINGS_MODULE=tests.unreachable_site python -m tests.unreachable_site`` with
APIERRORS_UNREACHABLE=log (ErrorLog routed to a PostgreSQL alias on a closed port, the rest
on SQLite) or =all (every alias on that closed port). It serves a few failing requests and
prints, as JSON, what the client got and what reached Python logging.
"""

from __future__ import annotations

import json
import logging
import os

from tests.settings import *  # noqa: F403

MODE = os.environ.get("APIERRORS_UNREACHABLE", "log")
NOWHERE = {
    "ENGINE": "django.db.backends.postgresql",
    "HOST": "127.0.0.1",
    "PORT": os.environ.get("APIERRORS_CLOSED_PORT", "8449"),
    "NAME": "apierrors_nowhere",
    "USER": "postgres",
    "OPTIONS": {"connect_timeout": 3},
}
DATABASES = {
    "default": (
        {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"} if MODE == "log" else NOWHERE
    ),
    "logs": NOWHERE,
}
DATABASE_ROUTERS = ["tests.unreachable_site.LogRouter"]
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


class LogRouter:
    """The error log lives on its own database, as sites that keep logs apart do."""

    def _is_log(self, model: type) -> bool:
        return model._meta.label == "apierrors.ErrorLog"

    def db_for_read(self, model: type, **hints: object) -> str | None:
        return "logs" if self._is_log(model) else None

    def db_for_write(self, model: type, **hints: object) -> str | None:
        return "logs" if self._is_log(model) else None

    def allow_migrate(self, db: str, app_label: str, **hints: object) -> bool | None:
        return False if db == "logs" else None


REQUESTS = [
    ("/api/t/raise/not_found/", {}),
    ("/api/t/plain/crash/", {}),
    ("/api/no/such/endpoint/", {}),
    ("/api/products/nope/", {"HTTP_AUTHORIZATION": "Bearer demo-key-123"}),
    ("/api/t/raise/api_error/", {"HTTP_ACCEPT_LANGUAGE": "fr"}),
]


class Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[dict[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append({"logger": record.name, "message": record.getMessage()})


def main() -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client

    if MODE == "log":
        call_command("migrate", verbosity=0)
    collect = Collect()
    logging.getLogger("apierrors").addHandler(collect)
    client = Client(raise_request_exception=False)
    responses = []
    for path, headers in REQUESTS:
        response = client.get(path, **headers)
        responses.append(
            {
                "path": path,
                "status": response.status_code,
                "content_type": response["Content-Type"],
                "error_id": response.get("X-Error-Id"),
                "request_id": response.get("X-Request-Id"),
                "body": json.loads(response.content),
            }
        )
    print(json.dumps({"responses": responses, "lines": collect.lines}))


if __name__ == "__main__":
    main()
