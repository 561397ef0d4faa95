"""Resource names (AIP-122): parsing `documents/{id}` and friends into ids."""

from __future__ import annotations

import re

from docai.services.common.errors import InvalidArgumentError

_ID = r"([A-Za-z0-9_-]{1,64})"


def parse_name(name: str, *, collection: str, suffix: str = "") -> str:
    """Returns the id in ``{collection}/{id}{suffix}`` or raises INVALID_ARGUMENT (reason INVALID_NAME)."""
    match = re.fullmatch(f"{collection}/{_ID}{re.escape(suffix)}", name or "")
    if not match:
        raise InvalidArgumentError(
            f"name must look like {collection}/{{id}}{suffix}", reason="INVALID_NAME", field="name"
        )
    return match.group(1)


def require(value: str, *, field: str) -> str:
    if not value:
        raise InvalidArgumentError(f"{field} is required", reason="MISSING_FIELD", field=field)
    return value
