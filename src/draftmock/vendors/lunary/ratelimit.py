"""Upstream's rate limit: 150 requests per 60-second window for API-key callers.

Upstream (koa-ratelimit, memory driver) counts per client IP; every client of a mock usually
shares one address, so the mock counts per API key instead. The limit is the settings option
``lunary.rate_limit`` when given, else the fixture's ``rate_limit``, else 150; 0 or null turns
it off (no headers, no 429). The limiter lives in the backend, so a reset clears its windows.
"""

from __future__ import annotations

import math

from draftmock.vendors._kit import Context
from draftmock.vendors.lunary.errors import RateLimitedError
from draftmock.vendors.lunary.models import Backend, Limiter

WINDOW = 60.0


def limit_of(ctx: Context[Backend]) -> int:
    value = ctx.settings.option("lunary", "rate_limit", ctx.backend.rate_limit)
    return int(value) if value else 0


def admit(ctx: Context[Backend], client: str) -> dict[str, str]:
    """Count one request of ``client``; its ``Rate-Limit-*`` headers, or 429 when over."""
    limit = limit_of(ctx)
    if limit <= 0:
        return {}
    limiter = ctx.backend.limiter
    if limiter is None or limiter.limit != limit:
        limiter = ctx.backend.limiter = Limiter(limit, WINDOW)
    allowed, remaining, wait = limiter.hit(client, ctx.now)
    headers = {
        "Rate-Limit-Remaining": str(remaining),
        "Rate-Limit-Reset": str(math.ceil(ctx.now + wait)),
        "Rate-Limit-Total": str(limit),
    }
    if not allowed:
        raise RateLimitedError(headers={**headers, "Retry-After": str(math.ceil(wait))})
    return headers
