"""Lunary datasets v2: live items, automatic and manual snapshots, restore; synchronous."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any
from urllib.parse import parse_qsl
from uuid import UUID

from draftmock.vendors._kit import Admission, AuthInput, Context, Vendor
from draftmock.vendors.lunary import bodyparser, errors, fixture, service
from draftmock.vendors.lunary.handlers import ops
from draftmock.vendors.lunary.models import PUBLIC, SESSION, UUID_SHAPE, ApiKey, Backend
from draftmock.vendors.lunary.ratelimit import admit

# Upstream's auth middleware treats ``/v1/datasets-v2/<anything>`` as a public route (no
# credentials needed to reach the handler); the bare GET and POST /v1/datasets-v2 are not.
BARE_ROUTES = frozenset({"listDatasets", "createDataset"})
# The access check (``checkAccess(resource, action)``) in front of each route; getDataset has none.
ACTIONS = {
    "listDatasets": "list",
    "createDataset": "create",
    "updateDataset": "update",
    "deleteDataset": "delete",
    "importDatasetItems": "update",
    "duplicateDataset": "create",
    "listDatasetVersions": "list",
    "createDatasetVersion": "update",
    "getDatasetVersion": "list",
    "restoreDatasetVersion": "update",
    "listDatasetItems": "list",
    "createDatasetItem": "update",
    "getDatasetItem": "list",
    "updateDatasetItem": "update",
    "deleteDatasetItem": "delete",
}
# Upstream's role table for the ``datasets`` resource (packages/shared/access-control/roles.ts).
READ_ONLY_ROLES = frozenset({"viewer", "collaborator"})
NO_DATASET_ROLES = frozenset({"billing"})
ANONYMOUS = ""  # the rate limiter's client for callers without credentials


def _allowed(role: str, action: str) -> bool:
    if role in NO_DATASET_ROLES:
        return False
    return role not in READ_ONLY_ROLES or action in ("list", "read")


def presented_credentials(auth: AuthInput) -> tuple[str | None, str | None]:
    """``(bearer, key)`` as upstream reads them: ``bearer`` is the second word of
    ``Authorization`` whatever the first (``split(" ")[1]``), and the key is ``bearer`` when
    there is one, else ``X-API-Key``."""
    header = auth.headers.get("authorization")
    words = header.split(" ") if header is not None else []
    bearer = words[1] if len(words) > 1 and words[1] else None
    return bearer, bearer or auth.headers.get("x-api-key") or None


def _signed_token_shape(token: str) -> bool:
    """A compact JWS jose would get as far as checking the signature of (upstream then gives no
    answer: 404); anything else is jose's JWSInvalid (401 "Invalid access token")."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    try:
        header = json.loads(base64.urlsafe_b64decode(parts[0] + "=" * (-len(parts[0]) % 4)))
        base64.urlsafe_b64decode(parts[2] + "=" * (-len(parts[2]) % 4))
    except (ValueError, binascii.Error):
        return False
    return isinstance(header, dict) and isinstance(header.get("alg"), str)


def authenticate(ctx: Context[Backend], auth: AuthInput) -> Admission:
    """Upstream's order: the auth middleware (credentials), the rate limit, then the route's
    access check and its project."""
    bearer, presented = presented_credentials(auth)
    operation = auth.operation_id
    action = ACTIONS.get(operation)
    if presented is None and operation not in BARE_ROUTES:
        headers = admit(ctx, ANONYMOUS)  # a public route: the handler runs, with no one
        if action is None:
            raise errors.ProjectIdRequiredError(headers=headers)
        raise errors.ForbiddenError(headers=headers)
    if presented is not None and UUID_SHAPE.match(presented):
        return _api_key(ctx, presented, operation)
    if bearer is None:
        raise errors.UnansweredError()
    session = ctx.backend.sessions.get(bearer)
    if session is None:
        if _signed_token_shape(bearer):
            raise errors.UnansweredError()
        raise errors.UnauthorizedError()
    project_id = dict(parse_qsl(auth.query_string)).get("projectId")
    if project_id is not None and project_id.lower() not in session.projects:
        raise errors.ProjectAccessError()
    # Signed-in users are not rate limited upstream.
    if action is not None and not _allowed(session.role, action):
        raise errors.ForbiddenError()
    if not project_id:
        raise errors.ProjectIdRequiredError()
    return Admission(ApiKey(session.token, project_id.lower(), SESSION, session.user_id))


def _api_key(ctx: Context[Backend], presented: str, operation: str) -> Admission:
    key = ctx.backend.api_keys.get(presented)
    if key is None and presented.lower() in ctx.backend.projects:
        key = ApiKey(presented, presented.lower(), PUBLIC)  # legacy: a project id is its public key
    if key is None:
        raise errors.UnknownApiKeyError()
    if key.kind == "org":
        raise errors.OrgKeyError()
    if key.kind == PUBLIC and operation in BARE_ROUTES:
        raise errors.PrivateKeyRequiredError()
    headers = admit(ctx, key.key)
    if key.kind == PUBLIC and operation in ACTIONS:
        raise errors.ForbiddenError(headers=headers)  # checkAccess: a public key has no user
    return Admission(key, headers)


def tenant_of(principal: ApiKey) -> str:
    """Generated records are kept per project."""
    return principal.project_id


# Upstream looks the dataset up before it parses these bodies: an unknown dataset is a 404 even
# when the body is invalid too.
LOOKUP_BEFORE_BODY = frozenset({"importDatasetItems", "createDatasetItem", "updateDatasetItem"})


def precheck(ctx: Context[Backend], operation_id: str, path: dict[str, Any], key: Any) -> None:
    """Runs only when the path parameters are valid; ids are compared as UUIDs, not spellings."""
    if operation_id in LOOKUP_BEFORE_BODY:
        service.dataset_of(ctx, key, str(UUID(path["datasetId"])))


vendor: Vendor[Backend] = Vendor(
    slug="lunary",
    title="Lunary",
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
    read_body=bodyparser.read_body,  # koa-bodyparser, before every route
    options={"rate_limit": {"type": ["integer", "null"], "minimum": 0}},  # per minute; 0: off
    tenant_of=tenant_of,
)
