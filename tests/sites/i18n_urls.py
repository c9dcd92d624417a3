"""A site whose URLs carry the language (i18n_patterns): the prefix chooses it."""

from django.conf.urls.i18n import i18n_patterns
from django.urls import include, path

urlpatterns = i18n_patterns(path("api/t/", include("tests.testapp.urls")))
