"""The admin's list filters: the catalog's missing translations, and the log's filters, none of
which scans the log for its choices."""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any, Final

from django.conf import settings
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from modeltranslation.settings import AVAILABLE_LANGUAGES

from apierrors.models import ErrorCode, ErrorLog
from apierrors.translation import missing_translation_q

# Query parameters of the log's date filter: local dates, both ends included.
SINCE_VAR = "since"
UNTIL_VAR = "until"
USER_VAR = "user"
# How many users the log's user filter offers: the ones with most errors among the period's
# latest USER_FILTER_SAMPLE errors of users.
USER_FILTER_LIMIT = 30
USER_FILTER_SAMPLE = 10_000


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
        day += datetime.timedelta(days=shift)
        bounds.append(timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)))
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
        """(label, since, until) of each link; "" leaves that end open."""
        today = timezone.localdate()
        yesterday = today - datetime.timedelta(days=1)
        return [
            (_("Any date"), "", ""),
            (_("Today"), today.isoformat(), today.isoformat()),
            (_("Yesterday"), yesterday.isoformat(), yesterday.isoformat()),
            (_("Past 7 days"), (today - datetime.timedelta(days=6)).isoformat(), ""),
            (_("Past 30 days"), (today - datetime.timedelta(days=29)).isoformat(), ""),
        ]

    def choices(self, changelist: ChangeList) -> Any:
        self.since = self.used_parameters.get(SINCE_VAR, "")
        self.until = self.used_parameters.get(UNTIL_VAR, "")
        # The custom range form keeps every other filter and the search as they are.
        self.hidden_params = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name not in (SINCE_VAR, UNTIL_VAR)
            for value in values
        ]
        for display, since, until in self.periods():
            bounds = {SINCE_VAR: since, UNTIL_VAR: until}
            yield {
                "selected": (self.since, self.until) == (since, until),
                "query_string": changelist.get_query_string(
                    {name: value for name, value in bounds.items() if value},
                    [name for name, value in bounds.items() if not value],
                ),
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
            *((str(status), status_text(status)) for status in statuses.distinct()),
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


def status_text(status_code: int) -> str:
    """``404 Not Found``; only the number for a status HTTP does not name."""
    try:
        return f"{status_code} {HTTPStatus(status_code).phrase}"
    except ValueError:
        return str(status_code)
