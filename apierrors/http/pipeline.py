"""The error pipeline: resolve, look up, compose, render, report, record. It never raises."""

from __future__ import annotations

import functools
import json
import logging
import re
import sys
import traceback
from collections.abc import Callable
from functools import partial
from http.client import responses
from typing import Any, Final

from django.core.signals import got_request_exception, setting_changed
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.http.response import ResponseHeaders
from django.utils.cache import patch_vary_headers
from django.utils.log import log_response

from apierrors import i18n
from apierrors.catalog import drafts
from apierrors.catalog.store import catalog
from apierrors.conf import DEFAULTS, apierrors_settings
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


@receiver(setting_changed)
def _forget(*, setting: str, **kwargs: Any) -> None:
    if setting == "APIERRORS":
        exception_map.cache_clear()


class ErrorHandler:
    """Turns one exception into one response. Each step may be overridden in a subclass."""

    def __init__(self, exc: BaseException, request: Any, view: Any = None) -> None:
        self.exc = exc
        self.request = request
        self.view = view
        self.django_request: HttpRequest | None = getattr(request, "_request", request)
        self.error_id = ids.new_error_id()
        self.sentry_event_id = ""
        # The response render() answers into; a new HttpResponse when None (ErrorResponse's).
        self.response: HttpResponse | None = None
        # Marks the view's transaction for rollback before the record step, when the answer is
        # built inside it (exception_handler, ErrorResponse.decide); record() calls it.
        self.rollback: Callable[[], None] | None = None
        self.rolled_back = False
        log_context.bind_error_id(self.error_id)

    def run(self) -> HttpResponse:
        formatter = self.formatter()
        problem = formatter.adapt(self.resolve())
        lang = self.language()
        entry = self.lookup(problem, lang)
        error = self.compose(problem, entry)
        body = formatter.body(error)
        response = self.render(formatter, problem, error, body)
        # The response is decided: a failure reporting or recording it must not replace it.
        self.contained("report", self.report, error, response)
        self.contained("record", self.record, problem, entry, error, body)
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
            self.response,
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
        # Receivers read sys.exc_info(), as in the except block Django sends it from; the
        # answer may be decided after the view's except block has ended (ErrorResponse).
        while_handling(
            self.exc, partial(got_request_exception.send, sender=None, request=self.django_request)
        )
        log_response(
            "%s: %s",
            responses.get(error.status_code, "Server Error"),
            self.django_request.path,
            response=response,
            request=self.django_request,
            level="error",
            exception=self.exc,
        )

    def record(
        self, problem: Problem, entry: Entry, error: ClientError, body: dict[str, Any]
    ) -> None:
        if self.rollback is not None:
            # From here on the view's transaction is doomed, so a record written at once in it
            # (no middleware to defer it) is not silently rolled back with the view: it goes to
            # Python logging instead. Nothing after this point queries that connection.
            self.rollback()
            self.rolled_back = True
        if not apierrors_settings.LOG_ENABLED:
            return
        # The rest waits until the view returned, outside its transaction (log.after_response).
        log.after_response(
            self.request, partial(self.contained, "record", self.keep, problem, entry, error, body)
        )

    def keep(
        self, problem: Problem, entry: Entry, error: ClientError, body: dict[str, Any]
    ) -> None:
        """The record step's own work: storm control decides whether the error's row is full or
        light, and only that record is built."""
        django_request = getattr(self.request, "_request", self.request)
        first = log.head(
            error,
            problem,
            self.request,
            request_id_from_client=request_id_from_client(django_request, error.request_id),
        )

        def build() -> dict[str, Any]:
            item = log.build_record(problem, error, body, self.request, first)
            item["create_draft"] = (
                not entry.is_known
                and _DRAFTABLE.fullmatch(item["code"]) is not None
                and not catalog.exists(problem.code)
                and drafts.gate.allow(item["code"])
            )
            item["sentry_event_id"] = self.sentry_event_id
            return item

        log.keep(first, build, partial(log.light_record, first, error, self.request))


