"""One URL per example of the reference pages; tests/urls.py mounts it once per format."""

from django.urls import path

from apierrors.formats import error_format
from tests.testapp import reference_views as views

urlpatterns = [
    # Stripe-style
    path("invoices/", views.InvoiceView.as_view()),
    path("bookings/<str:booking_id>/", views.StripeBookingView.as_view()),
    path("bookings/<str:booking_id>/cancel/", views.StripeBookingCancelView.as_view()),
    # OCTO
    path("octo/products/<str:product_id>/", views.OctoProductView.as_view()),
    path("octo/bookings/", views.OctoBookingView.as_view()),
    path("octo/bookings/<str:booking_uuid>/cancel/", views.OctoCancelView.as_view()),
    # Violations
    path("reservations/search/", views.ReservationSearchView.as_view()),
    path("reservations/capacity/", views.ReservationCapacityView.as_view()),
    path("reservations/<str:reservation_id>/", views.ReservationView.as_view()),
    # drf-standardized-errors
    path("signup/", views.SignupView.as_view()),
    path("widgets/<int:pk>/", views.WidgetView.as_view()),
    path("throttled/", views.ThrottledView.as_view()),
    path("crash/", views.CrashView.as_view()),
    # Catalog-style
    path("account/", views.AccountView.as_view()),
    path("widgets/", views.WidgetCreateView.as_view()),
    path("widgets/clean/", views.WidgetCleanView.as_view()),
    path("catalog/<str:kind>/", views.CatalogExampleView.as_view()),
    # Field names, params, per-view formats
    path("envelope-names/", views.EnvelopeNamesView.as_view()),
    path("snake-case/", views.SnakeCaseView.as_view()),
    path("echo-params/<str:code>/", views.EchoParamsView.as_view()),
    path("views/stripe-attribute/", views.StripeAttributeView.as_view()),
    # The same class, one mount in another format: the URL's choice beats the class's.
    path(
        "views/stripe-attribute-as-octo/", error_format("octo")(views.StripeAttributeView.as_view())
    ),
    path("views/violations-decorated/", views.ViolationsDecoratedView.as_view()),
    path("views/octo-function/", views.octo_function_view),
    path("views/plain-standardized/", views.plain_standardized_view),
]
