"""Views whose field errors come from Django's own validators (model full_clean), under /api/."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tests.testapp.models import Widget


class WidgetCleanView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        Widget(name=request.data.get("name", "")).full_clean()
        return Response({"ok": True})


def widget_clean(request: HttpRequest) -> JsonResponse:
    Widget(name=request.GET.get("name", "")).full_clean()
    return JsonResponse({"ok": True})


urlpatterns = [
    path("api/widgets/clean/", WidgetCleanView.as_view()),
    path("api/plain/widgets/clean/", widget_clean),
]
