from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/t/", include("tests.testapp.urls")),
    path("api/catalog-style/t/", include("tests.testapp.urls")),
    path("html/", include("tests.testapp.html_urls")),
    # The reference pages' examples, once per format: /api/fmt/<format>/...
    *(
        path(f"api/fmt/{name}/", include("tests.testapp.reference_urls"))
        for name in ("problem", "octo", "stripe", "catalog", "violations", "standardized")
    ),
    path("api/catalog-style/", include("project.booking.urls")),
    path("api/", include("project.booking.urls")),
]
