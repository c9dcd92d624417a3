from django.urls import path

from project.booking import views

urlpatterns = [
    path("products/", views.ProductListView.as_view()),
    path("products/<str:product_id>/", views.ProductDetailView.as_view()),
    path("bookings/", views.BookingListView.as_view()),
    path("bookings/<str:booking_uuid>/", views.BookingDetailView.as_view()),
    path("bookings/<str:booking_uuid>/cancel/", views.BookingCancelView.as_view()),
    path("crash/", views.CrashView.as_view()),
    path("legacy/products/<str:product_id>/", views.legacy_product),
    path("legacy/crash/", views.legacy_crash),
]
