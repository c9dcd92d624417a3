"""One view per failure mode: each raises what its name says."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core import exceptions as django_exceptions
from django.db import DatabaseError, OperationalError, connection
from django.http import Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from rest_framework import exceptions as drf_exceptions
from rest_framework.authentication import SessionAuthentication
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from apierrors import APIError
from apierrors.handler import exception_handler
from project.booking.auth import APIKeyAuthentication
from tests.testapp.exceptions import UpstreamSlowTimeout, UpstreamTimeout
from tests.testapp.models import Part, Widget
from tests.testapp.serializers import OrderSerializer


def raising(factory: Callable[[], BaseException]) -> Callable[[], None]:
    def raiser() -> None:
        raise factory()

    return raiser


def _integrity() -> None:
    Widget.objects.create(name="twin")
    Widget.objects.create(name="twin")


def _protected() -> None:
    widget = Widget.objects.create(name="held")
    Part.objects.create(widget=widget)
    widget.delete()


def _multiple() -> None:
    Widget.objects.create(name="a")
    Widget.objects.create(name="b")
    Widget.objects.get(size=1)


def _model_clean() -> None:
    Widget(name="neg", size=-1).full_clean()


def _crash() -> None:
    raise RuntimeError("secret internals: password=hunter2 at /srv/app/settings.py")


def _bad_sql() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT secret_column FROM no_such_table_xyz WHERE password = 'hunter2'")


RAISERS: dict[str, Callable[[], None]] = {
    "api_error": raising(lambda: APIError("INVALID_PRODUCT_ID", productId="123")),
    "api_error_detail": raising(
        lambda: APIError("invalid_product_id", detail="Product 123 is retired.", productId="123")
    ),
    "api_error_status": raising(lambda: APIError("conflict", status=423)),
    "unknown_code": raising(lambda: APIError("no_such_code", where="here")),
    "parse": raising(lambda: drf_exceptions.ParseError("JSON parse error - Expecting value")),
    "authentication_failed": raising(lambda: drf_exceptions.AuthenticationFailed()),
    "permission_denied": raising(lambda: drf_exceptions.PermissionDenied()),
    "not_found": raising(lambda: drf_exceptions.NotFound()),
    "not_found_custom": raising(lambda: drf_exceptions.NotFound("No widget 7.")),
    "not_found_coded": raising(lambda: drf_exceptions.NotFound(code="booking_not_found")),
    "not_acceptable": raising(lambda: drf_exceptions.NotAcceptable()),
    "unsupported_media_type": raising(lambda: drf_exceptions.UnsupportedMediaType("text/csv")),
    "throttled": raising(lambda: drf_exceptions.Throttled(wait=41.2)),
    "http404": raising(lambda: Http404("No Widget matches the given query.")),
    "django_permission_denied": raising(lambda: django_exceptions.PermissionDenied("staff only")),
    "does_not_exist": lambda: Widget.objects.get(pk=999_999),
    "model_clean": _model_clean,
    "integrity": _integrity,
    "protected": _protected,
    "multiple": _multiple,
    "too_big": raising(lambda: django_exceptions.RequestDataTooBig("too big")),
    "operational": raising(lambda: OperationalError("could not connect to server at 10.0.0.5")),
    "database": raising(lambda: DatabaseError("relation does not exist")),
    "configured": raising(lambda: UpstreamTimeout("https://user:pw@upstream/")),
    "configured_subclass": raising(lambda: UpstreamSlowTimeout("slow")),
    "crash": _crash,
    "bad_sql": _bad_sql,
    "recursion": raising(lambda: RecursionError("maximum recursion depth exceeded in /srv/x.py")),
}


class RaiseView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def dispatch_kind(self, kind: str) -> Response:
        raiser = RAISERS.get(kind)
        if raiser is None:
            return Response({"unknown": kind}, status=200)
        raiser()
        return Response({"ok": True})

    def get(self, request: Request, kind: str) -> Response:
        return self.dispatch_kind(kind)

    def post(self, request: Request, kind: str) -> Response:
        return self.dispatch_kind(kind)


class OrderView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request: Request) -> Response:
        many = isinstance(request.data, list)
        serializer = OrderSerializer(data=request.data, many=many)
        serializer.is_valid(raise_exception=True)
        return Response(serializer.data, status=201)


class ProtectedView(APIView):
    authentication_classes = [APIKeyAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request) -> Response:
        return Response({"ok": True})


class WidgetWriteView(APIView):
    """Writes a row, then fails: under ATOMIC_REQUESTS the row must be rolled back."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def post(self, request: Request, kind: str) -> Response:
        Widget.objects.create(name=f"written-{kind}")
        RAISERS[kind]()
        return Response({"ok": True})


