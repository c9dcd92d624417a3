"""The default catalog shipped with the app, indexed by code."""

from __future__ import annotations

from typing import Any, Final

from apierrors.defaults.catalog import DEFAULT_ENTRIES

DEFAULTS_BY_CODE: Final[dict[str, dict[str, Any]]] = {
    str(entry["code"]): entry for entry in DEFAULT_ENTRIES
}
