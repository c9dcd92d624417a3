"""URLs that need no drf-spectacular: the test views and the error reference."""

from django.urls import include, path

urlpatterns = [
    path("errors/", include("apierrors.urls")),
    path("api/t/", include("tests.testapp.urls")),
]
