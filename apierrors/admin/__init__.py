"""The admin: staff edit the catalog and look up errors by error_id."""

from __future__ import annotations

import datetime
import functools
import json
from collections import Counter
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final
from urllib.parse import quote

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.admin.views.main import SEARCH_VAR, ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.timesince import timesince
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from modeltranslation.admin import TranslationAdmin
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from apierrors.admin import export as admin_export
from apierrors.admin import preview
from apierrors.core.ids import normalize_error_id
from apierrors.http.language import negotiate
from apierrors.integrations import sentry
from apierrors.log import counts
from apierrors.log import search as log_search
from apierrors.log.record import CUT_ORDER
from apierrors.models import TRANSLATED_FIELDS, ErrorCode, ErrorLog
from apierrors.translation import missing_languages, missing_translation_q

# Missing translations: a list column and a filter --------------------------------------------


class MissingTranslationFilter(admin.SimpleListFilter):
    """Entries with a text that some language of the site lacks, in one language or any."""

    title = _("missing translation")
    parameter_name = "missing_translation"
    ANY = "any"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list[tuple[str, Any]]:
        names = dict(settings.LANGUAGES)
        return [(self.ANY, _("in any language"))] + [
            (language, names.get(language, language)) for language in AVAILABLE_LANGUAGES
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[ErrorCode]) -> QuerySet[ErrorCode]:
        value = self.value()
        if value == self.ANY:
            return queryset.filter(missing_translation_q())
        if value in AVAILABLE_LANGUAGES:
            return queryset.filter(missing_translation_q(value))
        return queryset


@admin.display(description=_("missing translations"))
def missing_translations(entry: ErrorCode) -> str:
    return ", ".join(missing_languages(entry)) or "-"


# Query parameters of the log's date filter: local dates, both ends included.
SINCE_VAR = "since"
UNTIL_VAR = "until"
USER_VAR = "user"
# Characters a query value shows unencoded on the record page.
QUERY_SAFE = "[]/:,@"
# How many related records (same request id) a record page lists.
RELATED_LIMIT = 20
# How many users the log's user filter offers: the ones with most errors among the period's
# latest USER_FILTER_SAMPLE errors of users.
USER_FILTER_LIMIT = 30
USER_FILTER_SAMPLE = 10_000


def log_list_url(params: dict[str, str]) -> str:
    """The error log's list, filtered or searched by ``params``."""
    return reverse("admin:apierrors_errorlog_changelist") + "?" + urlencode(params)


# The catalog ------------------------------------------------------------------------------


def with_occurrences(queryset: QuerySet[ErrorCode]) -> QuerySet[ErrorCode]:
    """The entries with their log counts over 24 hours and 7 days and their last occurrence.

    The counts come from the per-hour counts written with the rows (apierrors.log.counts), the
    last occurrence from the log's (code, created_at) index: the page's one query computes
    them for the rows it shows, and a column can be sorted on them.
    """
    now = timezone.now()
    logs = ErrorLog.objects.filter(code=OuterRef("code")).order_by()
    return queryset.annotate(
        occurrences_24h=counts.since(now - datetime.timedelta(hours=24)),
        occurrences_7d=counts.since(now - datetime.timedelta(days=7)),
        last_seen_at=Subquery(logs.order_by("-created_at").values("created_at")[:1]),
    )


class CatalogChangeList(ChangeList):
    """The catalog list with occurrence columns, and whether its rows may link to the log."""

    def get_queryset(self, request: HttpRequest, exclude_parameters: Any = None) -> QuerySet:
        # Annotated at the root, once, so the columns can be sorted on like fields.
        if not getattr(self, "_with_occurrences", False):
            self.root_queryset = with_occurrences(self.root_queryset)
            self._with_occurrences = True
        return super().get_queryset(request, exclude_parameters)

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        site = self.model_admin.admin_site
        can_view_log = site.is_registered(ErrorLog) and site.get_model_admin(
            ErrorLog
        ).has_view_permission(request)
        for entry in self.result_list:
            entry.log_url = log_list_url({"code": entry.code}) if can_view_log else ""


def _moment(value: datetime.datetime) -> str:
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


def _log_link(entry: Any, value: Any) -> str:
    if value and getattr(entry, "log_url", ""):
        return format_html('<a href="{}">{}</a>', entry.log_url, value)
    return str(value)


