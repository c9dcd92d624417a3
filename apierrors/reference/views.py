"""The error reference page, as HTML and as JSON, in the reader's language."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_safe

from apierrors import i18n
from apierrors.conf import apierrors_settings
from apierrors.http import language
from apierrors.reference import page as reference


def chosen_language(request: HttpRequest) -> str:
    """``?lang=`` when the site offers it (the switcher's links), else the negotiated language."""
    asked = request.GET.get("lang", "")
    supported = i18n.supported_languages()
    return supported.get(asked.lower(), "") or language.negotiate(request)


def chosen_format(request: HttpRequest) -> str:
    """``?format=`` when it names a format examples may be shown in, else the site's FORMAT."""
    asked = request.GET.get("format", "")
    return asked if asked in reference.example_format_names() else apierrors_settings.FORMAT


def _localized(response: HttpResponse, lang: str) -> HttpResponse:
    response["Content-Language"] = lang
    patch_vary_headers(response, ["Accept-Language"])
    return response


def _context(request: HttpRequest) -> dict[str, Any]:
    lang = chosen_language(request)
    format_name = chosen_format(request)
    return {
        "language": lang,
        "format_name": format_name,
        "categories": reference.build_reference(lang, format_name, request),
    }


def _local_name(code: str, name: str) -> str:
    """A language's name in itself (Français), so a reader finds their own in the switcher."""
    try:
        return str(translation.get_language_info(code)["name_local"])
    except KeyError:
        return name


def _json_url(request: HttpRequest, lang: str, format_name: str) -> str:
    match = request.resolver_match
    name = f"{match.namespace}:reference_json" if match and match.namespace else "reference_json"
    query = urlencode({"lang": lang, "format": format_name})
    return f"{reverse(name, current_app=match.namespace if match else None)}?{query}"


@require_safe
def reference_page(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    lang = context["language"]
    with translation.override(lang):
        context.update(
            languages=[
                {"code": code, "name": _local_name(code, str(name))}
                for code, name in settings.LANGUAGES
            ],
            formats=[
                {"name": name, "label": reference.format_label(name)}
                for name in reference.example_format_names()
            ],
            site_format=apierrors_settings.FORMAT,
            format_label=reference.format_label(context["format_name"]),
            json_url=_json_url(request, lang, context["format_name"]),
        )
        response = render(request, "apierrors/reference.html", context)
    return _localized(response, lang)


@require_safe
def reference_json(request: HttpRequest) -> HttpResponse:
    context = _context(request)
    data = {
        "language": context["language"],
        "format": context["format_name"],
        "categories": [
            {
                "category": group.category,
                "label": group.label,
                "entries": [entry.as_dict() for entry in group.entries],
            }
            for group in context["categories"]
        ],
    }
    response = JsonResponse(data, json_dumps_params={"ensure_ascii": False, "indent": 2})
    return _localized(response, context["language"])
