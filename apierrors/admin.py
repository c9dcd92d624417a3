"""The admin: staff edit the catalog and look up errors by error_id."""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from apierrors import admin_export
from apierrors.ids import normalize_error_id
from apierrors.integrations import sentry
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


# The catalog ---------------------------------------------------------------------------------


@admin.register(ErrorCode)
class ErrorCodeAdmin(TranslationAdmin):
    list_display = [
        "code",
        "status_code",
        "category",
        "is_public",
        "title",
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
    readonly_fields = ["created_at", "updated_at"]
    # The same files as apierrors_export, for the selected entries.
    actions = [admin_export.export_json, admin_export.export_yaml]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    fieldsets = [
        (None, {"fields": ["code", "status_code", "category", "is_public", "is_retryable"]}),
        (_("What the client is told"), {"fields": ["title", "message", "action", "doc_url"]}),
        (_("State"), {"fields": ["is_active", "is_draft", "created_at", "updated_at"]}),
    ]

    class Media:
        # modeltranslation's TabbedTranslationAdmin media, with jQuery UI's tabs served from the
        # app's static files: its default loads jQuery UI from a CDN, which offline and
        # CSP-restricted admins cannot reach.
        js = (
            "admin/js/jquery.init.js",
            "modeltranslation/js/force_jquery.js",
            "apierrors/vendor/jquery-ui/jquery-ui-tabs.js",
            "modeltranslation/js/tabbed_translation_fields.js",
        )
        css = {"all": ("modeltranslation/css/tabbed_translation_fields.css",)}

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # Every language's column, computed per request: LANGUAGES is read at run time.
        return ["code"] + [
            build_localized_fieldname(name, language)
            for name in TRANSLATED_FIELDS
            for language in AVAILABLE_LANGUAGES
        ]


def _pretty_json(value: Any) -> str:
    return format_html(
        "<pre class='apierrors-json'>{}</pre>", json.dumps(value, indent=2, ensure_ascii=False)
    )


def _json_field(name: str, description: Any) -> Any:
    """A read-only admin field showing a JSON column indented."""

    @admin.display(description=description)
    def display(admin_instance: admin.ModelAdmin, obj: ErrorLog) -> str:
        return _pretty_json(getattr(obj, name))

    return display


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
    list_filter = ["status_code", "code", "method", "created_at"]
    date_hierarchy = "created_at"
    search_fields = ["=request_id", "=code", "path", "=username"]
    search_help_text = _("Paste an error_id or a request id; or a code, a user or part of a path.")
    list_per_page = 50
    show_full_result_count = False
    fieldsets = [
        (_("When"), {"fields": ["error_id", "created_at"]}),
        (
            _("Request"),
            {
                "fields": [
                    "method",
                    "path",
                    "query_string",
                    "request_id",
                    "username",
                    "user_pk",
                    "language",
                    "headers_display",
                    "body_display",
                ]
            },
        ),
        (
            _("Response"),
            {
                "fields": [
                    "status_code",
                    "catalog_link",
                    "params_display",
                    "field_errors_display",
                    "response_display",
                ]
            },
        ),
        (
            _("What broke"),
            {
                "fields": [
                    "exception_class",
                    "exception_message",
                    "traceback_display",
                    "sentry_event",
                ]
            },
        ),
    ]
    readonly_fields = [
        "error_id",
        "created_at",
        "method",
        "path",
        "query_string",
        "request_id",
        "username",
        "user_pk",
        "language",
        "headers_display",
        "body_display",
        "status_code",
        "catalog_link",
        "params_display",
        "field_errors_display",
        "response_display",
        "exception_class",
        "exception_message",
        "traceback_display",
        "sentry_event",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: ErrorLog | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: ErrorLog | None = None) -> bool:
        return False

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[ErrorLog], search_term: str
    ) -> tuple[QuerySet[ErrorLog], bool]:
        error_id = normalize_error_id(search_term)
        if error_id:
            # A pasted error_id: one indexed equality, exactly that row.
            return queryset.filter(error_id=error_id), False
        return super().get_search_results(request, queryset, search_term.strip())

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> ErrorLog | None:
        # /admin/apierrors/errorlog/<error_id>/change/ opens the record too.
        error_id = normalize_error_id(object_id)
        if error_id and from_field is None:
            return self.get_queryset(request).filter(error_id=error_id).first()
        return super().get_object(request, object_id, from_field)

    @admin.display(description=_("catalog entry"))
    def catalog_link(self, obj: ErrorLog) -> str:
        entry = ErrorCode.objects.filter(code=obj.code).only("pk").first()
        if entry is None:
            return obj.code
        url = reverse("admin:apierrors_errorcode_change", args=[entry.pk])
        return format_html('<a href="{}">{}</a>', url, obj.code)

    headers_display = _json_field("request_headers", _("request headers"))
    body_display = _json_field("request_body", _("request body"))
    params_display = _json_field("params", _("params"))
    field_errors_display = _json_field("field_errors", _("field errors"))
    response_display = _json_field("response_body", _("response body"))

    @admin.display(description=_("Sentry event"))
    def sentry_event(self, obj: ErrorLog) -> str:
        return sentry.event_link(obj.sentry_event_id)

    @admin.display(description=_("traceback"))
    def traceback_display(self, obj: ErrorLog) -> str:
        if not obj.traceback:
            return "-"
        return format_html("<pre class='apierrors-traceback'>{}</pre>", obj.traceback)
