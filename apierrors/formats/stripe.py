"""The Stripe-style envelope: ``{"error": {"type", "code", "message", "param", "doc_url"}}``."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from apierrors.formats.base import ClientError, Formatter, dotted_path
from apierrors.resolve import Problem


class StripeFormatter(Formatter):
    """One error per response, as Stripe-style clients expect.

    ``type`` is the catalog entry's category. A validation error is answered by its first
    field error: DRF's ``required`` as ``missing_required_field``, any other as
    ``invalid_field_value``, with ``param`` naming the field (a dotted path); the catalog texts
    of those codes receive the params ``param`` and ``reason`` (the field's own message).
    ``param`` and ``doc_url`` are left out when there is none; every field error is in the log.
    """

    name = "stripe"
    required_codes = frozenset({"required"})

    def adapt(self, problem: Problem) -> Problem:
        if problem.code != "validation_error" or not problem.field_errors:
            return problem
        first = problem.field_errors[0]
        code = (
            "missing_required_field" if first.code in self.required_codes else "invalid_field_value"
        )
        params = {**problem.params, "param": dotted_path(first.path), "reason": first.message}
        return replace(problem, code=code, params=params)

    def body(self, error: ClientError) -> dict[str, Any]:
        inner: dict[str, Any] = {
            "type": error.category,
            "code": error.code,
            "message": error.message,
        }
        if error.field_errors:
            param = dotted_path(error.field_errors[0].path)
        else:
            param = str(error.params.get("param") or "")
        if param:
            inner["param"] = param
        if error.doc_url:
            inner["doc_url"] = error.doc_url
        return {"error": inner}
