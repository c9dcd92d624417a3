"""The error pipeline: resolve, language, lookup, compose, render, report, record; never raises."""

from __future__ import annotations

import functools
import json
import logging
import re
import traceback
from functools import partial
from http.client import responses
from typing import Any, Final

from django.core.signals import got_request_exception
from django.http import HttpRequest, HttpResponse
from django.utils.log import log_response
from rest_framework.views import set_rollback

from apierrors import i18n
from apierrors.catalog import drafts
from apierrors.catalog.store import catalog
from apierrors.conf import DEFAULTS, apierrors_settings, clear_on_change
from apierrors.core import ids
from apierrors.core.entry import LAST_RESORT, Entry
from apierrors.core.error import client_error
from apierrors.core.placeholders import fill
from apierrors.core.resolve import Problem, Resolver, resolve, resolvers_with
from apierrors.formats import ClientError, Formatter, formatter_for, get_formatter
from apierrors.formats.base import body_text
from apierrors.http import doc_url, language, log_context
from apierrors.http.request_id import request_id_from_client, request_id_of
from apierrors.integrations import sentry
from apierrors.log import record as log
from apierrors.log.redaction import redact_text, safe_str

logger = logging.getLogger("apierrors")

# Longest code echoed or stored (the ErrorLog column); codes the catalog could hold as drafts.
MAX_CODE_LENGTH: Final = 100
_DRAFTABLE: Final = re.compile(r"[a-z0-9][a-z0-9_-]{0,99}")


@functools.cache
def exception_map() -> dict[type[BaseException], Resolver]:
    """The built-in resolvers with the site's EXCEPTION_CODES on top, read once per settings."""
    return resolvers_with(apierrors_settings.EXCEPTION_CODES)


clear_on_change(exception_map.cache_clear)


