"""Paths outside API_PREFIXES: Django answers their errors, not the app."""

from django.urls import path

from tests.testapp import views

urlpatterns = [path("plain/<str:kind>/", views.plain_raise)]
