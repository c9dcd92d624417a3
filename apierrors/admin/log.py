"""The error log's admin: view-only records, found by error_id, request id, code or user."""

from __future__ import annotations

import datetime
import functools
import json
from typing import Any, Final
from urllib.parse import quote

from django.contrib import admin, messages
from django.contrib.admin.views.main import SEARCH_VAR
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.timesince import timesince
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from apierrors.admin.filters import (
    USER_VAR,
    CodeFilter,
    DateRangeFilter,
    MethodFilter,
    StatusFilter,
    UserFilter,
    status_text,
)
from apierrors.core.ids import normalize_error_id
from apierrors.integrations import sentry
from apierrors.log import search as log_search
from apierrors.log.record import CUT_ORDER
from apierrors.models import ErrorCode, ErrorLog

# Characters a query value shows unencoded on the record page.
QUERY_SAFE = "[]/:,@"
# How many related records (same request id) a record page lists.
RELATED_LIMIT = 20
# A record at a glance: the list's first columns, and each related record's line.
SUMMARY: Final = ("error_id", "created_at", "status_code", "code", "method", "path")


def log_list_url(params: dict[str, str]) -> str:
    """The error log's list, filtered or searched by ``params``."""
    return reverse("admin:apierrors_errorlog_changelist") + "?" + urlencode(params)


def moment(value: datetime.datetime) -> str:
    """A time as "3 hours ago", the exact local time in its tooltip."""
    local = timezone.localtime(value)
    if timezone.now() - value < datetime.timedelta(minutes=1):
        text = str(_("just now"))
    else:
        text = str(_("%(delta)s ago") % {"delta": timesince(value, depth=1)})
    return format_html(
        '<time datetime="{}" title="{}">{}</time>',
        value.isoformat(),
        local.strftime("%Y-%m-%d %H:%M:%S %Z"),
        text,
    )


def _pretty_json(value: Any) -> str:
    if value is None or value in ("", {}, []):
        return "-"
    return format_html(
        '<pre class="apierrors-json">{}</pre>', json.dumps(value, indent=2, ensure_ascii=False)
    )


def _json_field(name: str, description: Any) -> Any:
    """A read-only admin field showing a JSON column indented."""

    @admin.display(description=description)
    def display(admin_instance: admin.ModelAdmin, obj: ErrorLog) -> str:
        return _pretty_json(getattr(obj, name))

    return display


# Where a record's request id came from: a client may send any id, someone else's included.
_SOURCES: Final = {
    True: _(
        "This request id was sent by the client: any client may send any id, so the errors "
        "below may be another client's."
    ),
    False: _("This request id was made by the server for this request."),
}
_SHORT_SOURCES: Final = {True: _("id sent by the client"), False: _("id made by the server")}


def detail_row(obj: ErrorLog) -> ErrorLog:
    """The row holding ``obj``'s detail: the full row a light row points to (when it is still
    in the log), else ``obj`` itself. Read once per record page."""
    if not obj.detail_from:
        return obj
    cached: ErrorLog | None = obj.__dict__.get("apierrors_detail_row")
    if cached is None:
        found = ErrorLog.objects.filter(error_id=obj.detail_from).first()
        cached = obj.__dict__["apierrors_detail_row"] = found or obj
    return cached


def from_detail_row(display: Any) -> Any:
    """A record field shown from the row holding the detail, marked as taken from it."""

    @functools.wraps(display)
    def shown(admin_instance: admin.ModelAdmin, obj: ErrorLog) -> str:
        source = detail_row(obj)
        value: str = display(admin_instance, source)
        if source is obj:
            return value
        taken = _("from {error_id}").format(error_id=source.error_id)
        return format_html('<span class="apierrors-muted">{}</span>{}', taken, value)

    return shown


