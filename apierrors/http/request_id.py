"""The request id: the client's own (REQUEST_ID_HEADER) when valid, else a new one."""

from __future__ import annotations

import functools
from typing import Any, Final

from apierrors.conf import apierrors_settings
from apierrors.core.ids import new_request_id, valid_request_id

# Request attribute holding the request id the middleware chose.
REQUEST_ID_ATTR: Final = "request_id"


def request_id_of(request: Any) -> str:
    """The id the middleware chose for the request, else the client's own when its
    REQUEST_ID_HEADER holds a valid one, else a new one."""
    chosen = getattr(request, REQUEST_ID_ATTR, None)
    if chosen:
        return str(chosen)
    name = _meta_key(apierrors_settings.REQUEST_ID_HEADER)
    return valid_request_id(request.META.get(name)) or new_request_id()


def request_id_from_client(request: Any, request_id: str) -> bool:
    """Whether ``request_id`` is the one the client sent (any client may send any id)."""
    meta = getattr(request, "META", None)
    if not isinstance(meta, dict) or not request_id:
        return False
    return meta.get(_meta_key(apierrors_settings.REQUEST_ID_HEADER)) == request_id


@functools.lru_cache(maxsize=8)
def _meta_key(header: str) -> str:
    """Where a request header is found in ``request.META`` (read directly: building
    ``request.headers`` converts every header of the request)."""
    return "HTTP_" + header.upper().replace("-", "_")
