"""The test URLs with the error reference mounted, as a site documenting its errors would."""

from django.urls import include, path

from tests.urls import urlpatterns as base_patterns

urlpatterns = [path("errors/", include("apierrors.urls")), *base_patterns]
