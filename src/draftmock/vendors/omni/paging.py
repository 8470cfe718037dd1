"""Cursor pagination as Omni lists do it: ``pageInfo`` plus an opaque ``nextCursor``."""

from __future__ import annotations

import base64
import binascii
from typing import Any, TypeVar

from draftmock.vendors.omni.errors import OmniError

T = TypeVar("T")


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except (binascii.Error, ValueError) as exc:
        raise OmniError("Invalid cursor") from exc
    prefix, _, number = text.partition(":")
    # An offset no list could reach (beyond 64 bits) is as invalid as a malformed one.
    if prefix != "offset" or not (number.isascii() and number.isdigit()) or len(number) > 18:
        raise OmniError("Invalid cursor")
    return int(number)


def page(items: list[T], cursor: str | None, size: int) -> tuple[list[T], dict[str, Any]]:
    start = decode_cursor(cursor) if cursor else 0
    window = items[start : start + size]
    more = start + size < len(items)
    info = {
        "hasNextPage": more,
        "nextCursor": encode_cursor(start + size) if more else None,
        "pageSize": size,
        "totalRecords": len(items),
    }
    return window, info
