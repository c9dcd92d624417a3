"""A site's own language choice, as a middleware reading a user's profile would make it."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation


class ProfileLanguageMiddleware:
    """Every request in the language of the (pretend) user's profile: German."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with translation.override("de"):
            request.LANGUAGE_CODE = "de"
            return self.get_response(request)