def handle(exc: BaseException, request: Any, view: Any = None) -> HttpResponse:
    """Answer ``exc`` now (the middleware's path, after the view)."""
    return run(ErrorHandler(exc, request, view))


def run(handler: ErrorHandler) -> HttpResponse:
    """Run the pipeline; if it fails, answer from the last resort, which needs nothing."""
    try:
        response = handler.run()
    except Exception as failure:
        response = last_resort(handler, failure)
    if handler.rollback is not None and not handler.rolled_back:
        # The record step did not get to it: the view's transaction is rolled back all the same.
        handler.rollback()
    return response


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
    response: HttpResponse | None,
    content: bytes,
    status: int,
    content_type: str,
    headers: dict[str, str],
    error_id: str,
) -> HttpResponse:
    """``response`` (a new HttpResponse when None) made the answer: every header an error
    response carries, whatever the format, and Vary: Accept-Language."""
    if response is None:
        response = HttpResponse(content, status=status, content_type=content_type)
    else:
        HttpResponse.__init__(response, content, status=status, content_type=content_type)
    for name, value in headers.items():
        response[name] = value
    language.vary_on_language(response)
    response.apierrors_error_id = error_id  # type: ignore[attr-defined]
    return response


class ErrorResponse(HttpResponse):
    """The answer of DRF's exception handler, decided once the view returned.

    DRF's handler returns it at once, the view's transaction marked for rollback, as DRF's own
    returns a ``Response``; Django renders it after the view returned and its ATOMIC_REQUESTS
    transaction ended, and ``render()`` runs the pipeline then. Under SQLite, whose transaction
    holds the database's write lock, the answer is thus not built while the lock is held.

    Whoever reads it first decides it at that moment: its status, its content, any header but
    ``Vary``, its cookies (a decorator around the view, a test calling the view directly, a
    site's own exception handler around ours). Headers written before (DRF's ``Allow`` and
    ``Vary: Accept``, a decorator's) are kept over the pipeline's, and ``Vary`` values merged, as
    if written after it, as they were when the handler answered at once. A response no one read
    is decided by the middleware after the view (log.run_pending), so that its error is logged
    all the same.

    Until then it holds no more than its headers: ``HttpResponse.__init__`` runs once, when it is
    decided, and what it would have set is looked up through ``__getattr__``, which decides.
    """

    # Until it is decided: the handler, and the connections it marked for rollback.
    _handler: ErrorHandler | None = None
    _marked: list[Any] = []
    _status = 500

    def __init__(self, handler: ErrorHandler, marked: list[Any]) -> None:
        # Not HttpResponse's own __init__: decide() runs it with the answer.
        self.headers = PendingHeaders(self)
        self.apierrors_error_id = handler.error_id
        self._marked = marked
        self._handler = handler
        log.after_view(handler.request, self.decide)

    def __getattr__(self, name: str) -> Any:
        """An attribute HttpResponse.__init__ sets (cookies, the content, the charset), read
        before the answer was decided: decide it, then read it."""
        if self._handler is None or name.startswith("__"):
            raise AttributeError(name)
        self.decide()
        return getattr(self, name)

    @property
    def is_decided(self) -> bool:
        return self._handler is None

    def decide(self) -> None:
        handler = self._handler
        if handler is None:
            return
        self._handler = None
        written = self.headers
        if isinstance(written, PendingHeaders):
            written.response = None
        # Decided inside the view: its transaction, marked for rollback when the view raised,
        # is unmarked while the catalog may be read, and marked again before the record step.
        doomed = [db for db in self._marked if db.in_atomic_block and db.get_rollback()]
        if doomed:
            for db in doomed:
                db.set_rollback(False)
            handler.rollback = partial(mark_rollback, doomed)
        handler.response = self
        try:
            run(handler)
        finally:
            handler.response = None
        for name, value in written.items():
            if name.lower() == "vary" and self.has_header("Vary"):
                patch_vary_headers(self, [part.strip() for part in value.split(",")])
            else:
                self[name] = value

    def render(self) -> ErrorResponse:
        """Django's call once the view returned."""
        if self._handler is not None:
            self.decide()
        return self

    @property
    def status_code(self) -> int:
        if self._handler is not None:
            self.decide()
        return self._status

    @status_code.setter
    def status_code(self, value: int) -> None:
        if self._handler is not None:
            self.decide()
        self._status = value

    @property
    def content(self) -> bytes:
        return HttpResponse.content.fget(self)  # type: ignore[attr-defined,no-any-return]

    @content.setter
    def content(self, value: Any) -> None:
        if self._handler is not None:
            self.decide()
        HttpResponse.content.fset(self, value)  # type: ignore[attr-defined]


