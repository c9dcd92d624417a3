"""Violations-style bodies: status, description, errors; validation adds details, violations."""

from __future__ import annotations

from typing import Any

from apierrors.core.error import ClientError
from apierrors.core.exceptions import placeholder
from apierrors.formats.base import Formatter, dotted_path


class ViolationsFormatter(Formatter):
    """A general error is ``status``, ``description`` and ``errors`` (its message).

    A validation error adds, per field error: ``"path: message"`` in ``errors``, the message
    grouped under its path in ``details``, and a ``violations`` item with ``propertyPath``,
    ``title`` (the message), ``template`` and ``parameters`` keyed ``{{ name }}``, as Symfony's
    validator reports them. A message raised without a template is its own template.
    """

    name = "violations"

    def body(self, error: ClientError) -> dict[str, Any]:
        body: dict[str, Any] = {
            "status": self.status_code(error),
            "description": error.message,
        }
        if not error.field_errors:
            body["errors"] = [error.message]
            return body
        errors: list[str] = []
        details: dict[str, list[dict[str, str]]] = {}
        violations: list[dict[str, Any]] = []
        for item in error.field_errors:
            path = dotted_path(item.path)
            errors.append(f"{path}: {item.message}" if path else item.message)
            details.setdefault(path, []).append({"message": item.message})
            violations.append(
                {
                    "propertyPath": path,
                    "title": item.message,
                    "template": item.template or item.message,
                    "parameters": {
                        placeholder(name): value for name, value in item.parameters.items()
                    },
                }
            )
        body.update(errors=errors, details=details, violations=violations)
        return body
