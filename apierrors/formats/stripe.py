"""The Stripe-style envelope: ``{"error": {"type", "code", "message", "param", "doc_url"}}``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rest_framework.settings import api_settings as drf_settings

from apierrors.core.error import ClientError
from apierrors.core.resolve import FieldError, PathPart, Problem, camel_case
from apierrors.formats.base import Formatter, dotted_path


class StripeFormatter(Formatter):
    """One error per response, as Stripe-style clients expect.

    ``type`` is the catalog entry's category. A validation error is answered by its first
    field error: DRF's ``required`` as ``missing_required_field``, any other as
    ``invalid_field_value``, with ``param`` naming the field (a dotted path); the catalog texts
    of those codes receive the params ``param`` and ``reason`` (the field's own message).
    A message about no field in particular (``non_field_errors`` of the body) keeps the
    code ``validation_error`` and shows the message itself.
    ``param`` and ``doc_url`` are left out when there is none; every field error is in the log.
    """

    name = "stripe"
    required_codes = frozenset({"required"})

    def param(self, item: FieldError) -> str:
        """The field a message is about: its path, less a final ``non_field_errors``."""
        path: tuple[PathPart, ...] = item.path
        key = drf_settings.NON_FIELD_ERRORS_KEY
        if path and path[-1] in (key, camel_case(key)):
            path = path[:-1]
        return dotted_path(path)

    def adapt(self, problem: Problem) -> Problem:
        if problem.code != "validation_error" or not problem.field_errors:
            return problem
        first = problem.field_errors[0]
        param = self.param(first)
        if not param:
            return replace(problem, detail=first.message)
        code = (
            "missing_required_field" if first.code in self.required_codes else "invalid_field_value"
        )
        params = {**problem.params, "param": param, "reason": first.message}
        return replace(problem, code=code, params=params)

    def body(self, error: ClientError) -> dict[str, Any]:
        inner: dict[str, Any] = {
            "type": error.category,
            "code": error.code,
            "message": error.message,
        }
        if error.field_errors:
            param = self.param(error.field_errors[0])
        else:
            param = str(error.params.get("param") or "")
        if param:
            inner["param"] = param
        if error.doc_url:
            inner["doc_url"] = error.doc_url
        return {"error": inner}
