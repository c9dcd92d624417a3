"""demo_seed: the demo's products, availability, two bookings and an admin account. Idempotent."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.utils import timezone

from project.booking.models import Availability, Booking, Option, Product, Unit

# Fixed ids, so the quickstart's curl calls (docs/quickstart.md) work on every machine.
SOON_BOOKING = uuid.UUID("11111111-1111-4111-8111-111111111111")
LATER_BOOKING = uuid.UUID("22222222-2222-4222-8222-222222222222")
ADMIN_USERNAME = "admin"
ADMIN_PASSWORD = "admin-demo-password"


class Command(BaseCommand):
    help = "Load the demo's booking data and create the demo admin account."

    def handle(self, *args: Any, **options: Any) -> None:
        now = timezone.now().replace(second=0, microsecond=0)
        kayak, _ = Product.objects.update_or_create(
            id="kayak-tour", defaults={"name": "Sunset Kayak Tour", "cancellation_cutoff_hours": 24}
        )
        option, _ = Option.objects.update_or_create(
            id="standard", defaults={"product": kayak, "name": "Standard"}
        )
        Unit.objects.update_or_create(id="adult", defaults={"option": option, "name": "Adult"})
        Unit.objects.update_or_create(id="senior", defaults={"option": option, "name": "Senior"})
        soon, _ = Availability.objects.update_or_create(
            id="soon", defaults={"option": option, "starts_at": now + timedelta(hours=2)}
        )
        later, _ = Availability.objects.update_or_create(
            id="later", defaults={"option": option, "starts_at": now + timedelta(days=30)}
        )
        adult = Unit.objects.get(id="adult")
        for booking_uuid, availability in ((SOON_BOOKING, soon), (LATER_BOOKING, later)):
            Booking.objects.update_or_create(
                uuid=booking_uuid,
                defaults={
                    "availability": availability,
                    "unit": adult,
                    "quantity": 1,
                    "full_name": "Ada Lovelace",
                    "email": "ada@example.com",
                    "status": Booking.Status.CONFIRMED,
                },
            )
        user_model = get_user_model()
        admin = user_model.objects.filter(username=ADMIN_USERNAME).first()
        if admin is None:
            user_model.objects.create_superuser(ADMIN_USERNAME, "admin@example.com", ADMIN_PASSWORD)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))
        self.stdout.write(
            f"  admin:   http://127.0.0.1:8000/admin/"
            f"  user {ADMIN_USERNAME!r}  password {ADMIN_PASSWORD!r}"
        )
        self.stdout.write(f"  API key: Authorization: Bearer {settings.DEMO_API_KEY}")
