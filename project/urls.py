"""The demo's URLs: the API under /api/ (and again under /api/catalog-style/), the admin."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/")),
    path("admin/", admin.site.urls),
    path("api/catalog-style/", include("project.booking.urls")),
    path("api/", include("project.booking.urls")),
]
