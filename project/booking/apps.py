"""The demo's booking API."""

from django.apps import AppConfig, apps


class BookingConfig(AppConfig):
    name = "project.booking"
    label = "booking"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        if apps.is_installed("drf_spectacular"):
            # Registers the API key's security scheme with drf-spectacular.
            from project.booking import schema  # noqa: F401