class ErrorHandler:
    """Turns one exception into one response: run() calls the steps in turn, and a subclass
    may override any of them."""

    def __init__(
        self, exc: BaseException, request: Any, view: Any = None, *, in_view: bool = False
    ) -> None:
        self.exc = exc
        self.request = request
        self.view = view
        # DRF's handler runs inside the view, in its ATOMIC_REQUESTS transaction if any; the
        # middleware's once the view returned.
        self.in_view = in_view
        self.django_request: HttpRequest | None = log.django_request_of(request)
        self.error_id = ids.new_error_id()
        self.sentry_event_id = ""
        log_context.bind_error_id(self.error_id)

    def run(self) -> HttpResponse:
        formatter = self.formatter()
        problem = formatter.adapt(self.resolve())
        entry = self.lookup(problem, self.language())
        error = self.compose(problem, entry)
        body = formatter.body(error)
        response = self.render(formatter, problem, error, body)
        # The response is decided: a failure reporting or recording it must not replace it.
        self.contained("report", self.report, error, response)
        self.contained("rollback", self.rollback)
        self.after_view("record", self.record, problem, entry, error, body)
        return response

    def contained(self, step: str, function: Any, *args: Any) -> None:
        """Run a step after the response is built; a failure is logged with the error_id."""
        try:
            function(*args)
        except Exception:
            logger.exception(
                "apierrors error_id=%s: the %s step failed; the response was sent",
                self.error_id,
                step,
                extra={"error_id": self.error_id},
            )

    def after_view(self, step: str, function: Any, *args: Any) -> None:
        """Run a step once the view returned, outside its transaction (log.after_response)."""
        log.after_response(self.request, partial(self.contained, step, function, *args))

    # Steps -------------------------------------------------------------------------------

    def resolve(self) -> Problem:
        problem = resolve(
            self.exc,
            exception_map(),
            camel_case_paths=apierrors_settings.CAMELCASE_FIELD_PATHS,
            max_param_length=apierrors_settings.MAX_PARAM_LENGTH,
        )
        # The code is echoed and stored: whatever a raiser passed, it is a short string.
        problem.code = safe_str(problem.code).strip()[:MAX_CODE_LENGTH] or "server_error"
        return problem

    def language(self) -> str:
        return language.active_for(self.django_request) or language.negotiate(self.django_request)

    def catalog_entry(self, problem: Problem, lang: str) -> Entry | None:
        """The catalog's active entry for the problem's code; None when it has none."""
        return catalog.lookup(problem.code, lang)

    def lookup(self, problem: Problem, lang: str) -> Entry:
        entry = self.catalog_entry(problem, lang)
        if entry is None:
            return catalog.generic(problem.code, problem.status_code or 500, lang)
        return entry

    def formatter(self) -> Formatter:
        """The URL's or the view's own format, else the one of the path."""
        path = getattr(self.django_request, "path", "") or ""
        match = getattr(self.django_request, "resolver_match", None)
        return formatter_for(path, self.view, getattr(match, "func", None))

    def request_id(self) -> str:
        if self.django_request is None:
            return ids.new_request_id()
        return request_id_of(self.django_request)

    def compose(self, problem: Problem, entry: Entry) -> ClientError:
        """Decide what the client may see: exception text and params only for public entries."""
        status_code = problem.status_code or entry.status_code
        shown = entry.is_public and entry.is_known
        if problem.detail and shown:
            message = problem.detail
        else:
            message = fill(entry.message, problem.params)
        # DRF's default texts are lazy: they follow the response language.
        drf_detail = (
            i18n.translated(problem.drf_detail, entry.language)
            if shown and problem.drf_detail is not None
            else ""
        )
        return ClientError(
            code=entry.code if entry.is_known else problem.code.lower(),
            status_code=status_code,
            category=entry.category,
            title=fill(entry.title, problem.params),
            message=message,
            action=fill(entry.action, problem.params),
            is_public=entry.is_public,
            is_retryable=entry.is_retryable,
            doc_url=doc_url.doc_url_for(entry, self.request),
            error_id=self.error_id,
            request_id=self.request_id(),
            language=entry.language,
            instance=getattr(self.django_request, "path", "") or "",
            params=problem.params if shown else {},
            field_errors=tuple(problem.field_errors),
            drf_code=(problem.drf_code or "") if shown else "",
            drf_detail=drf_detail,
        )

    def render(
        self, formatter: Formatter, problem: Problem, error: ClientError, body: dict[str, Any]
    ) -> HttpResponse:
        headers = id_headers(error.error_id, error.request_id, error.language)
        if error.is_retryable and error.status_code == 503:
            headers["Retry-After"] = str(apierrors_settings.RETRY_AFTER)
        headers.update(problem.headers)
        headers.update(formatter.headers(error))
        # Bytes, not text: HttpResponse would find the charset in the Content-Type to encode.
        return answer(
            body_text(body).encode(),
            formatter.status_code(error),
            formatter.media_type,
            headers,
            error.error_id,
        )

    def report(self, error: ClientError, response: HttpResponse) -> None:
        """Server errors behave as Django's: the signal Sentry listens to, and django.request.

        The error's own status decides, not the wire's: OCTO answers a crash with a 400.
        """
        if error.status_code < 500 or self.django_request is None:
            return
        self.sentry_event_id = sentry.capture(
            self.exc, error_id=self.error_id, request_id=error.request_id
        )
        got_request_exception.send(sender=None, request=self.django_request)
        log_response(
            "%s: %s",
            responses.get(error.status_code, "Server Error"),
            self.django_request.path,
            response=response,
            request=self.django_request,
            level="error",
            exception=self.exc,
        )

    def rollback(self) -> None:
        """Inside the view, its ATOMIC_REQUESTS transaction is marked for rollback, as DRF's own
        handler marks it: once the catalog was read, before a record may be written."""
        if self.in_view:
            set_rollback()

    def record(
        self, problem: Problem, entry: Entry, error: ClientError, body: dict[str, Any]
    ) -> None:
        """The error's row, once the view returned: storm control decides whether it is full or
        light, and only that one is built."""
        if not apierrors_settings.LOG["ENABLED"]:
            return
        first = log.head(
            error,
            problem,
            self.request,
            request_id_from_client=request_id_from_client(self.django_request, error.request_id),
        )

        def build() -> log.Record:
            item = log.build_record(problem, error, body, self.request, first)
            item["create_draft"] = (
                not entry.is_known
                and _DRAFTABLE.fullmatch(item["code"]) is not None
                and not catalog.exists(problem.code)
                and drafts.gate.allow(item["code"])
            )
            item["sentry_event_id"] = self.sentry_event_id
            return item

        log.record(first, build)


def handle(
    exc: BaseException, request: Any, view: Any = None, *, in_view: bool = False
) -> HttpResponse:
    """Answer ``exc``: the pipeline, or the last resort if it fails, which needs nothing."""
    handler = ErrorHandler(exc, request, view, in_view=in_view)
    try:
        return handler.run()
    except Exception as failure:
        return last_resort(handler, failure)


