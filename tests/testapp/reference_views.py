"""A small API with one endpoint per example of the reference pages, each failing for real.

Mounted once per format under /api/fmt/<format>/ (tests/urls.py, FORMAT_BY_PATH in the test
settings), so every example can be answered in every format.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core import exceptions as django_exceptions
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import MinLengthValidator, RegexValidator
from django.http import HttpRequest, JsonResponse
from django.shortcuts import get_object_or_404
from rest_framework import exceptions as drf_exceptions
from rest_framework import serializers
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.decorators import api_view, authentication_classes, permission_classes
from rest_framework.permissions import AllowAny, BasePermission
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from apierrors import APIError, violation
from apierrors.formats import error_format
from tests.testapp.exceptions import UpstreamTimeout
from tests.testapp.models import Widget

# Authentication and permissions ---------------------------------------------------------------

API_KEYS: dict[str, frozenset[str]] = {
    "sk_test_full": frozenset({"invoices:write", "payments:write"}),
    "sk_test_readonly": frozenset(),
}


class KeyHolder:
    """The caller holding a valid key; not a database user."""

    is_authenticated = True

    def __init__(self, key: str) -> None:
        self.pk = self.key = key
        self.scopes = API_KEYS[key]

    def get_username(self) -> str:
        return self.key


class ScopedKeyAuthentication(BaseAuthentication):
    """``Authorization: Bearer <key>``; no header is anonymous, an unknown key fails."""

    def authenticate(self, request: Request) -> tuple[Any, str] | None:
        parts = get_authorization_header(request).decode("latin-1").split()
        if not parts:
            return None
        if len(parts) != 2 or parts[0].lower() != "bearer" or parts[1] not in API_KEYS:
            raise drf_exceptions.AuthenticationFailed(code="invalid_api_key")
        return KeyHolder(parts[1]), parts[1]

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'


class IsKeyHolder(BasePermission):
    def has_permission(self, request: Request, view: Any) -> bool:
        return isinstance(request.user, KeyHolder)


class HasScope(BasePermission):
    """The key must hold the view's ``required_scope``; DRF raises with our message and code."""

    code = "insufficient_scope"

    def has_permission(self, request: Request, view: Any) -> bool:
        self.message = f"This API key does not have the '{view.required_scope}' scope."
        return view.required_scope in getattr(request.user, "scopes", ())


class IsAdminKey(BasePermission):
    """No key is an admin key: DRF's PermissionDenied with its default text."""

    def has_permission(self, request: Request, view: Any) -> bool:
        return False


class KeyedView(APIView):
    authentication_classes = [ScopedKeyAuthentication]
    permission_classes = [IsKeyHolder]


class OpenView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]


class FixedWaitThrottle(BaseThrottle):
    """Always over its rate; the client may retry in 42 seconds."""

    def allow_request(self, request: Request, view: Any) -> bool:
        return False

    def wait(self) -> float:
        return 42


# Stripe-style page ----------------------------------------------------------------------------


class InvoiceSerializer(serializers.Serializer):
    customer_id = serializers.CharField(max_length=64)
    amount = serializers.IntegerField(min_value=1)
    lines = serializers.ListField(child=serializers.IntegerField(), required=False)


class InvoiceView(KeyedView):
    permission_classes = [IsKeyHolder, HasScope]
    required_scope = "invoices:write"

    def post(self, request: Request) -> Response:
        serializer = InvoiceSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.validated_data, status=201)


BOOKINGS = {"bk_cancelled": "cancelled", "bk_confirmed": "confirmed"}


class StripeBookingView(OpenView):
    def get(self, request: Request, booking_id: str) -> Response:
        if booking_id not in BOOKINGS:
            raise drf_exceptions.NotFound(
                f"No booking found with ID '{booking_id}'.", code="booking_not_found"
            )
        return Response({"id": booking_id, "status": BOOKINGS[booking_id]})


class StripeBookingCancelView(OpenView):
    def post(self, request: Request, booking_id: str) -> Response:
        if BOOKINGS.get(booking_id) == "cancelled":
            raise APIError("booking_already_cancelled")
        return Response({"id": booking_id, "status": "cancelled"})


# OCTO page ------------------------------------------------------------------------------------

INVENTORY = {
    "kayak-tour": {
        "options": {"DEFAULT": {"units": {"adult", "child"}}},
        "availabilities": {"2030-06-01T09:00:00+02:00"},
    }
}


