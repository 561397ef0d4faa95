"""Opaque page tokens (AIP-158): an offset, base64-encoded so callers do not depend on it."""

from __future__ import annotations

import base64

from docai.services.common.errors import InvalidArgumentError

MAX_PAGE_SIZE = 500


def page_size(requested: int, *, default: int = 50) -> int:
    if requested < 0:
        raise InvalidArgumentError("page_size must not be negative", reason="INVALID_PAGE_SIZE", field="page_size")
    return min(requested or default, MAX_PAGE_SIZE)


def decode_token(token: str) -> int:
    if not token:
        return 0
    try:
        return int(base64.urlsafe_b64decode(token.encode()).decode().removeprefix("o:"))
    except ValueError:
        raise InvalidArgumentError("invalid page_token", reason="INVALID_PAGE_TOKEN", field="page_token") from None


def encode_token(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode()
