"""A view that logs while it works, then fails: for the log context tests."""

import logging

from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from apierrors import APIError

logger = logging.getLogger("views")


class WorkThenFail(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request):
        logger.info("working")
        raise APIError("invalid_product_id", productId="x")


urlpatterns = [path("api/work/", WorkThenFail.as_view())]
