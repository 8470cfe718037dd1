"""Omni fixtures: the schema a fixture must match, and loading one into a backend.

Record fields refer to the spec's own schemas, so a fixture cannot hold a value the API could
not return. A document's tiles, controls, settings and layout are written the way getDraftState
shows them; a draft may carry a ``patch`` (a v2 draft patch) applied to its copy of the document.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from draftmock.errors import FixtureError
from draftmock.ids import Ids
from draftmock.vendors.omni.models import (
    ApiKey,
    Backend,
    Branch,
    Content,
    Document,
    Draft,
    Folder,
    Model,
    Organization,
    Role,
    User,
)
from draftmock.vendors.omni.patching import apply_patch, ordered

SPEC = "../specs/omni.yaml#/components/schemas"
STATE = f"{SPEC}/DraftState/properties"

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "rate_limit": {
            "description": "Requests per minute per API key; 0 or null turns the limit off.",
            "type": ["integer", "null"],
            "minimum": 0,
        },
        "organizations": {"type": "array", "items": {"$ref": "#/$defs/organization"}},
    },
    "$defs": {
        "timestamp": {"type": "string", "format": "date-time"},
        "uuid": {"type": "string", "format": "uuid"},
        "organization": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "minLength": 1},
                "name": {"type": "string"},
                "users": {"type": "array", "items": {"$ref": f"{SPEC}/Document/properties/owner"}},
                "api_keys": {"type": "array", "items": {"$ref": "#/$defs/api_key"}},
                "models": {"type": "array", "items": {"$ref": "#/$defs/model"}},
                "documents": {"type": "array", "items": {"$ref": "#/$defs/document"}},
            },
        },
        "api_key": {
            "type": "object",
            "required": ["key", "role", "user"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "minLength": 1},
                "role": {"enum": ["VIEWER", "EDITOR", "MANAGER"]},
                "user": {"$ref": "#/$defs/uuid"},
            },
        },
        "model": {
            "type": "object",
            "required": ["id", "kind"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": "#/$defs/uuid"},
                "name": {"type": "string"},
                "kind": {"$ref": f"{SPEC}/ModelSummary/properties/modelKind"},
                "connectionId": {"$ref": "#/$defs/uuid"},
                "baseModelId": {"$ref": "#/$defs/uuid"},
                "createdAt": {"$ref": "#/$defs/timestamp"},
                "updatedAt": {"$ref": "#/$defs/timestamp"},
                "branches": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": ["id", "name"],
                        "additionalProperties": False,
                        "properties": {
                            "id": {"$ref": "#/$defs/uuid"},
                            "name": {"type": "string", "minLength": 1},
                            "createdAt": {"$ref": "#/$defs/timestamp"},
                            "updatedAt": {"$ref": "#/$defs/timestamp"},
                        },
                    },
                },
            },
        },
        "document": {
            "type": "object",
            "required": ["identifier", "name", "modelId"],
            "additionalProperties": False,
            "properties": {
                "identifier": {"$ref": f"{SPEC}/DocumentConfig/properties/identifier"},
                "name": {"$ref": f"{SPEC}/DocumentConfig/properties/name"},
                "description": {"$ref": f"{SPEC}/DocumentConfig/properties/description"},
                "modelId": {"$ref": "#/$defs/uuid"},
                "owner": {"$ref": "#/$defs/uuid"},
                "published": {"type": "boolean"},
                "hasDashboard": {"type": "boolean"},
                "scope": {"$ref": f"{SPEC}/Document/properties/scope"},
                "folder": {"$ref": f"{SPEC}/Document/properties/folder"},
                "labels": {"$ref": f"{SPEC}/Document/properties/labels"},
                "favoritedBy": {"type": "array", "items": {"$ref": "#/$defs/uuid"}},
                "views": {"type": "integer", "minimum": 0},
                "createdAt": {"$ref": "#/$defs/timestamp"},
                "updatedAt": {"$ref": "#/$defs/timestamp"},
                "queryPresentations": {"$ref": f"{STATE}/queryPresentations"},
                "controls": {"$ref": f"{STATE}/controls"},
                "settings": {"$ref": f"{STATE}/settings"},
                "containers": {"$ref": f"{STATE}/containers"},
                "drafts": {"type": "array", "items": {"$ref": "#/$defs/draft"}},
            },
        },
        "draft": {
            "type": "object",
            "required": ["identifier"],
            "additionalProperties": False,
            "properties": {
                "identifier": {"type": "string", "minLength": 1},
                "branchId": {"$ref": "#/$defs/uuid"},
                "workbookModelId": {"$ref": "#/$defs/uuid"},
                "createdBy": {"$ref": "#/$defs/uuid"},
                "createdAt": {"$ref": "#/$defs/timestamp"},
                "updatedAt": {"$ref": "#/$defs/timestamp"},
                "outOfDate": {"type": "boolean"},
                "patch": {"$ref": f"{SPEC}/DraftPatch"},
            },
        },
    },
}


def _time(text: str | None, default: float) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else default


def load(backend: Backend, data: dict[str, Any], ids: Ids, now: float) -> None:
    if "rate_limit" in data:
        backend.rate_limit = data["rate_limit"] or 0
    for org_data in data.get("organizations", []):
        org = backend.organization(org_data["id"])
        org.name = org_data.get("name", org.name)
        for user in org_data.get("users", []):
            org.users[user["id"]] = User(user["id"], user["name"])
        for key in org_data.get("api_keys", []):
            backend.api_keys[key["key"]] = ApiKey(
                key["key"], org.id, Role[key["role"]], _user(org, key["user"])
            )
        for model_data in org_data.get("models", []):
            model = _model(model_data, now)
            org.models[model.id] = model
        for doc_data in org_data.get("documents", []):
            _document(org, doc_data, ids, now)


def _user(org: Organization, user_id: str) -> User:
    if user_id not in org.users:
        raise FixtureError(f"omni fixture, organization {org.id}: unknown user {user_id}")
    return org.users[user_id]


def _model(data: dict[str, Any], now: float) -> Model:
    created = _time(data.get("createdAt"), now)
    model = Model(
        id=data["id"],
        name=data.get("name"),
        kind=data["kind"],
        connection_id=data.get("connectionId"),
        created_at=created,
        updated_at=_time(data.get("updatedAt"), created),
        base_model_id=data.get("baseModelId"),
    )
    for b in data.get("branches", []):
        b_created = _time(b.get("createdAt"), created)
        model.branches[b["id"]] = Branch(
            b["id"], b["name"], model.id, b_created, _time(b.get("updatedAt"), b_created)
        )
    return model


def _content(data: dict[str, Any]) -> Content:
    tiles = data.get("queryPresentations", {"data": {}, "order": []})
    controls = data.get("controls", {"data": {}, "order": []})
    return Content(
        name=data["name"],
        description=data.get("description"),
        model_id=data["modelId"],
        tiles={k: dict(v) for k, v in tiles["data"].items()},
        tile_order=ordered(tiles["data"], tiles["order"]),
        controls={k: dict(v) for k, v in controls["data"].items()},
        control_order=ordered(controls["data"], controls["order"]),
        settings=dict(data.get("settings", {})),
        containers=[dict(c) for c in data["containers"]] if "containers" in data else None,
    )


def _document(org: Organization, data: dict[str, Any], ids: Ids, now: float) -> None:
    identifier = data["identifier"]
    if identifier in org.identifiers:
        raise FixtureError(f"omni fixture, organization {org.id}: {identifier} used twice")
    model = org.models.get(data["modelId"])
    if model is None:
        raise FixtureError(f"omni fixture, document {identifier}: unknown model {data['modelId']}")
    owner = _user(org, data["owner"]) if "owner" in data else next(iter(org.users.values()))
    created = _time(data.get("createdAt"), now)
    doc = Document(
        id=ids.uuid(),
        identifier=identifier,
        content=_content(data),
        owner=owner,
        connection_id=model.connection_id or ids.uuid(),
        workbook_id=ids.uuid(),
        dashboard_id=ids.uuid(),
        created_at=created,
        updated_at=_time(data.get("updatedAt"), created),
        published=data.get("published", True),
        has_dashboard=data.get("hasDashboard", True),
        scope=data.get("scope", "organization"),
        labels=[(label["name"], label["verified"]) for label in data.get("labels", [])],
        favorited_by=list(data.get("favoritedBy", [])),
        views=data.get("views", 0),
        version=2,
    )
    folder = data.get("folder")
    if folder is not None:
        doc.folder = Folder(folder["id"], folder["name"], folder["path"], folder["scope"])
    org.documents[doc.id] = doc
    org.identifiers[identifier] = doc.id
    for draft_data in data.get("drafts", []):
        doc.drafts.append(_draft(org, doc, draft_data, ids))


def _draft(org: Organization, doc: Document, data: dict[str, Any], ids: Ids) -> Draft:
    where = f"omni fixture, draft {data['identifier']}"
    if not doc.published:
        raise FixtureError(f"{where}: document {doc.identifier} was never published")
    branch_id = data.get("branchId")
    if branch_id is not None and org.branch(branch_id) is None:
        raise FixtureError(f"{where}: unknown branch {branch_id}")
    if doc.draft_for(branch_id) is not None:
        raise FixtureError(f"{where}: document {doc.identifier} already has that draft")
    creator = _user(org, data["createdBy"]) if "createdBy" in data else doc.owner
    content = doc.content.clone()
    apply_patch(content, data.get("patch", {}))
    created = _time(data.get("createdAt"), doc.updated_at)
    return Draft(
        identifier=data["identifier"],
        document_id=doc.id,
        branch_id=branch_id,
        workbook_model_id=data.get("workbookModelId") or ids.uuid(),
        content=content,
        base_version=doc.version - 1 if data.get("outOfDate") else doc.version,
        created_by=creator.name,
        last_edited_by=creator.name,
        created_at=created,
        updated_at=_time(data.get("updatedAt"), created),
    )
