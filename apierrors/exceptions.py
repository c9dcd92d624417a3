"""The exception an application raises to answer with a catalog error."""

from __future__ import annotations

from typing import Any


class APIError(Exception):
    """Raise a catalog error by code: ``raise APIError("invalid_product_id", productId=pk)``.

    ``detail`` replaces the catalog message when the entry is public; ``status`` overrides the
    catalog's HTTP status; every other keyword is a param, echoed where the format has room and
    available to ``{name}`` placeholders in the catalog's texts.
    """

    def __init__(
        self, code: str, *, detail: str | None = None, status: int | None = None, **params: Any
    ) -> None:
        self.code = code
        self.detail = detail
        self.status = status
        self.params = params
        super().__init__(detail or code)

    def __repr__(self) -> str:
        params = "".join(f", {key}={value!r}" for key, value in self.params.items())
        return f"APIError({self.code!r}, detail={self.detail!r}, status={self.status!r}{params})"