def id_headers(
    error_id: str, request_id: str, language: str, request_id_header: str = ""
) -> dict[str, str]:
    """The headers every error response carries, whatever the format; the request id's under
    REQUEST_ID_HEADER."""
    return {
        "X-Error-Id": error_id,
        request_id_header or apierrors_settings.REQUEST_ID_HEADER: request_id,
        "Content-Language": language,
    }


def answer(
    content: bytes, status: int, content_type: str, headers: dict[str, str], error_id: str
) -> HttpResponse:
    """The error's response: ``headers`` and Vary: Accept-Language."""
    response = HttpResponse(content, status=status, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    language.vary_on_language(response)
    response.apierrors_error_id = error_id  # type: ignore[attr-defined]
    return response


def last_resort(handler: ErrorHandler, failure: BaseException) -> HttpResponse:
    """A 500 in the site's format with an error_id, built without database, cache or catalog.

    Every step is guarded: a format that fails falls back to problem+json, and a body that
    cannot be encoded to a fixed one. The failure goes to the ``apierrors`` logger with the
    error_id, texts redacted; a minimal record is still offered to the log.
    """
    error_id = handler.error_id
    request_id = _last_resort_request_id(handler.django_request)
    error = _last_resort_error(handler, request_id)
    content: str | None = None
    content_type = "application/problem+json"
    status = LAST_RESORT.status_code
    for formatter_of in (handler.formatter, lambda: get_formatter("problem")):
        try:
            formatter = formatter_of()
            content = json.dumps(formatter.body(error), ensure_ascii=False)
            content_type = formatter.media_type
            status = formatter.status_code(error)
            break
        except Exception:
            continue
    if content is None:
        content = json.dumps(
            {"title": error.title, "status": 500, "code": error.code, "error_id": error_id}
        )
    try:
        headers = id_headers(error_id, request_id, LAST_RESORT.language)
        response = answer(content.encode(), status, content_type, headers, error_id)
    except Exception:  # REQUEST_ID_HEADER may be what failed: not a header name, not readable
        headers = id_headers(
            error_id, request_id, LAST_RESORT.language, DEFAULTS["REQUEST_ID_HEADER"]
        )
        response = answer(content.encode(), status, content_type, headers, error_id)
    try:
        logger.error(
            "apierrors error_id=%s answered by the last resort; original %s; the handler "
            "failed with:\n%s",
            error_id,
            redact_text(f"{type(handler.exc).__name__}: {safe_str(handler.exc)}"),
            redact_text(_format(failure), apierrors_settings.LOG["MAX_TRACEBACK"], keep="tail"),
            extra={"error_id": error_id},
        )
    except Exception:
        logger.error("apierrors error_id=%s answered by the last resort", error_id)
    handler.contained("rollback", handler.rollback)
    try:
        _last_resort_record(handler, failure, request_id)
    except Exception:
        logger.error("apierrors error_id=%s: the last resort could not offer a record", error_id)
    return response


def _last_resort_error(handler: ErrorHandler, request_id: str) -> ClientError:
    try:
        instance = str(getattr(handler.django_request, "path", "") or "")
    except Exception:
        instance = ""
    return client_error(
        LAST_RESORT, error_id=handler.error_id, request_id=request_id, instance=instance
    )


def _last_resort_request_id(django_request: Any) -> str:
    try:
        return request_id_of(django_request)
    except Exception:
        return ids.new_request_id()


def _last_resort_record(handler: ErrorHandler, failure: BaseException, request_id: str) -> None:
    """What the log still learns when the pipeline failed: the original error and the failure."""
    if not apierrors_settings.LOG["ENABLED"]:
        return
    problem = Problem(code=LAST_RESORT.code, exc=handler.exc)
    error = _last_resort_error(handler, request_id)
    item = log.build_record(problem, error, {"error_id": handler.error_id}, handler.request)
    item["traceback"] = redact_text(
        item["traceback"] + "\nThe error handler then failed:\n" + _format(failure),
        apierrors_settings.LOG["MAX_TRACEBACK"],
        keep="tail",
    )
    handler.after_view("record", log.save, [item])


def _format(exc: BaseException) -> str:
    try:
        return "".join(traceback.format_exception(exc))
    except Exception:
        return f"{type(exc).__name__}: {safe_str(exc)}"
