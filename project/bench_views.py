"""The benchmark's one view: a 200, a 404, a 400 with three field errors or a crash, by URL."""

from __future__ import annotations

from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView


class BenchBookingSerializer(serializers.Serializer):
    productId = serializers.CharField()
    optionId = serializers.CharField()
    unitId = serializers.CharField()


class BenchView(APIView):
    """The same view for every scenario, so the 200 is the ceiling the errors are held to."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request: Request, scenario: str) -> Response:
        if scenario == "not_found":
            raise NotFound()
        if scenario == "invalid":
            BenchBookingSerializer(data={}).is_valid(raise_exception=True)
        if scenario == "crash":
            raise RuntimeError("benchmark: an unhandled bug")
        return Response({"id": "kayak-tour", "name": "Sunset Kayak Tour", "scenario": scenario})
