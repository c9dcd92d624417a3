"""The demo's URLs: the API under /api/ (and again under /api/catalog-style/), the admin,
the error reference under /errors/, the OpenAPI schema with Swagger UI and Redoc under /schema/."""

from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

urlpatterns = [
    path("", RedirectView.as_view(url="/admin/")),
    path("admin/", admin.site.urls),
    path("errors/", include("apierrors.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("schema/swagger/", SpectacularSwaggerView.as_view(url_name="schema"), name="swagger"),
    path("schema/redoc/", SpectacularRedocView.as_view(url_name="schema"), name="redoc"),
    path("api/catalog-style/", include("project.booking.urls")),
    path("api/", include("project.booking.urls")),
]
