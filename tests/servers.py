"""What the settings of the real servers tests start share: a response header naming the
process that answered, and server errors on the server's own output."""

from __future__ import annotations

import os
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse


class WorkerPidMiddleware:
    """X-Worker-Pid on every response, so the test knows which worker answered."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["X-Worker-Pid"] = str(os.getpid())
        return response


# Server errors go to the server's log, which a failing test shows.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "django.request": {"handlers": ["console"], "level": "ERROR"},
        "apierrors": {"handlers": ["console"], "level": "WARNING"},
    },
}