class CappedPaginator(Paginator):
    """Counts the list's rows up to ``limit`` and no further: past it the list says "more
    than" the limit, and pages go as far as the limit.

    Counting every row that matches a filter or search reads all of them, which on a log of
    millions takes seconds, on every page; counting up to a limit stops there.
    """

    # Twenty pages of the log: past them, support narrows the search rather than pages on.
    limit = 1_000

    @cached_property
    def capped(self) -> bool:
        """Whether more rows match than were counted."""
        return self._counted > self.limit

    @cached_property
    def _counted(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return len(rows)
        # Unordered, and only created_at: every index of the log holds it, so the database
        # counts from whichever index fits the filters, without reading the rows.
        return rows.order_by().values("created_at")[: self.limit + 1].count()

    @cached_property
    def count(self) -> int:
        return min(self._counted, self.limit)


class ErrorLogAdmin(admin.ModelAdmin):
    """View-only: a log is evidence. Rows are pruned by command, never edited."""

    list_display = [*SUMMARY, "username", "request_id"]
    # No filter scans the log for its choices: they come from the catalog, a fixed list, or the
    # chosen period's users.
    list_filter = [DateRangeFilter, StatusFilter, CodeFilter, UserFilter, MethodFilter]
    # The search box is one lookup per kind of term (apierrors.log.search), never an OR of
    # these columns; they are listed for the admin to show the box.
    search_fields = ["=request_id", "=code", "path", "=username"]
    search_help_text = log_search.HELP_TEXT
    list_per_page = 50
    # No count of all rows, no counts per filter choice: each would read the whole log.
    paginator = CappedPaginator
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    # The record in the order support reads it: when, what was asked, what was answered, why.
    fieldsets = [
        (_("When"), {"fields": ["created_display", "error_id", "detail_display", "cut_display"]}),
        (
            _("Request"),
            {
                "fields": [
                    "method",
                    "path",
                    "query_display",
                    "body_display",
                    "request_id",
                    "user_display",
                    "language",
                ]
            },
        ),
        (_("Request headers"), {"fields": ["headers_display"], "classes": ["collapse"]}),
        (
            _("What the client received"),
            {"fields": ["status_display", "catalog_link", "response_display"]},
        ),
        (
            _("What broke"),
            {
                "fields": [
                    "exception_class",
                    "exception_message",
                    "traceback_display",
                    "sentry_event",
                    "params_display",
                    "field_errors_display",
                ]
            },
        ),
        (_("Related records"), {"fields": ["related_display"]}),
    ]

    class Media:
        css = {"all": ["apierrors/admin.css"]}

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ErrorLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ErrorLog | None = None) -> bool:
        return False

    def get_fieldsets(self, request: HttpRequest, obj: ErrorLog | None = None) -> Any:
        if obj is None:
            return self.fieldsets
        hidden = set()
        if not detail_row(obj).traceback:
            # Client errors keep no traceback: no empty box to puzzle over.
            hidden.add("traceback_display")
        if not obj.detail_from:
            hidden.add("detail_display")
        if not obj.cut:
            hidden.add("cut_display")
        return [
            (name, {**options, "fields": [f for f in options["fields"] if f not in hidden]})
            for name, options in self.fieldsets
        ]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        error_id = normalize_error_id(request.GET.get(SEARCH_VAR, ""))
        if error_id and self.has_view_permission(request):
            # A pasted error_id is a question with one answer: open the record.
            pk = self.get_queryset(request).filter(error_id=error_id).values_list("pk", flat=True)
            found = pk.first()
            if found is not None:
                return HttpResponseRedirect(
                    reverse("admin:apierrors_errorlog_change", args=[found])
                )
            messages.warning(
                request,
                _(
                    "No error has the error_id %(error_id)s. It may be older than the log "
                    "keeps, or from another site."
                )
                % {"error_id": error_id},
            )
        return super().changelist_view(request, extra_context)

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ErrorLog], search_term: str
    ) -> tuple[QuerySet[ErrorLog], bool]:
        error_id = normalize_error_id(search_term)
        if error_id:
            # A pasted error_id: one indexed equality, exactly that row.
            return queryset.filter(error_id=error_id), False
        term = log_search.classify(search_term, queryset.db)
        if term is None:
            return queryset, False
        messages.info(request, term.description())
        return term.filter(queryset), False

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> ErrorLog | None:
        # /admin/apierrors/errorlog/<error_id>/change/ opens the record too.
        error_id = normalize_error_id(object_id)
        if error_id and from_field is None:
            return self.get_queryset(request).filter(error_id=error_id).first()
        return super().get_object(request, object_id, from_field)

    # Record fields -----------------------------------------------------------------------

    @admin.display(description=_("created at"))
    def created_display(self, obj: ErrorLog) -> str:
        local = timezone.localtime(obj.created_at)
        return format_html(
            '{} <span class="apierrors-muted">({})</span>',
            local.strftime("%Y-%m-%d %H:%M:%S.%f")[:-3] + local.strftime(" %Z"),
            moment(obj.created_at),
        )

    @admin.display(description=_("field errors"))
    @from_detail_row
    def field_errors_display(self, obj: ErrorLog) -> str:
        if not obj.field_errors:
            return "-"
        return format_html(
            '<ul class="apierrors-field-errors">{}</ul>',
            format_html_join(
                "",
                "<li><code>{}</code> {}: {}</li>",
                (
                    (
                        ".".join(str(part) for part in item.get("path", [])) or "-",
                        item.get("code", ""),
                        item.get("message", ""),
                    )
                    for item in obj.field_errors
                ),
            ),
        )

    @admin.display(description=_("query"))
    def query_display(self, obj: ErrorLog) -> str:
        try:
            query = json.loads(obj.query_string) if obj.query_string else {}
        except ValueError:
            return obj.query_string
        if not query:
            return "-"
        # Percent-encoded as on the wire, but with the redaction marker left readable.
        text = "&".join(
            f"{quote(str(key), safe=QUERY_SAFE)}={quote(str(value), safe=QUERY_SAFE)}"
            for key, values in query.items()
            for value in (values if isinstance(values, list) else [values])
        )
        return format_html('<code class="apierrors-query">?{}</code>', text)

    @admin.display(description=_("user"))
    def user_display(self, obj: ErrorLog) -> str:
        if not obj.username:
            return str(_("anonymous"))
        url = log_list_url({USER_VAR: obj.username})
        return format_html(
            '{} <span class="apierrors-muted">(id {})</span> · <a href="{}">{}</a>',
            obj.username,
            obj.user_pk or "-",
            url,
            _("this user's errors"),
        )

    @admin.display(description=_("HTTP status"))
    def status_display(self, obj: ErrorLog) -> str:
        return status_text(obj.status_code)

    @admin.display(description=_("catalog entry"))
    def catalog_link(self, obj: ErrorLog) -> str:
        entry = ErrorCode.objects.filter(code=obj.code).only("pk").first()
        if entry is None:
            return obj.code
        url = reverse("admin:apierrors_errorcode_change", args=[entry.pk])
        return format_html('<a href="{}">{}</a>', url, obj.code)

    @admin.display(description=_("Sentry event"))
    def sentry_event(self, obj: ErrorLog) -> str:
        return sentry.event_link(obj.sentry_event_id)

    @admin.display(description=_("body"))
    @from_detail_row
    def response_display(self, obj: ErrorLog) -> str:
        # The text as sent keeps the format's key order, which a JSON column may not.
        if not obj.response_text:
            return _pretty_json(obj.response_body)
        try:
            return _pretty_json(json.loads(obj.response_text))
        except ValueError:
            return format_html('<pre class="apierrors-json">{}</pre>', obj.response_text)

    @admin.display(description=_("traceback"))
    @from_detail_row
    def traceback_display(self, obj: ErrorLog) -> str:
        if not obj.traceback:
            return "-"
        return format_html('<pre class="apierrors-traceback">{}</pre>', obj.traceback)

    @admin.display(description=_("exception message"))
    @from_detail_row
    def exception_message(self, obj: ErrorLog) -> str:
        return obj.exception_message or "-"

    @admin.display(description=_("light row"))
    def detail_display(self, obj: ErrorLog) -> str:
        source = detail_row(obj)
        if source is obj:
            return format_html(
                gettext(
                    "Kept light during an error storm. The full row it points to, "
                    "{error_id}, is no longer in the log."
                ),
                error_id=format_html("<code>{}</code>", obj.detail_from),
            )
        return format_html(
            gettext(
                "Kept light during an error storm: its detail is that of the same error in "
                "{error_id}. The request headers and body, the response body and what broke "
                "below are taken from that row."
            ),
            error_id=format_html(
                '<a href="{}">{}</a>',
                reverse("admin:apierrors_errorlog_change", args=[source.pk]),
                source.error_id,
            ),
        )

    @admin.display(description=_("cut to fit"))
    def cut_display(self, obj: ErrorLog) -> str:
        labels = {field.name: field.verbose_name for field in ErrorLog._meta.concrete_fields}
        parts = ", ".join(
            f"{labels[name]} ({obj.cut[name]:,})" for name in CUT_ORDER if name in obj.cut
        )
        return _(
            'This row was over LOG["MAX_ROW_BYTES"]: these parts were cut to fit (their sizes '
            "before, in bytes): {parts}."
        ).format(parts=parts)

    @admin.display(description=_("same request id"))
    def related_display(self, obj: ErrorLog) -> str:
        if not obj.request_id:
            return "-"
        source = _SOURCES[obj.request_id_from_client]
        related = list(
            ErrorLog.objects.filter(request_id=obj.request_id)
            .exclude(pk=obj.pk)
            .order_by("created_at")
            .values("pk", *SUMMARY, "request_id_from_client")[:RELATED_LIMIT]
        )
        if not related:
            return format_html(
                '<p class="apierrors-muted">{}</p>{}',
                source,
                _("No other error has this request id."),
            )
        items = format_html_join(
            "",
            '<li><a href="{}">{}</a> {} · {} {} · {} {} <span class="apierrors-muted">({})</span>'
            "</li>",
            (
                (
                    reverse("admin:apierrors_errorlog_change", args=[row["pk"]]),
                    row["error_id"],
                    timezone.localtime(row["created_at"]).strftime("%Y-%m-%d %H:%M:%S"),
                    row["status_code"],
                    row["code"],
                    row["method"],
                    row["path"],
                    _SHORT_SOURCES[row["request_id_from_client"]],
                )
                for row in related
            ),
        )
        url = log_list_url({SEARCH_VAR: obj.request_id})
        return format_html(
            '<p class="apierrors-muted">{}</p><ul class="apierrors-related">{}</ul>'
            '<a href="{}">{}</a>',
            source,
            items,
            url,
            _("All errors with this request id"),
        )

    headers_display = from_detail_row(_json_field("request_headers", _("request headers")))
    body_display = from_detail_row(_json_field("request_body", _("request body")))
    params_display = from_detail_row(_json_field("params", _("params")))
