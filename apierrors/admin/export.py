"""The admin's catalog export: the selected entries as apierrors_export writes them."""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from apierrors.catalog import io as catalog_io
from apierrors.models import ErrorCode

MEDIA_TYPES = {"json": "application/json", "yaml": "application/yaml"}


def export_response(queryset: QuerySet[ErrorCode], file_format: str) -> HttpResponse:
    codes = queryset.values_list("code", flat=True)
    text = catalog_io.export(file_format, using=queryset.db, codes=codes)
    response = HttpResponse(text, content_type=f"{MEDIA_TYPES[file_format]}; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="apierrors-catalog.{file_format}"'
    return response


@admin.action(description=_("Export selected error codes (JSON)"), permissions=["view"])
def export_json(
    modeladmin: admin.ModelAdmin[ErrorCode], request: HttpRequest, queryset: QuerySet[ErrorCode]
) -> HttpResponse:
    return export_response(queryset, "json")


@admin.action(description=_("Export selected error codes (YAML)"), permissions=["view"])
def export_yaml(
    modeladmin: admin.ModelAdmin[ErrorCode], request: HttpRequest, queryset: QuerySet[ErrorCode]
) -> HttpResponse | None:
    try:
        return export_response(queryset, "yaml")
    except ImportError:
        modeladmin.message_user(
            request,
            _("YAML export needs PyYAML: pip install 'django-apierrors[yaml]'"),
            messages.ERROR,
        )
        return None
