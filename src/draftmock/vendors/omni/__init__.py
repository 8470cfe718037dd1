"""Omni documents: drafts per document and per branch, archive, v2 patch and publish, roles,
and a per-key rate limit."""

from __future__ import annotations

import math

from draftmock.vendors._kit import Admission, AuthInput, Context, SlidingWindowLimiter, Vendor
from draftmock.vendors.omni import errors, fixture, roles
from draftmock.vendors.omni.handlers import ops
from draftmock.vendors.omni.models import ApiKey, Backend, Role


def authenticate(ctx: Context[Backend], auth: AuthInput) -> Admission:
    presented = auth.credentials.get("bearerAuth")
    key = ctx.backend.api_keys.get(presented) if presented else None
    if key is None:
        raise errors.UnauthorizedError()
    _count_request(ctx, key.key)
    if auth.operation_id not in ops.handlers and auth.method not in ("GET", "HEAD"):
        roles.require(key, Role.EDITOR)  # the generated operations: Viewers only read
    return Admission(key)


def tenant_of(principal: ApiKey) -> str:
    """Generated records are kept per organization."""
    return principal.organization_id


def _count_request(ctx: Context[Backend], api_key: str) -> None:
    """60 requests a minute per key. The settings option ``omni.rate_limit`` wins over a
    fixture's ``rate_limit``; 0 or None turns the limit off."""
    limit = ctx.settings.option("omni", "rate_limit", ctx.backend.rate_limit)
    if not limit:
        return
    backend = ctx.backend
    if backend.limiter is None or backend.limiter.limit != limit:
        backend.limiter = SlidingWindowLimiter(int(limit))
    allowed, _, wait = backend.limiter.hit(api_key, ctx.now)
    if not allowed:
        raise errors.RateLimitedError(
            f"Too Many Requests - Rate limit exceeded ({limit} requests/minute)",
            headers={"Retry-After": str(max(1, math.ceil(wait)))},
        )


vendor: Vendor[Backend] = Vendor(
    slug="omni",
    title="Omni",
    spec_file="omni.yaml",
    operations=ops,
    new_backend=Backend,
    load_fixture=fixture.load,
    fixture_schema=fixture.SCHEMA,
    authenticate=authenticate,
    render_error=errors.render_error,
    render_violations=errors.render_violations,
    render_no_route=errors.render_no_route,
    options={"rate_limit": {"type": ["integer", "null"], "minimum": 0}},  # per minute; 0: off
    tenant_of=tenant_of,
)
