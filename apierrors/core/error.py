"""What the client is told: a ClientError, decided safe, which every format renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apierrors.core.entry import Entry
from apierrors.core.resolve import FieldError


@dataclass(frozen=True, slots=True)
class ClientError:
    """Everything a format may put on the wire, already decided safe for the client."""

    code: str
    status_code: int
    category: str
    title: str
    message: str
    action: str
    is_public: bool
    is_retryable: bool
    doc_url: str
    error_id: str
    request_id: str
    language: str
    instance: str
    # The raiser's params; empty unless the entry is public (non-public params stay in the log).
    params: dict[str, Any] = field(default_factory=dict)
    field_errors: tuple[FieldError, ...] = ()
    # DRF's own code and text for a DRF exception (or Django's Http404 / PermissionDenied), in
    # the response language; empty when the error did not come from DRF or is not public.
    drf_code: str = ""
    drf_detail: str = ""


def client_error(
    entry: Entry,
    *,
    error_id: str,
    request_id: str,
    instance: str,
    doc_url: str = "",
    field_errors: tuple[FieldError, ...] = (),
) -> ClientError:
    """What a client is sent for ``entry`` when no exception text applies."""
    return ClientError(
        code=entry.code,
        status_code=entry.status_code,
        category=entry.category,
        title=entry.title,
        message=entry.message,
        action=entry.action,
        is_public=entry.is_public,
        is_retryable=entry.is_retryable,
        doc_url=doc_url,
        error_id=error_id,
        request_id=request_id,
        language=entry.language,
        instance=instance,
        field_errors=field_errors,
    )
