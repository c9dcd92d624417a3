"""The error log's search box: what a term is, then one indexed lookup for that kind of term.

Searching every column for every term (``request_id = t OR code = t OR path LIKE %t% OR …``)
reads the whole log: no single index answers an OR of columns with a pattern in it. A term is
one thing, in this order:

- an error_id (its fixed shape, apierrors.core.ids): that record;
- a text starting with "/": the paths starting with it;
- a code of the catalog: that code's errors;
- a request id present in the log: that request's errors;
- a user name present in the log: that user's errors;
- any other text: the paths containing it.

Each is a lookup through one index: the error_id, (code, created_at), request_id,
(username, created_at), and for paths on PostgreSQL a btree on UPPER(LEFT(path, 255)) for
prefixes and a trigram index on path for fragments. Paths and codes ignore case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from django.db import connections
from django.db.models import F, Lookup, QuerySet
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from apierrors.core.ids import normalize_error_id
from apierrors.models import ErrorCode, ErrorLog, normalize_code

if TYPE_CHECKING:
    from django.db.models.sql.compiler import _AsSqlType

ERROR_ID: Final = "error_id"
PATH_PREFIX: Final = "path_prefix"
CODE: Final = "code"
REQUEST_ID: Final = "request_id"
USER: Final = "user"
PATH_FRAGMENT: Final = "path_fragment"

# What the list says it shows, for each kind of term.
DESCRIPTIONS: Final = {
    ERROR_ID: _("The error with the error_id %(term)s."),
    PATH_PREFIX: _("Errors of paths starting with %(term)s."),
    CODE: _("Errors of the code %(term)s."),
    REQUEST_ID: _("Errors of the request id %(term)s."),
    USER: _("Errors of the user %(term)s."),
    PATH_FRAGMENT: _("Errors of paths containing %(term)s."),
}
HELP_TEXT: Final = _(
    "Paste an error_id to open its record. Text starting with / finds the paths starting "
    "with it; a code of the catalog, that code's errors; a request id or a user name, exactly "
    "their errors; any other text, the paths containing it. Capitals do not matter in codes "
    "and paths."
)


# Characters of the path in PostgreSQL's prefix index (migration 0007): UPPER(LEFT(path, 255)).
PREFIX_LENGTH: Final = 255


class _PatternLookup(Lookup):
    """A lookup whose SQL is ``sql`` with ``{lhs}`` and ``{rhs}`` filled in."""

    prepare_rhs = False
    sql = ""

    def as_sql(self, compiler: Any, connection: Any) -> _AsSqlType:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return self.sql.format(lhs=lhs, rhs=rhs), (*lhs_params, *rhs_params)


class ILike(_PatternLookup):
    """``lhs ILIKE rhs`` (PostgreSQL), ``rhs`` a LIKE pattern: the trigram index on the
    column answers it, where Django's ``icontains`` (``UPPER(lhs) LIKE UPPER(rhs)``) would
    need one on ``UPPER(lhs)``."""

    lookup_name = "ilike"
    sql = "{lhs} ILIKE {rhs}"


class HeadLike(_PatternLookup):
    """``UPPER(LEFT(lhs, PREFIX_LENGTH)) LIKE UPPER(rhs)`` (PostgreSQL), ``rhs`` a prefix
    pattern: the expression of the prefix index, which a btree answers as a range."""

    lookup_name = "head_like"
    sql = f"UPPER(LEFT({{lhs}}, {PREFIX_LENGTH})) LIKE UPPER({{rhs}})"


# What separates the parts of a path and its query.
_SEPARATORS: Final = re.compile(r"[/?&=#.\s]+")


def _distinctive_piece(text: str) -> str | None:
    """The part of a multi-part fragment with digits in it, longest first: an id is rare
    where words ("accounts", "items") and "/api/v1/" are in many paths, and a trigram index
    scan costs what its commonest trigram costs. None when the fragment is one part, or no
    part of three characters (a trigram) or more has a digit."""
    parts = [part for part in _SEPARATORS.split(text) if part]
    numbered = [part for part in parts if len(part) >= 3 and any(c.isdigit() for c in part)]
    if len(parts) < 2 or not numbered:
        return None
    return max(numbered, key=len)


def _path_like(queryset: QuerySet[ErrorLog], text: str, prefix: bool) -> QuerySet[ErrorLog]:
    """Paths starting with (``prefix``) or containing ``text``, whatever the case."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        if prefix:
            return queryset.filter(path__istartswith=text)
        return queryset.filter(path__icontains=text)
    like = connection.ops.prep_for_like_query
    if not prefix:
        piece = _distinctive_piece(text)
        if piece is None:
            return queryset.filter(ILike(F("path"), f"%{like(text)}%"))
        # The index finds the rows holding the piece; the whole text is checked on those
        # alone, through LOWER(path), which the index does not match.
        return queryset.filter(ILike(F("path"), f"%{like(piece)}%")).filter(
            ILike(Lower(F("path")), f"%{like(text)}%")
        )
    found = queryset.filter(HeadLike(F("path"), f"{like(text[:PREFIX_LENGTH])}%"))
    if len(text) > PREFIX_LENGTH:
        found = found.filter(ILike(F("path"), f"{like(text)}%"))
    return found


# The column each kind of term but a path's is looked up in.
_COLUMNS: Final = {ERROR_ID: "error_id", CODE: "code", REQUEST_ID: "request_id", USER: "username"}


@dataclass(frozen=True)
class Term:
    """A search term and what it was taken for."""

    kind: str
    value: str

    def filter(self, queryset: QuerySet[ErrorLog]) -> QuerySet[ErrorLog]:
        """The rows this term finds."""
        if self.kind in (PATH_PREFIX, PATH_FRAGMENT):
            return _path_like(queryset, self.value, prefix=self.kind == PATH_PREFIX)
        return queryset.filter(**{_COLUMNS[self.kind]: self.value})

    def description(self) -> str:
        return str(DESCRIPTIONS[self.kind] % {"term": self.value})


def classify(text: str, using: str | None = None) -> Term | None:
    """What ``text`` is (None for an empty search): its shape first, then, for codes, request
    ids and users, whether the catalog or the log (database ``using``) has it, each an
    indexed probe."""
    error_id = normalize_error_id(text)
    if error_id:
        return Term(ERROR_ID, error_id)
    term = text.strip()
    if not term:
        return None
    if term.startswith("/"):
        return Term(PATH_PREFIX, term)
    code = normalize_code(term)
    if ErrorCode.objects.filter(code=code).exists():
        return Term(CODE, code)
    log = ErrorLog.objects.using(using).order_by()
    if log.filter(request_id=term).exists():
        return Term(REQUEST_ID, term)
    if log.filter(username=term).exists():
        return Term(USER, term)
    return Term(PATH_FRAGMENT, term)
