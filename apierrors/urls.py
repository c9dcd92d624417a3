"""The error reference, mountable anywhere: path("errors/", include("apierrors.urls"))."""

from __future__ import annotations

from django.urls import path

from apierrors.reference import views

app_name = "apierrors"

urlpatterns = [
    path("", views.reference_page, name="reference"),
    path("catalog.json", views.reference_json, name="reference_json"),
]
