"""Request ids; errors of non-DRF views under API paths; log rows written after the view."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import translation

from apierrors.conf import apierrors_settings
from apierrors.http import language, log_context
from apierrors.http.pipeline import handle
from apierrors.http.request_id import REQUEST_ID_ATTR, request_id_of
from apierrors.log import record as log

LOCALE_MIDDLEWARE = "django.middleware.locale.LocaleMiddleware"


def is_api_path(path: str) -> bool:
    return path.startswith(tuple(apierrors_settings.API_PREFIXES))


def locale_middleware_outside(middleware: type) -> bool:
    """Whether Django's LocaleMiddleware wraps ``middleware`` in settings.MIDDLEWARE: it then
    sets Content-Language (the active language) and Vary: Accept-Language on every response."""
    path = f"{middleware.__module__}.{middleware.__qualname__}"
    names = [str(name) for name in settings.MIDDLEWARE]
    return path in names and LOCALE_MIDDLEWARE in names[: names.index(path)]


class APIErrorsMiddleware:
    """Place it after the authentication middleware.

    Rows are written here, after the view returned, because ATOMIC_REQUESTS wraps the view
    alone: the view's transaction has been committed or rolled back by now, and the row
    does not share its fate.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.locale_outside = locale_middleware_outside(type(self))

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_of(request)
        setattr(request, REQUEST_ID_ATTR, request_id)
        log_context.begin(request_id)
        pending: list[Callable[[], None]] = []
        setattr(request, log.PENDING_ATTR, pending)
        try:
            response = self.get_response_in_language(request)
            if (
                response.status_code == 404
                and request.resolver_match is None
                and not hasattr(response, "apierrors_error_id")
                and is_api_path(request.path_info)
            ):
                # No URL matched: Django answered with its HTML page before any view ran.
                response = handle(Http404(), request)
            response.headers.setdefault(apierrors_settings.REQUEST_ID_HEADER, request_id)
        finally:
            # Detach first: a step run now records at once instead of looping back here.
            delattr(request, log.PENDING_ATTR)
            if pending:
                log.run_pending(pending)
        return response

    def get_response_in_language(self, request: HttpRequest) -> HttpResponse:
        """Under API paths, the view runs in the request's negotiated language.

        DRF and Django validators translate their messages when they raise, inside the view:
        without this, field errors would come in LANGUAGE_CODE whatever the client asked for
        (with LocaleMiddleware, in Django's reading of Accept-Language, which takes q=0 for a
        yes). Other paths are left to the site.
        """
        if not is_api_path(request.path_info):
            return self.get_response(request)
        negotiated = language.negotiate(request)
        # While the view runs, the handler reads the language from here (language.active_for).
        setattr(request, language.ACTIVE_ATTR, negotiated)
        try:
            if translation.get_language() == negotiated:
                # Already active (LANGUAGE_CODE, or LocaleMiddleware agreed): nothing to switch.
                response = self.get_response(request)
                if self.locale_outside:
                    # LocaleMiddleware sets the same two headers on the way out.
                    return response
            else:
                with translation.override(negotiated):
                    if hasattr(request, "LANGUAGE_CODE"):
                        request.LANGUAGE_CODE = negotiated
                    response = self.get_response(request)
        finally:
            delattr(request, language.ACTIVE_ATTR)
        response.headers.setdefault("Content-Language", negotiated)
        language.vary_on_language(response)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not is_api_path(request.path_info):
            return None
        return handle(exception, request)
