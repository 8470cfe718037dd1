"""Lunary fixtures: the schema a fixture must match, and loading one into a backend.

Non-nullable fields refer to the spec's own schemas. The spec is OpenAPI 3.0, whose ``nullable``
a JSON Schema 2020-12 validator ignores, so nullable fields get small local schemas instead.

A dataset lists its live ``items`` and its ``versions`` (oldest first); a version lists its
frozen items. A dataset without versions gets version 1 from its items at load time, as if it
had just been created. ``restored_from`` names an earlier version of the same dataset.
``updatedAt`` is the latest of the dataset's ``updated_at``, its items' and its versions' times.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from draftmock.errors import FixtureError
from draftmock.ids import Ids
from draftmock.vendors.lunary import versioning
from draftmock.vendors.lunary.models import (
    PRIVATE,
    UUID_SHAPE,
    ApiKey,
    Backend,
    Dataset,
    Item,
    Session,
    Version,
    VersionItem,
)

SPEC = "../specs/lunary.yaml#/components/schemas"

_UUID = {"$ref": f"{SPEC}/DatasetV2/properties/id"}
_TEXT_OR_NULL = {"type": ["string", "null"]}
_TIME = {"type": "string", "format": "date-time"}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "rate_limit": {
            "description": "Requests per 60 s per API key (0 or null: off). Settings win.",
            "type": ["integer", "null"],
            "minimum": 0,
        },
        "projects": {"type": "array", "items": {"$ref": "#/$defs/project"}},
        "sessions": {"type": "array", "items": {"$ref": "#/$defs/session"}},
    },
    "$defs": {
        "session": {
            "description": "A signed-in user's session token, sent as Bearer with ?projectId=.",
            "type": "object",
            "required": ["token", "user_id", "projects"],
            "additionalProperties": False,
            "properties": {
                "token": {"type": "string", "minLength": 1, "pattern": "^[^ ]+$"},
                "user_id": _UUID,
                "role": {"enum": ["owner", "admin", "member", "viewer", "collaborator", "billing"]},
                "projects": {"type": "array", "items": _UUID},
            },
        },
        "project": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": f"{SPEC}/DatasetV2/properties/projectId"},
                "name": {"type": "string"},
                "api_keys": {"type": "array", "items": {"$ref": "#/$defs/api_key"}},
                "datasets": {"type": "array", "items": {"$ref": "#/$defs/dataset"}},
            },
        },
        "api_key": {
            "type": "object",
            "required": ["key"],
            "additionalProperties": False,
            "properties": {
                "key": _UUID,
                "kind": {"enum": ["private", "public", "org"]},
            },
        },
        "owner": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {"id": _UUID, "name": _TEXT_OR_NULL, "email": _TEXT_OR_NULL},
        },
        "dataset": {
            "type": "object",
            "required": ["id", "name"],
            "additionalProperties": False,
            "properties": {
                "id": _UUID,
                "name": {"$ref": f"{SPEC}/DatasetV2Input/properties/name"},
                "description": {**_TEXT_OR_NULL, "maxLength": 10000},
                "owner": {"$ref": "#/$defs/owner"},
                "created_at": _TIME,
                "updated_at": _TIME,
                "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
                "versions": {"type": "array", "items": {"$ref": "#/$defs/version"}},
            },
        },
        "item": {
            "type": "object",
            "required": ["input"],
            "additionalProperties": False,
            "properties": {
                "id": _UUID,
                "input": {"$ref": f"{SPEC}/DatasetV2Item/properties/input"},
                "groundTruth": _TEXT_OR_NULL,
                "output": _TEXT_OR_NULL,
                "created_at": _TIME,
                "updated_at": _TIME,
            },
        },
        "version": {
            "type": "object",
            "required": ["id", "number"],
            "additionalProperties": False,
            "properties": {
                "id": _UUID,
                "number": {"type": "integer", "minimum": 1},
                "created_at": _TIME,
                "name": _TEXT_OR_NULL,
                "description": _TEXT_OR_NULL,
                "restored_from": _UUID,
                "items": {"type": "array", "items": {"$ref": "#/$defs/item"}},
            },
        },
    },
}


def _time(text: str | None, default: float) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else default


def load(backend: Backend, data: dict[str, Any], ids: Ids, now: float) -> None:
    if "rate_limit" in data:
        backend.rate_limit = data["rate_limit"] or 0
    for t in data.get("sessions", []):
        if UUID_SHAPE.match(t["token"]):
            raise FixtureError(
                f"lunary fixture: session token {t['token']!r} is a UUID (an API key)"
            )
        backend.sessions[t["token"]] = Session(
            t["token"],
            t["user_id"],
            t.get("role", "member"),
            tuple(p.lower() for p in t["projects"]),
        )
    for p in data.get("projects", []):
        project = backend.project(p["id"])
        for k in p.get("api_keys", []):
            backend.api_keys[k["key"]] = ApiKey(k["key"], project.id, k.get("kind", PRIVATE))
        for d in p.get("datasets", []):
            if any(d["id"] in other.datasets for other in backend.projects.values()):
                raise FixtureError(f"lunary fixture: dataset {d['id']} is defined twice")
            if project.name_taken(d["name"]):
                raise FixtureError(
                    f"lunary fixture, project {project.id}: name {d['name']!r} twice"
                )
            project.datasets[d["id"]] = _dataset(project.id, d, ids, now)


def _dataset(project_id: str, d: dict[str, Any], ids: Ids, now: float) -> Dataset:
    created = _time(d.get("created_at"), now)
    owner = d.get("owner") or {}
    dataset = Dataset(
        id=d["id"],
        project_id=project_id,
        name=d["name"],
        description=d.get("description"),
        created_at=created,
        updated_at=created,
        owner_id=owner.get("id"),
        owner_name=owner.get("name"),
        owner_email=owner.get("email"),
    )
    for raw in d.get("items", []):
        item = _item(dataset.id, raw, ids, created)
        dataset.items[item.id] = item
    versions = d.get("versions", [])
    if not versions:
        versioning.snapshot(dataset, ids.uuid, created)
    for raw in versions:
        _add_version(dataset, raw, ids, created)
    # Every snapshot touches the dataset upstream, so it is never older than its newest version.
    dataset.updated_at = max(
        [_time(d.get("updated_at"), dataset.updated_at)]
        + [i.updated_at for i in dataset.items.values()]
        + [v.created_at for v in dataset.versions.values()]
    )
    return dataset


def _item(dataset_id: str, raw: dict[str, Any], ids: Ids, default: float) -> Item:
    created = _time(raw.get("created_at"), default)
    return Item(
        id=raw.get("id") or ids.uuid(),
        dataset_id=dataset_id,
        input=raw["input"],
        ground_truth=raw.get("groundTruth"),
        output=raw.get("output"),
        created_at=created,
        updated_at=_time(raw.get("updated_at"), created),
    )


def _add_version(dataset: Dataset, raw: dict[str, Any], ids: Ids, default: float) -> None:
    where = f"lunary fixture, dataset {dataset.id}, version {raw['number']}"
    if raw["number"] <= dataset.current_version_number:
        raise FixtureError(f"{where}: version numbers must increase")
    restored = raw.get("restored_from")
    if restored is not None and restored not in dataset.versions:
        raise FixtureError(f"{where}: restored_from must name an earlier version of this dataset")
    created = _time(raw.get("created_at"), default)
    sources = [_item(dataset.id, item, ids, created) for item in raw.get("items", [])]
    version = Version(
        id=raw["id"],
        dataset_id=dataset.id,
        number=raw["number"],
        created_at=created,
        created_by=dataset.owner_id,
        restored_from=restored,
        name=raw.get("name", dataset.name),
        description=raw.get("description", dataset.description),
        items=tuple(
            VersionItem(
                id=ids.uuid(),
                version_id=raw["id"],
                dataset_id=dataset.id,
                index=index,
                input=item.input,
                ground_truth=item.ground_truth,
                output=item.output,
                source_item_id=item.id if item.id in dataset.items else None,
                source_created_at=item.created_at,
                source_updated_at=item.updated_at,
            )
            for index, item in enumerate(sources, start=1)
        ),
    )
    dataset.versions[version.id] = version
    dataset.current_version_id = version.id
    dataset.current_version_number = version.number