class OctoUnitItemSerializer(serializers.Serializer):
    unitId = serializers.CharField(max_length=64)


class OctoBookingSerializer(serializers.Serializer):
    productId = serializers.CharField(max_length=64)
    optionId = serializers.CharField(max_length=64)
    availabilityId = serializers.CharField(max_length=64)
    unitItems = OctoUnitItemSerializer(many=True, allow_empty=False)


class OctoProductView(OpenView):
    def get(self, request: Request, product_id: str) -> Response:
        if product_id not in INVENTORY:
            raise APIError("INVALID_PRODUCT_ID", productId=product_id)
        return Response({"id": product_id})


class OctoBookingView(OpenView):
    def post(self, request: Request) -> Response:
        serializer = OctoBookingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        product = INVENTORY.get(data["productId"])
        if product is None:
            raise APIError("INVALID_PRODUCT_ID", productId=data["productId"])
        option = product["options"].get(data["optionId"])
        if option is None:
            raise APIError("INVALID_OPTION_ID", optionId=data["optionId"])
        if data["availabilityId"] not in product["availabilities"]:
            raise APIError("INVALID_AVAILABILITY_ID", availabilityId=data["availabilityId"])
        for item in data["unitItems"]:
            if item["unitId"] not in option["units"]:
                raise APIError("INVALID_UNIT_ID", unitId=item["unitId"])
        return Response({"status": "ON_HOLD"}, status=201)


class OctoCancelView(OpenView):
    def post(self, request: Request, booking_uuid: str) -> Response:
        raise APIError(
            "UNPROCESSABLE_ENTITY",
            detail="Bookings cannot be cancelled less than 24 hours before the start.",
        )


# Violations page ------------------------------------------------------------------------------


class ReservationSearchSerializer(serializers.Serializer):
    dateFrom = serializers.DateField(error_messages={"required": "This value is required"})
    dateTo = serializers.DateField(error_messages={"required": "This value is required"})

    def validate_dateTo(self, value: date) -> date:
        # Compared with the raw dateFrom: a missing or invalid one leaves nothing to be after.
        try:
            start = date.fromisoformat(str(self.initial_data.get("dateFrom")))
        except ValueError:
            start = None
        if start is None or value <= start:
            raise serializers.ValidationError(
                violation(
                    "This value must be after {{ compared_value }}",
                    code="greater_than",
                    compared_value="dateFrom",
                )
            )
        return value


class ReservationView(OpenView):
    def get(self, request: Request, reservation_id: str) -> Response:
        raise APIError("reservation_not_found", reservationId=reservation_id)


class ReservationSearchView(OpenView):
    def post(self, request: Request) -> Response:
        serializer = ReservationSearchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response([])


class ReservationCapacityView(OpenView):
    """Django's ValidationError with named params: the template survives as {{ limit }}."""

    def post(self, request: Request) -> Response:
        guests = int(request.data.get("guests", 0))
        if guests > 8:
            raise DjangoValidationError(
                {
                    "guests": DjangoValidationError(
                        "Ensure this value is at most %(limit)d (it is %(value)d).",
                        code="max_value",
                        params={"limit": 8, "value": guests},
                    )
                }
            )
        return Response({"guests": guests})


# drf-standardized-errors page -----------------------------------------------------------------


class PeerAddressSerializer(serializers.Serializer):
    zipcode = serializers.CharField(max_length=5)


class SignupSerializer(serializers.Serializer):
    name = serializers.CharField()
    email = serializers.EmailField()
    quantity = serializers.IntegerField(min_value=1)
    address = PeerAddressSerializer(required=False)
    tags = serializers.ListField(child=serializers.IntegerField(), required=False)
    items = PeerAddressSerializer(many=True, required=False)
    # Two validators: a short, non-numeric pin has two errors on one field.
    pin = serializers.CharField(
        required=False,
        validators=[MinLengthValidator(4), RegexValidator(r"^[0-9]+$", code="not_digits")],
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs.get("name") == "overlap":
            raise serializers.ValidationError("Dates overlap.", code="overlap")
        return attrs


class SignupView(OpenView):
    def post(self, request: Request) -> Response:
        many = isinstance(request.data, list)
        serializer = SignupSerializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.data, status=201)


