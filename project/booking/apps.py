"""The demo's booking API."""

from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "project.booking"
    label = "booking"
    default_auto_field = "django.db.models.BigAutoField"
