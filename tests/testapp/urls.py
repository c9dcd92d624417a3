from django.urls import path

from tests.testapp import views

urlpatterns = [
    path("raise/<str:kind>/", views.RaiseView.as_view()),
    path("echo-code/", views.EchoCodeView.as_view()),
    path("orders/", views.OrderView.as_view()),
    path("protected/", views.ProtectedView.as_view()),
    path("write/<str:kind>/", views.WidgetWriteView.as_view()),
    path("browsable-raise/<str:kind>/", views.BrowsableRaiseView.as_view()),
    path("never-cached-write/<str:kind>/", views.never_cached_write),
    path("marked-raise/<str:kind>/", views.marked_raise),
    path("plain-discarding/<str:kind>/", views.plain_discarding),
    path("override/<str:kind>/", views.FormatOverrideView.as_view()),
    path("session-raise/<str:kind>/", views.SessionRaiseView.as_view()),
    path("plain/<str:kind>/", views.plain_raise),
    path("plain-write/<str:kind>/", views.plain_write),
    path("data/<str:kind>/", views.DataView.as_view()),
    path("injected/", views.InjectedView.as_view()),
    path("plain-injected/", views.plain_injected),
    path("auth-trap/<str:kind>/", views.AuthTrapView.as_view()),
]
