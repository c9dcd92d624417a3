"""A URLconf whose view names a format that does not exist: apierrors.E102 at start-up."""

from django.urls import path
from rest_framework.response import Response
from rest_framework.views import APIView

from apierrors.formats import error_format


@error_format("no_such_format")
class MisconfiguredView(APIView):
    def get(self, request):
        return Response({})


urlpatterns = [path("api/misconfigured/", MisconfiguredView.as_view())]