class BrowsableRaiseView(RaiseView):
    """Two renderers: DRF's finalize_response adds Vary: Accept."""

    renderer_classes = [JSONRenderer, BrowsableAPIRenderer]


# DRF's view wrapped in a decorator that reads its response inside the view's transaction.
never_cached_write = never_cache(WidgetWriteView.as_view())


def marking(view: Callable[..., Any]) -> Callable[..., Any]:
    """A decorator that writes on the view's response: a header the answer sets too, one of its
    own, and a cookie."""

    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        response = view(request, *args, **kwargs)
        response["Content-Language"] = "de"
        response["X-Marked"] = "yes"
        response.set_cookie("seen", "1")
        return response

    return wrapped


marked_raise = marking(RaiseView.as_view())


def plain_discarding(request: HttpRequest, kind: str) -> JsonResponse:
    """Calls a DRF view that fails and answers without reading its response."""
    RaiseView.as_view()(request, kind=kind)
    return JsonResponse({"discarded": kind})


def status_tagging_exception_handler(exc: Exception, context: dict) -> Response:
    """A site's own EXCEPTION_HANDLER around ours, reading the status it answered."""
    response = exception_handler(exc, context)
    response["X-Status-Seen"] = str(response.status_code)
    return response


class FormatOverrideView(RaiseView):
    error_format = "catalog"


class SessionRaiseView(RaiseView):
    """Authenticates with Django's session: DRF takes the user Django's middleware left."""

    authentication_classes = [SessionAuthentication]
    permission_classes = [IsAuthenticated]


def plain_raise(request: HttpRequest, kind: str) -> JsonResponse:
    RAISERS[kind]()
    return JsonResponse({"ok": True})


def plain_write(request: HttpRequest, kind: str) -> JsonResponse:
    Widget.objects.create(name=f"plain-{kind}")
    RAISERS[kind]()
    return JsonResponse({"ok": True})


class DataView(RaiseView):
    """Reads the body through DRF's parsers first, then raises: the log sees parsed data."""

    def post(self, request: Request, kind: str) -> Response:
        request.data  # noqa: B018 - parsing is the point
        return self.dispatch_kind(kind)


# The exception InjectedView raises next: property tests put any exception here.
INJECTED: list[BaseException] = []


class InjectedView(APIView):
    authentication_classes: list = []
    permission_classes = [AllowAny]

    def dispatch_injected(self, request: Request) -> Response:
        if "parse" in request.query_params:
            request.data  # noqa: B018 - the log then sees what DRF's parsers made of the body
        raise INJECTED[0]

    get = post = put = patch = delete = dispatch_injected


def plain_injected(request: HttpRequest) -> JsonResponse:
    if "parse" in request.GET:
        request.POST  # noqa: B018 - Django parses form bodies; the log then sees them
    raise INJECTED[0]


class CountingAuthentication(APIKeyAuthentication):
    """Counts every authentication DRF runs; raises what a careless authenticator raises."""

    calls: list[str] = []

    def authenticate(self, request: Request):
        CountingAuthentication.calls.append(request._request.path)
        if request._request.headers.get("X-Auth-Crash"):
            raise RuntimeError("authentication backend unreachable: token=abc123")
        return super().authenticate(request)


class NoVersioning:
    """A versioning scheme that rejects every request: it runs before authentication."""

    def determine_version(self, request, *args, **kwargs):
        raise drf_exceptions.NotFound("Invalid version in URL path.")

    def reverse(self, *args, **kwargs):  # pragma: no cover - never reached
        raise NotImplementedError


class AuthTrapView(APIView):
    """Errors raised before and during authentication; the handler must not authenticate."""

    authentication_classes = [CountingAuthentication]
    permission_classes = [IsAuthenticated]

    def get(self, request: Request, kind: str) -> Response:
        raise APIError("invalid_product_id", productId=kind)

    def initial(self, request: Request, *args, **kwargs) -> None:
        if kwargs.get("kind") == "versioning":
            self.versioning_class = NoVersioning
        super().initial(request, *args, **kwargs)

    def get_renderers(self):
        from rest_framework.renderers import JSONRenderer

        return [JSONRenderer()]


class EchoCodeView(APIView):
    """A site that passes a client's input to APIError: a code from an upstream, say."""

    authentication_classes: list = []
    permission_classes = [AllowAny]

    def get(self, request: Request) -> Response:
        raise APIError(request.query_params.get("code", ""))
