"""What an application raises: catalog errors by code, and field messages with templates."""

from __future__ import annotations

import re
from typing import Any, Final

from rest_framework.exceptions import ErrorDetail

# ``{{ name }}``: the placeholder syntax of message templates in field errors (Symfony's).
TEMPLATE_PLACEHOLDER: Final = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def placeholder(name: str) -> str:
    """``compared_value`` -> ``{{ compared_value }}``: how a template names a parameter."""
    return "{{ " + name + " }}"


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


class TemplatedCode(str):
    """A DRF error code that also carries its message's template and parameters.

    DRF rebuilds every ErrorDetail on the way from a field to the ValidationError the handler
    sees, keeping only the text and the ``code`` attribute as it was: the code is therefore
    the one vehicle that reaches the handler intact. It compares and serializes as the plain code.
    """

    template: str
    parameters: dict[str, Any]

    def __new__(cls, code: str, template: str, parameters: dict[str, Any]) -> TemplatedCode:
        self = super().__new__(cls, code)
        self.template = template
        self.parameters = parameters
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (TemplatedCode, (str(self), self.template, self.parameters))


def fill_template(template: str, parameters: dict[str, Any]) -> str:
    """``{{ name }}`` replaced by each given parameter; unknown names stay as written."""

    def replace(match: re.Match[str]) -> str:
        name = match.group(1)
        return str(parameters[name]) if name in parameters else match.group(0)

    return TEMPLATE_PLACEHOLDER.sub(replace, template)


def violation(template: str, *, code: str = "invalid", **parameters: Any) -> ErrorDetail:
    """A field message for DRF's ValidationError that keeps its template and parameters.

    ``violation("This value must be after {{ compared_value }}", code="greater_than",
    compared_value="dateFrom")`` reads "This value must be after dateFrom" in every format;
    the ``violations`` format also shows the template and ``{"{{ compared_value }}": "dateFrom"}``.
    """
    template = str(template)
    return ErrorDetail(
        fill_template(template, parameters), TemplatedCode(code, template, dict(parameters))
    )
