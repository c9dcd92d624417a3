"""API-key authentication: "Authorization: Bearer <key>", as OCTO suppliers do it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from apierrors import APIError


class APIClient:
    """The caller holding a valid key; not a database user."""

    pk = "api-client"
    is_authenticated = True
    is_active = True

    def get_username(self) -> str:
        return "api-client"


class APIKeyAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, str] | None:
        header = get_authorization_header(request).decode("latin-1").split()
        if not header:
            return None  # IsAuthenticated then answers UNAUTHORIZED
        if len(header) != 2 or header[0].lower() != "bearer" or header[1] != settings.DEMO_API_KEY:
            raise APIError("FORBIDDEN")
        return APIClient(), header[1]

    def authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="api"'
