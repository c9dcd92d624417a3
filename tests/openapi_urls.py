"""The demo's URLs plus one throttled view, for the OpenAPI tests."""

from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from project.urls import urlpatterns as demo_patterns


class BurstThrottle(AnonRateThrottle):
    rate = "1000/min"


class ThrottledView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]
    throttle_classes = [BurstThrottle]
    error_format = "catalog"

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request):
        return Response({"ok": True})


urlpatterns = [path("api/throttled/", ThrottledView.as_view()), *demo_patterns]
