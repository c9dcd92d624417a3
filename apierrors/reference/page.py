"""The error reference: the catalog as clients read it, with example bodies and doc_urls."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from django.db import DatabaseError
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from apierrors.catalog.defaults import DEFAULTS_BY_CODE
from apierrors.catalog.store import catalog, shipped_entry
from apierrors.conf import apierrors_settings
from apierrors.core.entry import Entry
from apierrors.core.error import client_error
from apierrors.core.resolve import FieldError
from apierrors.formats import FORMATS, ClientError, Formatter, get_formatter
from apierrors.http.doc_url import anchor, entry_doc_url, reference_url
from apierrors.models import Category, ErrorCode

# Stand-ins for what only a real error has; fixed so the page is the same on each visit.
EXAMPLE_ERROR_ID: Final = "01jcq4zs8v6w3n2k9d7x5m1r0a"
EXAMPLE_REQUEST_ID: Final = "4bf92f3577b34da6a3ce929d0e0e4736"
EXAMPLE_PATH: Final = "/api/example/"

# Codes whose real answers carry field errors: their examples show one.
FIELD_ERROR_CODES: Final = frozenset({"validation_error"})


# Formats ------------------------------------------------------------------------------------


def example_format_names() -> list[str]:
    """Formats a reader may pick examples in: the site's (FORMAT, then FORMAT_BY_PATH's), then
    every registered one."""
    names = [apierrors_settings.FORMAT, *apierrors_settings.FORMAT_BY_PATH.values(), *FORMATS]
    return list(dict.fromkeys(str(name) for name in names))


def format_label(name: str) -> str:
    """A short name for a format: its registry name, or the formatter's own ``name``."""
    if name in FORMATS:
        return name
    return get_formatter(name).name or name.rsplit(".", 1)[-1]


# Examples -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Example:
    """What a client receives for one entry in one format."""

    format_name: str
    status_code: int
    headers: dict[str, str]
    body: dict[str, Any]

    @property
    def body_text(self) -> str:
        return json.dumps(self.body, indent=2, ensure_ascii=False)


def sample_field_errors() -> tuple[FieldError, ...]:
    """One field error, in the active language, as DRF writes it."""
    return (FieldError(("email",), "invalid", str(_("Enter a valid email address."))),)


def example_error(
    entry: Entry,
    *,
    doc_url: str = "",
    field_errors: tuple[FieldError, ...] = (),
    path: str = EXAMPLE_PATH,
) -> ClientError:
    """The ClientError the handler composes for ``entry``, with the page's stand-in ids."""
    return client_error(
        entry,
        error_id=EXAMPLE_ERROR_ID,
        request_id=EXAMPLE_REQUEST_ID,
        instance=path,
        doc_url=doc_url,
        field_errors=field_errors,
    )


def example(formatter: Formatter, format_name: str, error: ClientError) -> Example:
    headers = {
        "Content-Type": formatter.media_type,
        "Content-Language": error.language,
        "X-Error-Id": error.error_id,
        apierrors_settings.REQUEST_ID_HEADER: error.request_id,
        **formatter.headers(error),
    }
    return Example(
        format_name=format_name,
        status_code=formatter.status_code(error),
        headers=headers,
        body=formatter.body(error),
    )


# The page's content -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReferenceEntry:
    """One catalog entry as the page shows it."""

    entry: Entry
    doc_url: str
    example: Example

    @property
    def anchor(self) -> str:
        return anchor(self.entry.code)

    @property
    def action(self) -> str:
        # Non-public entries show what their clients get, nothing more.
        return self.entry.action if self.entry.is_public else ""

    def as_dict(self) -> dict[str, Any]:
        entry = self.entry
        return {
            "code": entry.code,
            "status_code": entry.status_code,
            "category": entry.category,
            "title": entry.title,
            "message": entry.message,
            "action": self.action,
            "is_public": entry.is_public,
            "is_retryable": entry.is_retryable,
            "doc_url": self.doc_url,
            "example": {
                "format": self.example.format_name,
                "status_code": self.example.status_code,
                "headers": self.example.headers,
                "body": self.example.body,
            },
        }


@dataclass(frozen=True, slots=True)
class ReferenceCategory:
    category: str
    label: str
    entries: list[ReferenceEntry] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return f"category-{self.category}"


def catalog_entries(language: str, **filters: Any) -> list[Entry]:
    """The catalog's entries matching ``filters``, in ``language``; the shipped defaults when
    the catalog is unreadable."""
    codes: Iterable[str]
    try:
        codes = list(ErrorCode.objects.filter(**filters).values_list("code", flat=True))
    except DatabaseError:
        codes = DEFAULTS_BY_CODE
    entries = (catalog.lookup(code, language) or shipped_entry(code, language) for code in codes)
    return [entry for entry in entries if entry is not None]


def build_reference(language: str, format_name: str, request: Any) -> list[ReferenceCategory]:
    """The page's content in ``language``: categories in their declared order, codes sorted."""
    formatter = get_formatter(format_name)
    base = reference_url(request)
    labels = dict(Category.choices)
    groups: dict[str, ReferenceCategory] = {}
    with translation.override(language):
        # Drafts are not published until staff uncheck them.
        entries = catalog_entries(language, is_active=True, is_draft=False)
        for entry in sorted(entries, key=lambda e: (e.status_code, e.code)):
            doc_url = entry_doc_url(entry, base)
            fields = sample_field_errors() if entry.code in FIELD_ERROR_CODES else ()
            item = ReferenceEntry(
                entry=entry,
                doc_url=doc_url,
                example=example(
                    formatter,
                    format_name,
                    example_error(entry, doc_url=doc_url, field_errors=fields),
                ),
            )
            if entry.category not in groups:
                groups[entry.category] = ReferenceCategory(
                    entry.category, str(labels.get(entry.category, entry.category))
                )
            groups[entry.category].entries.append(item)
    order = {value: index for index, value in enumerate(Category.values)}
    return sorted(groups.values(), key=lambda g: (order.get(g.category, len(order)), g.category))
