"""The catalog's admin: staff edit error codes, see how often each occurs, preview the bodies."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import OuterRef, QuerySet, Subquery
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from modeltranslation.admin import TranslationAdmin
from modeltranslation.settings import AVAILABLE_LANGUAGES
from modeltranslation.utils import build_localized_fieldname

from apierrors.admin import preview
from apierrors.admin.filters import MissingTranslationFilter
from apierrors.admin.log import log_list_url, moment
from apierrors.catalog import io as catalog_io
from apierrors.http.language import negotiate
from apierrors.log import counts
from apierrors.models import TRANSLATED_FIELDS, ErrorCode, ErrorLog
from apierrors.translation import missing_languages


@admin.display(description=_("missing translations"))
def missing_translations(entry: ErrorCode) -> str:
    return ", ".join(missing_languages(entry)) or "-"


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
    """The catalog list, its rows linking to the log when the user may read it."""

    def get_results(self, request: HttpRequest) -> None:
        super().get_results(request)
        site = self.model_admin.admin_site
        can_view_log = site.is_registered(ErrorLog) and site.get_model_admin(
            ErrorLog
        ).has_view_permission(request)
        for entry in self.result_list:
            entry.log_url = log_list_url({"code": entry.code}) if can_view_log else ""


EXPORT_MEDIA_TYPES = {"json": "application/json", "yaml": "application/yaml"}


def _export(queryset: QuerySet[ErrorCode], file_format: str) -> HttpResponse:
    """The selected entries as apierrors_export writes them, as a download."""
    codes = queryset.values_list("code", flat=True)
    text = catalog_io.export(file_format, using=queryset.db, codes=codes)
    response = HttpResponse(text, content_type=f"{EXPORT_MEDIA_TYPES[file_format]}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="apierrors-catalog.{file_format}"'
    return response


def _log_link(entry: Any, value: Any) -> str:
    if value and getattr(entry, "log_url", ""):
        return format_html('<a href="{}">{}</a>', entry.log_url, value)
    return str(value)


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
    # The preview of bodies, then the same files as apierrors_export for the selected entries.
    actions = ["preview_bodies", "export_json", "export_yaml"]

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

    def get_queryset(self, request: HttpRequest) -> QuerySet[ErrorCode]:
        # Annotated here so that the occurrence columns can be sorted on like fields.
        return with_occurrences(super().get_queryset(request))

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

    @admin.display(description=_("24 h"), ordering="occurrences_24h")
    def occurrences_24h(self, entry: Any) -> str:
        return _log_link(entry, entry.occurrences_24h)

    @admin.display(description=_("7 days"), ordering="occurrences_7d")
    def occurrences_7d(self, entry: Any) -> str:
        return _log_link(entry, entry.occurrences_7d)

    @admin.display(description=_("last seen"), ordering="last_seen_at", empty_value="-")
    def last_seen_at(self, entry: Any) -> str | None:
        return moment(entry.last_seen_at) if entry.last_seen_at else None

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
        form = self.get_form(request, obj, change=obj is not None)(request.POST, instance=obj)
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

    @admin.action(description=_("Export selected error codes (JSON)"), permissions=["view"])
    def export_json(self, request: HttpRequest, queryset: QuerySet[ErrorCode]) -> HttpResponse:
        return _export(queryset, "json")

    @admin.action(description=_("Export selected error codes (YAML)"), permissions=["view"])
    def export_yaml(
        self, request: HttpRequest, queryset: QuerySet[ErrorCode]
    ) -> HttpResponse | None:
        try:
            return _export(queryset, "yaml")
        except ImportError:
            self.message_user(
                request,
                _("YAML export needs PyYAML: pip install 'django-apierrors[yaml]'"),
                messages.ERROR,
            )
            return None
