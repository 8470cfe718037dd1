"""Lunary datasets v2: live items, automatic and manual snapshots, restore; synchronous."""

from __future__ import annotations

from draftmock.vendors._kit import Admission, AuthInput, Context, Vendor
from draftmock.vendors.lunary import errors, fixture
from draftmock.vendors.lunary.handlers import ops
from draftmock.vendors.lunary.models import PUBLIC, Backend
from draftmock.vendors.lunary.ratelimit import admit

# The only route without an access check upstream: a project's public key may call it.
PUBLIC_OPERATIONS = frozenset({"getDataset"})


def authenticate(ctx: Context[Backend], auth: AuthInput) -> Admission:
    """A known key from ``Authorization: Bearer`` or ``X-API-Key``; then the rate limit (per
    key), then the access check (a public key may only read one dataset)."""
    presented = [auth.credentials.get("BearerAuth"), auth.credentials.get("ApiKeyHeader")]
    key = next((ctx.backend.api_keys[v] for v in presented if v in ctx.backend.api_keys), None)
    if key is None:
        raise errors.UnauthorizedError()
    if key.kind == "org":
        raise errors.OrgKeyError()
    headers = admit(ctx, key.key)
    if key.kind == PUBLIC and auth.operation_id not in PUBLIC_OPERATIONS:
        raise errors.ForbiddenError(headers=headers)
    return Admission(key, headers)


vendor: Vendor[Backend] = Vendor(
    slug="lunary",
    title="Lunary datasets v2",
    spec_file="lunary.yaml",
    operations=ops,
    new_backend=Backend,
    load_fixture=fixture.load,
    fixture_schema=fixture.SCHEMA,
    authenticate=authenticate,
    render_error=errors.render_error,
    render_violations=errors.render_violations,
    render_no_route=errors.render_no_route,
)
