"""Lunary datasets v2: live items, automatic and manual snapshots, restore; synchronous."""

from __future__ import annotations

import re
from typing import Any
from uuid import UUID

from draftmock.vendors._kit import Admission, AuthInput, Context, Vendor
from draftmock.vendors.lunary import errors, fixture, service
from draftmock.vendors.lunary.handlers import ops
from draftmock.vendors.lunary.models import PUBLIC, Backend
from draftmock.vendors.lunary.ratelimit import admit

# The only route without an access check upstream: a project's public key may call it.
PUBLIC_OPERATIONS = frozenset({"getDataset"})
# The bare routes (GET and POST /v1/datasets-v2) refuse a public key with their own 401.
PRIVATE_KEY_ROUTES = frozenset({"listDatasets", "createDataset"})


def presented_key(auth: AuthInput) -> str | None:
    """The key the request presents. As upstream, an ``Authorization`` header decides when it
    is there (the token after ``Bearer``; any other scheme presents nothing valid), and
    ``X-API-Key`` is read only without one: a wrong bearer token is refused even next to a good
    ``X-API-Key``."""
    if "authorization" in auth.headers:
        return auth.credentials.get("BearerAuth") or ""
    return auth.credentials.get("ApiKeyHeader")


# What upstream's ``validateUUID`` accepts: a credential of this shape is looked up as an API key.
UUID_SHAPE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)


def authenticate(ctx: Context[Backend], auth: AuthInput) -> Admission:
    """A known key; then the rate limit (per key); then the access check (a public key may only
    read one dataset)."""
    presented = presented_key(auth)
    key = ctx.backend.api_keys.get(presented) if presented else None
    if key is None:
        if presented and UUID_SHAPE.match(presented):
            raise errors.UnknownApiKeyError()
        raise errors.UnauthorizedError()
    if key.kind == "org":
        raise errors.OrgKeyError()
    headers = admit(ctx, key.key)
    if key.kind == PUBLIC and auth.operation_id in PRIVATE_KEY_ROUTES:
        raise errors.PrivateKeyRequiredError(headers=headers)
    if key.kind == PUBLIC and auth.operation_id not in PUBLIC_OPERATIONS:
        raise errors.ForbiddenError(headers=headers)
    return Admission(key, headers)


# Upstream looks the dataset up before it parses these bodies: an unknown dataset is a 404 even
# when the body is invalid too.
LOOKUP_BEFORE_BODY = frozenset({"importDatasetItems", "createDatasetItem", "updateDatasetItem"})


def precheck(ctx: Context[Backend], operation_id: str, path: dict[str, Any], key: Any) -> None:
    """Runs only when the path parameters are valid; ids are compared as UUIDs, not spellings."""
    if operation_id in LOOKUP_BEFORE_BODY:
        service.dataset_of(ctx, key, str(UUID(path["datasetId"])))


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
    precheck=precheck,
    options={"rate_limit": {"type": ["integer", "null"], "minimum": 0}},  # per minute; 0: off
)
