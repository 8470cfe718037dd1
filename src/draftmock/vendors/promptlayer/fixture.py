"""PromptLayer fixtures: the schema a fixture must match, and loading one into a backend.

Record fields refer to the spec's own schemas (``Dataset``, ``DatasetGroup``, ``ExternalId``),
so a fixture cannot hold a value the API could not return.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from draftmock.errors import FixtureError
from draftmock.ids import Ids
from draftmock.vendors.promptlayer import prompts
from draftmock.vendors.promptlayer.models import (
    ApiKey,
    Backend,
    Dataset,
    DatasetGroup,
    ExternalId,
    RequestLog,
    Span,
    Trace,
)

SPEC = "../specs/promptlayer.yaml#/components/schemas"

_INT_IDS = {"type": "array", "items": {"type": "integer", "minimum": 1}}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "workspaces": {"type": "array", "items": {"$ref": "#/$defs/workspace"}},
    },
    "$defs": {
        "timestamp": {"type": "string", "format": "date-time"},
        "workspace": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": f"{SPEC}/DatasetGroup/properties/workspace_id"},
                "name": {"type": "string"},
                "api_keys": {"type": "array", "items": {"$ref": "#/$defs/api_key"}},
                "dataset_groups": {"type": "array", "items": {"$ref": "#/$defs/group"}},
                "request_logs": {"type": "array", "items": {"$ref": "#/$defs/request_log"}},
                "traces": {"type": "array", "items": {"$ref": "#/$defs/trace"}},
                "prompt_templates": {"type": "array", "items": {"$ref": "#/$defs/prompt"}},
            },
        },
        "prompt": {
            "type": "object",
            "required": ["id", "name", "versions"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "name": {"$ref": f"{SPEC}/BasePromptTemplate/properties/prompt_name"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "external_ids": {"type": "array", "items": {"$ref": f"{SPEC}/ExternalId"}},
                "versions": {
                    "type": "array",
                    "minItems": 1,
                    "items": {"$ref": f"{SPEC}/PromptVersion"},
                },
                "labels": {"type": "object", "additionalProperties": {"type": "integer"}},
            },
        },
        "api_key": {
            "type": "object",
            "required": ["key", "user_id"],
            "additionalProperties": False,
            "properties": {
                "key": {"type": "string", "minLength": 1},
                "user_id": {"$ref": f"{SPEC}/Dataset/properties/user_id"},
                "email": {"type": "string"},
            },
        },
        "group": {
            "type": "object",
            "required": ["id", "name"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": f"{SPEC}/DatasetGroup/properties/id"},
                "name": {"$ref": f"{SPEC}/DatasetGroup/properties/name"},
                "folder_id": {"type": ["integer", "null"]},
                "is_deleted": {"$ref": f"{SPEC}/DatasetGroup/properties/is_deleted"},
                "created_at": {"$ref": "#/$defs/timestamp"},
                "external_ids": {"type": "array", "items": {"$ref": f"{SPEC}/ExternalId"}},
                "links": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "prompt_id": _INT_IDS,
                        "prompt_version_id": _INT_IDS,
                        "prompt_label_id": _INT_IDS,
                        "report_id": _INT_IDS,
                    },
                },
                "versions": {"type": "array", "items": {"$ref": "#/$defs/version"}},
            },
        },
        "version": {
            "type": "object",
            "required": ["id", "version_number"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": f"{SPEC}/Dataset/properties/id"},
                "version_number": {"$ref": f"{SPEC}/Dataset/properties/version_number"},
                "column_names": {"$ref": f"{SPEC}/Dataset/properties/column_names"},
                "rows": {"type": "array", "items": {"type": "array"}},
                "filter_params": {"$ref": f"{SPEC}/Dataset/properties/filter_params"},
                "user_id": {"$ref": f"{SPEC}/Dataset/properties/user_id"},
                "created_at": {"$ref": "#/$defs/timestamp"},
            },
        },
        "request_log": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "integer", "minimum": 1},
                "prompt_id": {"type": "integer"},
                "prompt_name": {"type": "string"},
                "prompt_version_number": {"type": "integer"},
                "input_variables": {"type": "object"},
                "response": {"type": "string"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
                "scores": {"type": "object", "additionalProperties": {"type": "number"}},
                "engine": {"type": "string"},
                "provider": {"type": "string"},
                "request_start_time": {"$ref": "#/$defs/timestamp"},
                "input_tokens": {"type": "integer", "minimum": 0},
                "output_tokens": {"type": "integer", "minimum": 0},
                "cost": {"type": "number", "minimum": 0},
                "latency_ms": {"type": "integer", "minimum": 0},
                "status": {"type": "string"},
                "tool_names": {"type": "array", "items": {"type": "string"}},
                "user_intent": {"type": ["string", "null"]},
                "agent_intent": {"type": ["string", "null"]},
            },
        },
        "trace": {
            "type": "object",
            "required": ["trace_id", "spans"],
            "additionalProperties": False,
            "properties": {
                "trace_id": {"$ref": f"{SPEC}/AddTraceToDatasetRequest/properties/trace_id"},
                "spans": {
                    "type": "array",
                    "minItems": 1,
                    "items": {
                        "type": "object",
                        "required": ["span_id", "name"],
                        "additionalProperties": False,
                        "properties": {
                            "span_id": {"type": "string", "minLength": 1},
                            "name": {"type": "string", "minLength": 1},
                            "parent_id": {"type": ["string", "null"]},
                            "start_time": {"$ref": "#/$defs/timestamp"},
                            "input": {},
                            "output": {},
                        },
                    },
                },
            },
        },
    },
}


def _time(text: str | None, default: float) -> float:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() if text else default


def load(backend: Backend, data: dict[str, Any], ids: Ids, now: float) -> None:
    for w, ws_data in enumerate(data.get("workspaces", [])):
        ws = backend.workspace(ws_data["id"])
        for key in ws_data.get("api_keys", []):
            email = key.get("email", f"user{key['user_id']}@example.com")
            backend.api_keys[key["key"]] = ApiKey(key["key"], ws.id, key["user_id"], email)
            backend.emails[key["user_id"]] = email
        owner = next(iter(ws_data.get("api_keys", [])), {"user_id": 1})["user_id"]
        for n, g in enumerate(ws_data.get("dataset_groups", [])):
            where = f"promptlayer fixture, field workspaces/{w}/dataset_groups/{n}"
            if g["id"] in ws.groups:
                raise FixtureError(f"{where}/id: dataset group {g['id']} is defined twice")
            created = _time(g.get("created_at"), now)
            group = DatasetGroup(
                id=g["id"],
                name=g["name"],
                workspace_id=ws.id,
                user_id=owner,
                created_at=created,
                updated_at=created,
                folder_id=g.get("folder_id"),
                is_deleted=g.get("is_deleted", False),
                external_ids=[
                    ExternalId(e["source"], e["external_id"]) for e in g.get("external_ids", [])
                ],
                links={k: list(v) for k, v in g.get("links", {}).items()},
            )
            ws.add_group(group)
            ids.reserve("promptlayer.group", group.id)
            drafts = 0
            numbers: set[int] = set()
            for k, v in enumerate(g.get("versions", [])):
                at = f"{where}/versions/{k}"
                if v["id"] in ws.datasets:
                    raise FixtureError(f"{at}/id: dataset {v['id']} is defined twice")
                columns = list(v.get("column_names", []))
                rows = [list(r) for r in v.get("rows", [])]
                for i, row in enumerate(rows):
                    if len(row) != len(columns):
                        raise FixtureError(
                            f"{at}/rows/{i}: {len(row)} cells, but dataset {v['id']} has "
                            f"{len(columns)} columns (one cell per column)"
                        )
                if v["version_number"] != -1 and v["version_number"] in numbers:
                    raise FixtureError(
                        f"{at}/version_number: version {v['version_number']} is defined twice "
                        f"in dataset group {group.id}"
                    )
                numbers.add(v["version_number"])
                drafts += v["version_number"] == -1
                ws.add_dataset(
                    Dataset(
                        id=v["id"],
                        group_id=group.id,
                        version_number=v["version_number"],
                        user_id=v.get("user_id", owner),
                        created_at=_time(v.get("created_at"), created),
                        updated_at=_time(v.get("created_at"), created),
                        column_names=columns,
                        rows=rows,
                        filter_params=v.get("filter_params"),
                    )
                )
                ids.reserve("promptlayer.dataset", v["id"])
            if drafts > 1:
                raise FixtureError(
                    f"{where}/versions: dataset group {group.id} has more than one draft"
                )
        for r in ws_data.get("request_logs", []):
            ws.request_logs[r["id"]] = RequestLog(
                id=r["id"],
                workspace_id=ws.id,
                prompt_id=r.get("prompt_id"),
                prompt_name=r.get("prompt_name"),
                prompt_version_number=r.get("prompt_version_number"),
                input_variables=dict(r.get("input_variables", {})),
                response=r.get("response"),
                tags=list(r.get("tags", [])),
                metadata=dict(r.get("metadata", {})),
                scores=dict(r.get("scores", {})),
                engine=r.get("engine"),
                provider=r.get("provider"),
                request_start_time=_time(r.get("request_start_time"), now),
                input_tokens=r.get("input_tokens", 0),
                output_tokens=r.get("output_tokens", 0),
                cost=r.get("cost", 0.0),
                latency_ms=r.get("latency_ms", 0),
                status=r.get("status", "SUCCESS"),
                tool_names=list(r.get("tool_names", [])),
                user_intent=r.get("user_intent"),
                agent_intent=r.get("agent_intent"),
            )
        prompts.load(
            ids,
            ws,
            ws_data.get("prompt_templates", []),
            now,
            f"promptlayer fixture, field workspaces/{w}/prompt_templates",
        )
        for t in ws_data.get("traces", []):
            ws.traces[t["trace_id"]] = Trace(
                t["trace_id"],
                ws.id,
                [
                    Span(
                        span_id=s["span_id"],
                        name=s["name"],
                        parent_id=s.get("parent_id"),
                        start_time=_time(s.get("start_time"), now),
                        input=s.get("input"),
                        output=s.get("output"),
                    )
                    for s in t["spans"]
                ],
            )
