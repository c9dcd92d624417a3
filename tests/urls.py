from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/t/", include("tests.testapp.urls")),
    path("api/catalog-style/t/", include("tests.testapp.urls")),
    path("html/", include("tests.testapp.html_urls")),
    path("api/catalog-style/", include("project.booking.urls")),
    path("api/", include("project.booking.urls")),
]