@admin.register(ErrorCode)
class ErrorCodeAdmin(TranslationAdmin):
    list_display = [
        "code",
        "status_code",
        "title",
        "occurrences_24h",
        "occurrences_7d",
        "last_seen_at",
        "is_public",
        "is_active",
        "is_draft",
        missing_translations,
    ]
    list_filter = [
        "status_code",
        "category",
        "is_public",
        "is_retryable",
        "is_active",
        "is_draft",
        MissingTranslationFilter,
    ]
    # Each row is a dozen cells to render, counts included: pages of 50 keep the list quick
    # for catalogs of hundreds of codes.
    list_per_page = 50
    readonly_fields = ["created_at", "updated_at"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["code", "status_code", "category", "is_public", "is_retryable"]}),
        (_("What the client is told"), {"fields": ["title", "message", "action", "doc_url"]}),
        (_("State"), {"fields": ["is_active", "is_draft", "created_at", "updated_at"]}),
    ]
    # One list every feature extends: the preview of bodies, then the same files as
    # apierrors_export for the selected entries.
    actions = ["preview_bodies", admin_export.export_json, admin_export.export_yaml]

    class Media:
        # modeltranslation's TabbedTranslationAdmin media, with jQuery UI's tabs served from the
        # app's static files: its default loads jQuery UI from a CDN, which offline and
        # CSP-restricted admins cannot reach. Then the live preview of the entry.
        js = (
            "admin/js/jquery.init.js",
            "modeltranslation/js/force_jquery.js",
            "apierrors/vendor/jquery-ui/jquery-ui-tabs.js",
            "modeltranslation/js/tabbed_translation_fields.js",
            "apierrors/preview.js",
        )
        css = {"all": ("modeltranslation/css/tabbed_translation_fields.css", "apierrors/admin.css")}

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # Every language's column, computed per request: LANGUAGES is read at run time.
        return ["code"] + [
            build_localized_fieldname(name, language)
            for name in TRANSLATED_FIELDS
            for language in AVAILABLE_LANGUAGES
        ]

    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        return CatalogChangeList

    def get_urls(self) -> list[Any]:
        preview_view = self.admin_site.admin_view(require_POST(self.preview_view))
        return [
            path("preview/", preview_view, name="apierrors_errorcode_preview"),
            *super().get_urls(),
        ]

    # List columns ------------------------------------------------------------------------

    @admin.display(description=_("24 h"), ordering="occurrences_24h")
    def occurrences_24h(self, entry: Any) -> str:
        return _log_link(entry, entry.occurrences_24h)

    @admin.display(description=_("7 days"), ordering="occurrences_7d")
    def occurrences_7d(self, entry: Any) -> str:
        return _log_link(entry, entry.occurrences_7d)

    @admin.display(description=_("last seen"), ordering="last_seen_at", empty_value="-")
    def last_seen_at(self, entry: Any) -> str | None:
        return _moment(entry.last_seen_at) if entry.last_seen_at else None

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        if "is_draft__exact" not in request.GET:
            drafts = ErrorCode.objects.filter(is_draft=True).count()
            if drafts:
                url = reverse("admin:apierrors_errorcode_changelist") + "?is_draft__exact=1"
                text = _("Codes raised that the catalog does not describe yet: %(count)d.") % {
                    "count": drafts
                }
                messages.info(
                    request,
                    format_html('{} <a href="{}">{}</a>', text, url, _("Show the drafts")),
                )
        return super().changelist_view(request, extra_context)

    # Preview -----------------------------------------------------------------------------

    def render_change_form(
        self,
        request: HttpRequest,
        context: dict[str, Any],
        add: bool = False,
        change: bool = False,
        form_url: str = "",
        obj: ErrorCode | None = None,
    ) -> HttpResponse:
        context["apierrors_preview_url"] = reverse("admin:apierrors_errorcode_preview") + (
            "?" + urlencode({"object_id": obj.pk}) if obj is not None else ""
        )
        context["apierrors_previews"] = (
            preview.preview(preview.entry_row(obj), request=request) if obj is not None else None
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def preview_view(self, request: HttpRequest) -> HttpResponse:
        """The preview of the form as it stands, for the edit page to show while staff type."""
        object_id = request.GET.get("object_id")
        obj = self.get_object(request, object_id) if object_id else None
        if object_id and obj is None:
            raise PermissionDenied
        allowed = (
            self.has_change_permission(request, obj)
            if obj is not None
            else self.has_add_permission(request)
        )
        if not allowed:
            raise PermissionDenied
        form_class = self.get_form(request, obj, change=obj is not None)
        form = form_class(request.POST, instance=obj)
        context: dict[str, Any] = {"previews": None, "errors": None}
        if form.is_valid():
            context["previews"] = preview.preview(preview.entry_row(form.instance), request=request)
        else:
            context["errors"] = [
                f"{form.fields[name].label or name}: {message}" if name in form.fields else message
                for name, field_messages in form.errors.items()
                for message in field_messages
            ]
        return TemplateResponse(request, "admin/apierrors/errorcode/preview.html", context)

    @admin.action(description=_("Preview the body in each format"), permissions=["view"])
    def preview_bodies(self, request: HttpRequest, queryset: QuerySet[ErrorCode]) -> HttpResponse:
        language = negotiate(request)
        entries = [
            (
                entry,
                preview.preview(preview.entry_row(entry), languages=[language], request=request),
            )
            for entry in queryset.order_by("code")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Preview of the bodies clients receive"),
            "entries": entries,
            "language": language,
            "language_name": dict(settings.LANGUAGES).get(language, language),
            "media": self.media,
        }
        return TemplateResponse(request, "admin/apierrors/errorcode/preview_bodies.html", context)


# The log ----------------------------------------------------------------------------------


def _local_midnight(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def date_range(
    params: Mapping[str, Any],
) -> tuple[datetime.datetime | None, datetime.datetime | None]:
    """The log's date filter as aware datetimes: [since 00:00, day after until 00:00)."""
    bounds: list[datetime.datetime | None] = []
    for name, shift in ((SINCE_VAR, 0), (UNTIL_VAR, 1)):
        value = params.get(name)
        if not value:
            bounds.append(None)
            continue
        try:
            day = datetime.date.fromisoformat(value)
        except ValueError:
            raise ValidationError(
                _("%(value)s is not a date (YYYY-MM-DD)."), params={"value": value}
            ) from None
        bounds.append(_local_midnight(day + datetime.timedelta(days=shift)))
    return bounds[0], bounds[1]


def _filter_dates(queryset: QuerySet, since: Any, until: Any) -> QuerySet:
    if since is not None:
        queryset = queryset.filter(created_at__gte=since)
    if until is not None:
        queryset = queryset.filter(created_at__lt=until)
    return queryset


class DateRangeFilter(admin.ListFilter):
    """From one local date to another, both included; with one-click periods."""

    title = _("date")
    template = "admin/apierrors/date_range_filter.html"

    def __init__(self, request: HttpRequest, params: dict, model: Any, model_admin: Any) -> None:
        super().__init__(request, params, model, model_admin)
        for name in (SINCE_VAR, UNTIL_VAR):
            if name in params:
                self.used_parameters[name] = params.pop(name)[-1]
        self.hidden_params: list[tuple[str, str]] = []

    def has_output(self) -> bool:
        return True

    def expected_parameters(self) -> list[str | None]:
        return [SINCE_VAR, UNTIL_VAR]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        try:
            bounds = date_range(self.used_parameters)
        except ValidationError as exc:
            # The admin answers this with its "?e=1" page, as for any bad filter value.
            raise IncorrectLookupParameters(exc) from exc
        return _filter_dates(queryset, *bounds)

    def periods(self) -> list[tuple[Any, str, str]]:
        today = timezone.localdate()
        yesterday = today - datetime.timedelta(days=1)
        return [
            (_("Today"), today.isoformat(), today.isoformat()),
            (_("Yesterday"), yesterday.isoformat(), yesterday.isoformat()),
            (_("Past 7 days"), (today - datetime.timedelta(days=6)).isoformat(), ""),
            (_("Past 30 days"), (today - datetime.timedelta(days=29)).isoformat(), ""),
        ]

    def choices(self, changelist: ChangeList) -> Any:
        since = self.used_parameters.get(SINCE_VAR, "")
        until = self.used_parameters.get(UNTIL_VAR, "")
        self.since, self.until = since, until
        # The custom range form keeps every other filter and the search as they are.
        self.hidden_params = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name not in (SINCE_VAR, UNTIL_VAR)
            for value in values
        ]
        yield {
            "selected": not since and not until,
            "query_string": changelist.get_query_string(remove=[SINCE_VAR, UNTIL_VAR]),
            "display": _("Any date"),
        }
        for display, start, end in self.periods():
            new = {SINCE_VAR: start, UNTIL_VAR: end} if end else {SINCE_VAR: start}
            remove = [] if end else [UNTIL_VAR]
            yield {
                "selected": (since, until) == (start, end),
                "query_string": changelist.get_query_string(new, remove),
                "display": display,
            }


class StatusFilter(admin.SimpleListFilter):
    """A status class or one status; choices come from the catalog, not from a scan of the log."""

    title = _("HTTP status")
    parameter_name = "status_code"
    CLASSES: Final = {"4xx": (400, 500), "5xx": (500, 600)}

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        statuses = ErrorCode.objects.order_by("status_code").values_list("status_code", flat=True)
        return [
            ("4xx", _("4xx: client errors")),
            ("5xx", _("5xx: server errors")),
            *((str(status), _status_text(status)) for status in statuses.distinct()),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = self.value()
        if not value:
            return queryset
        if value in self.CLASSES:
            low, high = self.CLASSES[value]
            return queryset.filter(status_code__gte=low, status_code__lt=high)
        if not value.isdigit():
            raise IncorrectLookupParameters(f"{value!r} is not an HTTP status")
        return queryset.filter(status_code=int(value))


class _ExactFilter(admin.SimpleListFilter):
    """Rows whose ``field`` equals the chosen value."""

    field = ""

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value():
            return queryset.filter(**{self.field: self.value()})
        return queryset


class CodeFilter(_ExactFilter):
    """The catalog's codes, drafts included: the log's codes without scanning the log."""

    title = _("code")
    parameter_name = field = "code"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        codes = ErrorCode.objects.order_by("code").values_list("code", flat=True)
        return [(code, code) for code in codes]


class MethodFilter(_ExactFilter):
    title = _("method")
    parameter_name = field = "method"
    METHODS: Final = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [(method, method) for method in self.METHODS]


class UserFilter(_ExactFilter):
    """The users with most errors among the latest of the chosen period (the last 24 hours
    when none is chosen)."""

    title = _("user")
    parameter_name = USER_VAR
    field = "username"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        try:
            since, until = date_range(request.GET.dict())
        except ValidationError:
            since, until = None, None
        if since is None and until is None:
            since = timezone.now() - datetime.timedelta(hours=24)
        # The period's latest errors of users, through the created_at index: counting every
        # row of a busy period would read a good part of the log on each page.
        latest = (
            _filter_dates(ErrorLog.objects.exclude(username=""), since, until)
            .order_by("-created_at")
            .values_list("username", flat=True)[:USER_FILTER_SAMPLE]
        )
        ranked = sorted(Counter(latest).items(), key=lambda item: (-item[1], item[0]))
        users = [(name, name) for name, _n in ranked[:USER_FILTER_LIMIT]]
        chosen = self.value()
        if chosen and chosen not in dict(users):
            users.insert(0, (chosen, chosen))
        return users


def _empty(value: Any) -> bool:
    return value is None or value in ("", {}, [])


def _pretty_json(value: Any) -> str:
    if _empty(value):
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


def _status_text(status_code: int) -> str:
    try:
        return f"{status_code} {HTTPStatus(status_code).phrase}"
    except ValueError:
        return str(status_code)


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


@admin.register(ErrorLog)
class ErrorLogAdmin(admin.ModelAdmin):
    """View-only: a log is evidence. Rows are pruned by command, never edited."""

    list_display = [
        "error_id",
        "created_at",
        "status_code",
        "code",
        "method",
        "path",
        "username",
        "request_id",
    ]
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
    readonly_fields = flatten_fieldsets(fieldsets)

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
            _moment(obj.created_at),
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
        return _status_text(obj.status_code)

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
                str(
                    _(
                        "Kept light during an error storm. The full row it points to, "
                        "{error_id}, is no longer in the log."
                    )
                ),
                error_id=format_html("<code>{}</code>", obj.detail_from),
            )
        return format_html(
            str(
                _(
                    "Kept light during an error storm: its detail is that of the same error in "
                    "{error_id}. The request headers and body, the response body and what broke "
                    "below are taken from that row."
                )
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
            "This row was over LOG_MAX_ROW_BYTES: these parts were cut to fit (their sizes "
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
            .values(
                "pk",
                "error_id",
                "created_at",
                "status_code",
                "code",
                "method",
                "path",
                "request_id_from_client",
            )[: RELATED_LIMIT + 1]
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
                for row in related[:RELATED_LIMIT]
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


# The admin index: a box to paste an error_id into, unless the site chose its own index page.
if admin.site.index_template is None:
    admin.site.index_template = "admin/apierrors/index.html"
