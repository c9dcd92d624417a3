"""The demo's endpoints; each failure is a real error answered from the catalog."""

from __future__ import annotations

import uuid as uuid_module
from datetime import timedelta

from django.db import transaction
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apierrors import APIError
from project.booking.models import Availability, Booking, Option, Product
from project.booking.serializers import (
    BookingRequestSerializer,
    BookingSerializer,
    ProductSerializer,
)


def _product(product_id: str) -> Product:
    try:
        return Product.objects.get(pk=product_id)
    except Product.DoesNotExist:
        raise APIError("INVALID_PRODUCT_ID", productId=product_id) from None


def _booking(booking_uuid: str) -> Booking:
    try:
        return Booking.objects.select_related("availability__option__product").get(
            pk=uuid_module.UUID(booking_uuid)
        )
    except (ValueError, Booking.DoesNotExist):
        raise APIError("INVALID_BOOKING_UUID", uuid=booking_uuid) from None


def _product_data(product: Product) -> dict:
    return {
        "id": product.id,
        "name": product.name,
        "options": [
            {
                "id": option.id,
                "name": option.name,
                "units": [{"id": u.id, "name": u.name} for u in option.units.all()],
            }
            for option in product.options.all()
        ],
    }


def _booking_data(booking: Booking) -> dict:
    return {
        "uuid": str(booking.uuid),
        "status": booking.status,
        "availabilityId": booking.availability_id,
        "unitId": booking.unit_id,
        "quantity": booking.quantity,
    }


class ProductListView(APIView):
    @extend_schema(responses=ProductSerializer(many=True))
    def get(self, request: Request) -> Response:
        products = Product.objects.prefetch_related("options__units")
        return Response([_product_data(product) for product in products])


class ProductDetailView(APIView):
    # The catalog codes this view raises, listed in its OpenAPI error responses.
    error_codes = ["invalid_product_id"]

    @extend_schema(responses=ProductSerializer)
    def get(self, request: Request, product_id: str) -> Response:
        return Response(_product_data(_product(product_id)))


class BookingListView(APIView):
    error_codes = [
        "invalid_product_id",
        "invalid_option_id",
        "invalid_availability_id",
        "invalid_unit_id",
    ]

    @extend_schema(request=BookingRequestSerializer, responses={201: BookingSerializer})
    def post(self, request: Request) -> Response:
        serializer = BookingRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = _product(data["productId"])
        try:
            option = product.options.get(pk=data["optionId"])
        except Option.DoesNotExist:
            raise APIError("INVALID_OPTION_ID", optionId=data["optionId"]) from None
        try:
            availability = option.availabilities.get(pk=data["availabilityId"])
        except Availability.DoesNotExist:
            raise APIError(
                "INVALID_AVAILABILITY_ID", availabilityId=data["availabilityId"]
            ) from None
        unit_ids = [item["unitId"] for item in data["unitItems"]]
        units = {unit.id: unit for unit in option.units.filter(pk__in=unit_ids)}
        for unit_id in unit_ids:
            if unit_id not in units:
                raise APIError("INVALID_UNIT_ID", unitId=unit_id)
        booking = Booking.objects.create(
            availability=availability,
            unit=units[unit_ids[0]],
            quantity=len(unit_ids),
            full_name=data["contact"]["fullName"],
            email=data["contact"]["emailAddress"],
        )
        return Response(_booking_data(booking), status=201)


class BookingDetailView(APIView):
    error_codes = ["invalid_booking_uuid"]

    @extend_schema(responses=BookingSerializer)
    def get(self, request: Request, booking_uuid: str) -> Response:
        return Response(_booking_data(_booking(booking_uuid)))


class BookingCancelView(APIView):
    error_codes = ["invalid_booking_uuid", "booking_already_cancelled", "unprocessable_entity"]

    @extend_schema(request=None, responses=BookingSerializer)
    def post(self, request: Request, booking_uuid: str) -> Response:
        booking = _booking(booking_uuid)
        if booking.status == Booking.Status.CANCELLED:
            raise APIError("booking_already_cancelled")
        product = booking.availability.option.product
        cutoff = booking.availability.starts_at - timedelta(hours=product.cancellation_cutoff_hours)
        # The status change is written first: the error below must roll it back.
        booking.status = Booking.Status.CANCELLED
        booking.save(update_fields=["status"])
        if timezone.now() > cutoff:
            raise APIError(
                "UNPROCESSABLE_ENTITY",
                detail=(
                    f"Bookings for {product.name} cannot be cancelled less than "
                    f"{product.cancellation_cutoff_hours} hours before the start."
                ),
            )
        return Response(_booking_data(booking))


class CrashView(APIView):
    """An unhandled bug: answered as a non-public 500, its traceback kept in the log."""

    permission_classes = [AllowAny]

    @extend_schema(responses={200: OpenApiTypes.OBJECT})
    def get(self, request: Request) -> Response:
        ratio = 1 / (len(request.query_params) * 0)
        return Response({"ratio": ratio})


def legacy_product(request: HttpRequest, product_id: str) -> JsonResponse:
    """A plain Django view under /api/: its Http404 is answered by the middleware."""
    product = get_object_or_404(Product, pk=product_id)
    return JsonResponse({"id": product.id, "name": product.name})


@transaction.non_atomic_requests
def legacy_crash(request: HttpRequest) -> JsonResponse:
    raise RuntimeError("legacy view failed: connection string postgres://admin:hunter2@db/prod")
