"""Products, options, units, availability and bookings, in the spirit of OCTO."""

from __future__ import annotations

import uuid

from django.db import models


class Product(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    name = models.CharField(max_length=200)
    # Bookings cannot be cancelled less than this many hours before the start.
    cancellation_cutoff_hours = models.PositiveIntegerField(default=24)

    def __str__(self) -> str:
        return self.name


class Option(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    product = models.ForeignKey(Product, related_name="options", on_delete=models.CASCADE)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    option = models.ForeignKey(Option, related_name="units", on_delete=models.CASCADE)
    name = models.CharField(max_length=100)

    def __str__(self) -> str:
        return self.name


class Availability(models.Model):
    id = models.CharField(primary_key=True, max_length=64)
    option = models.ForeignKey(Option, related_name="availabilities", on_delete=models.CASCADE)
    starts_at = models.DateTimeField()
    vacancies = models.PositiveIntegerField(default=10)

    def __str__(self) -> str:
        return self.id


class Booking(models.Model):
    class Status(models.TextChoices):
        CONFIRMED = "CONFIRMED"
        CANCELLED = "CANCELLED"

    uuid = models.UUIDField(primary_key=True, default=uuid.uuid4)
    availability = models.ForeignKey(Availability, on_delete=models.PROTECT)
    unit = models.ForeignKey(Unit, on_delete=models.PROTECT)
    quantity = models.PositiveIntegerField()
    full_name = models.CharField(max_length=200)
    email = models.EmailField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.CONFIRMED)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.uuid)