class WidgetView(OpenView):
    def get(self, request: Request, pk: int) -> Response:
        widget = get_object_or_404(Widget, pk=pk)
        return Response({"id": widget.pk, "name": widget.name})

    def delete(self, request: Request, pk: int) -> Response:
        Widget.objects.get(size=1)  # MultipleObjectsReturned once two widgets share a size
        return Response(status=204)


class ThrottledView(OpenView):
    throttle_classes = [FixedWaitThrottle]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class CrashView(OpenView):
    def get(self, request: Request) -> Response:
        raise RuntimeError("secret internals: password=hunter2")


# Catalog-style page ---------------------------------------------------------------------------


class AccountView(KeyedView):
    """Any key may read it; no key may delete it (DRF's own PermissionDenied)."""

    def get_permissions(self) -> list[BasePermission]:
        if self.request.method == "DELETE":
            return [IsKeyHolder(), IsAdminKey()]
        return super().get_permissions()

    def get(self, request: Request) -> Response:
        return Response({"key": request.user.key})

    def delete(self, request: Request) -> Response:
        return Response(status=204)


class WidgetCreateView(OpenView):
    def post(self, request: Request) -> Response:
        name = str(request.data.get("name", "twin"))
        Widget.objects.create(name=name)
        Widget.objects.create(name=name)  # IntegrityError: names are unique
        return Response(status=201)


class WidgetCleanView(OpenView):
    """A model's own validation (Django passes the submitted value among the params)."""

    def post(self, request: Request) -> Response:
        Widget(name=str(request.data.get("name", ""))).full_clean()
        return Response(status=204)


# kind -> what the endpoint raises, for catalog entries no DRF or Django failure stands for.
CATALOG_RAISERS: dict[str, Any] = {
    "bad_request": lambda: django_exceptions.BadRequest("malformed Range header"),
    "credit_card_check": lambda: APIError("credit_card_check"),
    "request_timeout": lambda: APIError("request_timeout"),
    "payload_too_large": lambda: django_exceptions.RequestDataTooBig("body over the limit"),
    "token_required": lambda: APIError("token_required"),
    "missing_default_value": lambda: APIError("missing_default_value"),
    "bad_gateway": lambda: APIError("bad_gateway"),
    "service_unavailable": lambda: APIError("service_unavailable"),
    "gateway_timeout": lambda: UpstreamTimeout("https://user:pw@upstream/slow"),
}


class CatalogExampleView(OpenView):
    def get(self, request: Request, kind: str) -> Response:
        factory = CATALOG_RAISERS.get(kind)
        if factory is None:
            raise drf_exceptions.NotFound()
        raise factory()


# Fields named like envelope members -----------------------------------------------------------


class EnvelopeNamesSerializer(serializers.Serializer):
    status = serializers.IntegerField()
    title = serializers.CharField()
    type = serializers.CharField()
    error = serializers.CharField()
    errorMessage = serializers.CharField()
    errors = serializers.CharField()
    code = serializers.CharField()
    detail = serializers.CharField()
    description = serializers.CharField()


class EnvelopeNamesView(OpenView):
    def post(self, request: Request) -> Response:
        EnvelopeNamesSerializer(data=request.data).is_valid(raise_exception=True)
        return Response(status=201)


class SnakeCaseSerializer(serializers.Serializer):
    date_from = serializers.DateField()
    billing_address = PeerAddressSerializer()
    line_items = PeerAddressSerializer(many=True)


class SnakeCaseView(OpenView):
    def post(self, request: Request) -> Response:
        serializer = SnakeCaseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        return Response(status=201)


class EchoParamsView(OpenView):
    """Params named like OCTO's own members, public and not."""

    def get(self, request: Request, code: str) -> Response:
        raise APIError(
            code, error="overwritten", errorMessage="overwritten", errors="x", productId="123"
        )


# Choosing the format per view -----------------------------------------------------------------


class StripeAttributeView(OpenView):
    error_format = "stripe"

    def get(self, request: Request) -> Response:
        raise drf_exceptions.NotFound()


@error_format("violations")
class ViolationsDecoratedView(OpenView):
    def get(self, request: Request) -> Response:
        raise drf_exceptions.NotFound()


@error_format("octo")
@api_view(["GET"])
@authentication_classes([])
@permission_classes([AllowAny])
def octo_function_view(request: Request) -> Response:
    raise APIError("INVALID_PRODUCT_ID", productId="fn")


@error_format("standardized")
def plain_standardized_view(request: HttpRequest) -> JsonResponse:
    raise django_exceptions.PermissionDenied("staff only")
