"""The demo's URLs plus the benchmark's view at /api/bench/<scenario>/ (ok, not_found, ...)."""

from django.urls import path

from project.bench_views import BenchView
from project.urls import urlpatterns as demo_urlpatterns

urlpatterns = [
    path("api/bench/<str:scenario>/", BenchView.as_view()),
    *demo_urlpatterns,
]