class PendingHeaders(ResponseHeaders):
    """A pending answer's headers: written as any; read (but Vary), they decide it first, and
    the answer is read from the decided response's headers. Once it is decided (``response``
    None), what was written before."""

    def __init__(self, response: ErrorResponse) -> None:
        super().__init__({})
        self.response: ErrorResponse | None = response

    def _answer(self) -> ResponseHeaders | None:
        """The decided answer's headers, deciding it now; None once it is decided, when this
        holds only what was written before."""
        response = self.response
        if response is None:
            return None
        response.decide()
        return response.headers

    def __getitem__(self, key: str) -> str:
        headers = None if key.lower() == "vary" else self._answer()
        return ResponseHeaders.__getitem__(self, key) if headers is None else headers[key]

    def __iter__(self) -> Any:
        headers = self._answer()
        return ResponseHeaders.__iter__(self) if headers is None else iter(headers)

    def __len__(self) -> int:
        headers = self._answer()
        return ResponseHeaders.__len__(self) if headers is None else len(headers)

    def pop(self, key: str, default: Any = None) -> Any:
        headers = self._answer()
        if headers is None:
            return ResponseHeaders.pop(self, key, default)
        return headers.pop(key, default)


def while_handling(exc: BaseException, function: Callable[[], Any]) -> Any:
    """``function()`` with ``exc`` as the exception being handled (sys.exc_info()); ``exc``'s
    traceback and context are left as they were."""
    if sys.exc_info()[1] is exc:
        return function()
    traceback, context = exc.__traceback__, exc.__context__
    try:
        raise exc
    except BaseException:
        return function()
    finally:
        exc.__traceback__, exc.__context__ = traceback, context


def mark_rollback(databases: list[Any]) -> None:
    for db in databases:
        if db.in_atomic_block:
            db.set_rollback(True)


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
        response = answer(
            handler.response, content.encode(), status, content_type, headers, error_id
        )
    except Exception:  # REQUEST_ID_HEADER may be what failed: not a header name, not readable
        headers = id_headers(
            error_id, request_id, LAST_RESORT.language, DEFAULTS["REQUEST_ID_HEADER"]
        )
        response = answer(
            handler.response, content.encode(), status, content_type, headers, error_id
        )
    try:
        logger.error(
            "apierrors error_id=%s answered by the last resort; original %s; the handler "
            "failed with:\n%s",
            error_id,
            redact_text(f"{type(handler.exc).__name__}: {safe_str(handler.exc)}"),
            redact_text(_format(failure), apierrors_settings.LOG_MAX_TRACEBACK, keep="tail"),
            extra={"error_id": error_id},
        )
    except Exception:
        logger.error("apierrors error_id=%s answered by the last resort", error_id)
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
    problem = Problem(code=LAST_RESORT.code, exc=handler.exc)
    error = _last_resort_error(handler, request_id)
    item = log.build_record(problem, error, {"error_id": handler.error_id}, handler.request)
    item["traceback"] = redact_text(
        item["traceback"] + "\nThe error handler then failed:\n" + _format(failure),
        apierrors_settings.LOG_MAX_TRACEBACK,
        keep="tail",
    )
    log.record(item, handler.request)


def _format(exc: BaseException) -> str:
    try:
        return "".join(traceback.format_exception(exc))
    except Exception:
        return f"{type(exc).__name__}: {safe_str(exc)}"
