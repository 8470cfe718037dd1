"""How long AgentCore remembers what a client may come back for, and how much of it.

Pagination tokens and clientToken records are kept in dicts in the order they were made, and
the clock never goes back, so the oldest entries are always at the front: dropping what expired
and what exceeds a cap costs nothing per request, however many were made.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

K = TypeVar("K")
V = TypeVar("V")

# AWS forgets an idempotency token after a while; this mock after 8 hours of clock time.
IDEMPOTENCY_WINDOW = 8 * 3600.0
MAX_IDEMPOTENCY_RECORDS = 10_000  # per account; the oldest go first
# A nextToken stays valid for 24 hours of clock time.
PAGE_TOKEN_TTL = 24 * 3600.0
MAX_PAGE_TOKENS = 1_000  # per account; the oldest go first


def expired(made_at: float, now: float, ttl: float) -> bool:
    return now >= made_at + ttl


def prune(
    entries: dict[K, V], made_at: Callable[[V], float], now: float, ttl: float, cap: int
) -> None:
    """Drop expired entries from the front of ``entries``, then the oldest beyond ``cap``."""
    while entries:
        first = next(iter(entries))
        if len(entries) <= cap and not expired(made_at(entries[first]), now, ttl):
            return
        del entries[first]
