"""A site's own wire format, the worked example of docs/formats.md: JSON:API error objects."""

from __future__ import annotations

from typing import Any

from apierrors.formats import ClientError, Formatter, json_pointer


class JSONAPIFormatter(Formatter):
    """``{"errors": [...]}`` as JSON:API specifies: one object per field error, else one."""

    name = "jsonapi"
    media_type = "application/vnd.api+json"
    # Options a site may set in APIERRORS["FORMAT_OPTIONS"]["tests.testapp.formats.JSONAPIFormatter"].
    default_options = {"pointer_prefix": "/data/attributes"}

    def body(self, error: ClientError) -> dict[str, Any]:
        common = {"id": error.error_id, "status": str(error.status_code), "title": error.title}
        if not error.field_errors:
            return {"errors": [{**common, "code": error.code, "detail": error.message}]}
        prefix = self.options["pointer_prefix"]
        return {
            "errors": [
                {
                    **common,
                    "code": item.code,
                    "detail": item.message,
                    # json_pointer(("tags", 0)) is "#/tags/0": JSON:API wants "/data/attributes/tags/0".
                    "source": {"pointer": prefix + json_pointer(item.path)[1:]},
                }
                for item in error.field_errors
            ]
        }
