"""What a client would receive for a catalog entry, in each format and language: nothing sent."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from apierrors.catalog.store import _entry_from_row, catalog
from apierrors.conf import apierrors_settings
from apierrors.core.entry import Entry
from apierrors.core.exceptions import APIError
from apierrors.core.placeholders import placeholder_names
from apierrors.core.resolve import Problem
from apierrors.formats import FORMATS, ClientError, Formatter, get_formatter
from apierrors.http.pipeline import ErrorHandler
from apierrors.models import TRANSLATED_FIELDS, ErrorCode, normalize_code

# Request headers copied from the admin's request, so a step that builds URLs sees a real host.
_HOST_META = ("HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "wsgi.url_scheme", "HTTPS")


@dataclass(frozen=True)
class PreviewResponse:
    """One response as the client would receive it: status line, headers, body."""

    language: str
    language_name: str
    status_code: int = 0
    status_line: str = ""
    headers: tuple[tuple[str, str], ...] = ()
    body: str = ""
    # Set when the format failed to answer: what the handler's last resort would then cover.
    failure: str = ""


@dataclass(frozen=True)
class FormatPreview:
    """One wire format's responses, one per language."""

    name: str
    media_type: str
    # Where the site answers in this format: "FORMAT" and/or FORMAT_BY_PATH prefixes.
    used_for: tuple[str, ...]
    responses: list[PreviewResponse]

    @property
    def is_site_default(self) -> bool:
        return "FORMAT" in self.used_for


class PreviewHandler(ErrorHandler):
    """The error handler's own steps, answering from an unsaved entry and recording nothing."""

    def __init__(
        self,
        exc: BaseException,
        request: HttpRequest,
        *,
        row: dict[str, Any],
        language: str,
        formatter: Formatter,
    ) -> None:
        super().__init__(exc, request)
        self.row = row
        self.preview_language = language
        self.preview_formatter = formatter

    def language(self) -> str:
        return self.preview_language

    def catalog_entry(self, problem: Problem, lang: str) -> Entry | None:
        # As the catalog does: an inactive entry answers the generic text of its status.
        if self.row["is_active"]:
            return _entry_from_row(self.row, lang)
        return catalog.generic(problem.code, self.row["status_code"], lang)

    def formatter(self) -> Formatter:
        return self.preview_formatter

    def report(self, error: ClientError, response: Any) -> None:
        """A preview is not an error: no signal, no django.request log line."""

    def record(self, problem: Problem, entry: Entry, error: Any, body: dict[str, Any]) -> None:
        """A preview is not an error: no log row, no draft."""


def entry_row(instance: ErrorCode) -> dict[str, Any]:
    """An ErrorCode (saved or only validated by a form) as the catalog loads its rows."""
    row = {field.attname: field.value_from_object(instance) for field in ErrorCode._meta.fields}
    row["code"] = normalize_code(row["code"] or "")
    return row


def sample_params(row: dict[str, Any]) -> dict[str, Any]:
    """A value for every placeholder the entry's texts use, in any language: ``<name>``."""
    names: list[str] = []
    for key, value in row.items():
        if key.split("_", 1)[0] in TRANSLATED_FIELDS and isinstance(value, str):
            names.extend(name for name in placeholder_names(value) if name not in names)
    return {name: f"<{name}>" for name in names}


def site_formats() -> list[tuple[str, tuple[str, ...]]]:
    """Every format to preview with where the site uses it: the site's own first, then the
    registry's, then nothing else. Dotted paths configured in settings are included."""
    used: dict[str, list[str]] = {apierrors_settings.FORMAT: ["FORMAT"]}
    for prefix, name in sorted(apierrors_settings.FORMAT_BY_PATH.items()):
        used.setdefault(name, []).append(prefix)
    names = list(used) + [name for name in FORMATS if name not in used]
    return [(name, tuple(used.get(name, ()))) for name in names]


def _failure(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _respond(
    row: dict[str, Any],
    params: dict[str, Any],
    request: HttpRequest,
    language: str,
    language_name: str,
    formatter: Formatter,
) -> PreviewResponse:
    """The handler's answer to ``request`` in ``language``; its failure when it raised."""
    try:
        response = PreviewHandler(
            APIError(row["code"], **params),
            request,
            row=row,
            language=language,
            formatter=formatter,
        ).run()
        content = response.content.decode(response.charset or "utf-8")
    except Exception as exc:
        return PreviewResponse(language, language_name, failure=_failure(exc))
    try:
        body = json.dumps(json.loads(content), indent=2, ensure_ascii=False)
    except ValueError:
        body = content
    status_line = f"HTTP/1.1 {response.status_code} {response.reason_phrase}"
    return PreviewResponse(
        language, language_name, response.status_code, status_line, tuple(response.items()), body
    )


def preview(
    row: dict[str, Any],
    *,
    languages: Iterable[str] | None = None,
    request: HttpRequest | None = None,
) -> list[FormatPreview]:
    """The responses a client would receive for ``APIError(code, **sample params)``.

    Built by the error handler itself (resolve, compose, format, render) with the entry ``row``
    standing in for the catalog's, for every format of the registry and every language asked
    (default: the site's LANGUAGES). ``request`` lends its host to the sample requests.
    """
    names = {code: str(name) for code, name in settings.LANGUAGES}
    wanted = list(languages) if languages is not None else list(names)
    params = sample_params(row)
    prefix = (apierrors_settings.API_PREFIXES or ["/"])[0]
    previews: list[FormatPreview] = []
    for name, used_for in site_formats():
        try:
            formatter = get_formatter(name)
        except (ImportError, TypeError) as exc:
            failed = [
                PreviewResponse(lang, names.get(lang, lang), failure=_failure(exc))
                for lang in wanted
            ]
            previews.append(FormatPreview(name, "", used_for, failed))
            continue
        path = next((p for p in used_for if p.startswith("/")), prefix) + "example/"
        responses = [
            _respond(
                row, params, _sample_request(path, request), lang, names.get(lang, lang), formatter
            )
            for lang in wanted
        ]
        previews.append(FormatPreview(name, formatter.media_type, used_for, responses))
    return previews


def _sample_request(path: str, base: HttpRequest | None) -> HttpRequest:
    request = HttpRequest()
    request.method = "GET"
    request.path = request.path_info = path
    if base is not None:
        request.META.update({key: base.META[key] for key in _HOST_META if key in base.META})
    return request
