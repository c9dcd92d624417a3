"""The smoke site's one API view, which refuses every card."""

from __future__ import annotations

from django.urls import path
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apierrors import APIError


class CardCheck(APIView):
    authentication_classes = ()
    permission_classes = ()

    def get(self, request: Request) -> Response:
        raise APIError("credit_card_check")


urlpatterns = [path("api/card-check/", CardCheck.as_view())]
