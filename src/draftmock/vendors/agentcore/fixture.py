"""AgentCore fixtures: access keys (and the accounts they open), S3 objects, starting datasets.

Dataset fields refer to the spec's own schemas (``DatasetName``, ``DatasetSchemaType``, ...), so a
fixture cannot hold a value the API could not return. Examples are validated against the
dataset's schema type when loaded; a bad one stops the server naming the dataset.
"""

from __future__ import annotations

import json
from typing import Any

from draftmock.errors import FixtureError
from draftmock.ids import Ids
from draftmock.vendors.agentcore import rules
from draftmock.vendors.agentcore.models import (
    ACTIVE,
    MODIFIED,
    Backend,
    Credential,
    Dataset,
    Example,
)

SPEC = "../specs/agentcore.yaml#/components/schemas"

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "accounts": {"type": "array", "items": {"$ref": "#/$defs/account"}},
        "s3_objects": {"type": "array", "items": {"$ref": "#/$defs/s3_object"}},
    },
    "$defs": {
        "account_id": {"type": "string", "pattern": "^[0-9]{12}$"},
        "account": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": "#/$defs/account_id"},
                "access_keys": {"type": "array", "items": {"$ref": "#/$defs/access_key"}},
                "datasets": {"type": "array", "items": {"$ref": "#/$defs/dataset"}},
            },
        },
        "access_key": {
            "type": "object",
            "required": ["id"],
            "additionalProperties": False,
            "properties": {
                "id": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,128}$"},
                "secret": {
                    "type": "string",
                    "minLength": 1,
                    "description": "When given, request signatures are verified.",
                },
            },
        },
        "s3_object": {
            "type": "object",
            "required": ["uri"],
            "additionalProperties": False,
            "properties": {
                "uri": {"$ref": f"{SPEC}/S3Uri"},
                "examples": {"type": "array", "items": {"$ref": f"{SPEC}/SensitiveJson"}},
                "content": {"type": "string", "description": "Raw JSONL text, used verbatim."},
            },
            "oneOf": [{"required": ["examples"]}, {"required": ["content"]}],
        },
        "dataset": {
            "type": "object",
            "required": ["id", "name", "schema_type"],
            "additionalProperties": False,
            "properties": {
                "id": {"$ref": f"{SPEC}/DatasetId"},
                "name": {"$ref": f"{SPEC}/DatasetName"},
                "region": {"type": "string", "pattern": "^[a-z]{2}(-[a-z]+)+-[0-9]+$"},
                "schema_type": {"$ref": f"{SPEC}/DatasetSchemaType"},
                "description": {"$ref": f"{SPEC}/CreateDatasetRequestDescriptionString"},
                "tags": {"$ref": f"{SPEC}/TagsMap"},
                "created_at": {"$ref": f"{SPEC}/Timestamp"},
                "examples": {"type": "array", "items": {"$ref": "#/$defs/example"}},
                "published": {
                    "type": "array",
                    "description": "Each entry publishes the listed example ids as the next version.",
                    "items": {"type": "array", "items": {"$ref": f"{SPEC}/ExampleId"}},
                },
            },
        },
        "example": {
            "type": "object",
            "required": ["exampleId"],
            "properties": {"exampleId": {"$ref": f"{SPEC}/ExampleId"}},
        },
    },
}


def load(backend: Backend, data: dict[str, Any], ids: Ids, now: float) -> None:
    for obj in data.get("s3_objects", []):
        if "content" in obj:
            backend.s3_objects[obj["uri"]] = obj["content"]
        else:
            backend.s3_objects[obj["uri"]] = "".join(json.dumps(e) + "\n" for e in obj["examples"])
    for account_data in data.get("accounts", []):
        account = backend.account(account_data["id"])
        for key in account_data.get("access_keys", []):
            backend.credentials[key["id"]] = Credential(key["id"], account.id, key.get("secret"))
        for d in account_data.get("datasets", []):
            region = d.get("region", "us-east-1")
            created = d.get("created_at", now)
            dataset = Dataset(
                id=d["id"],
                name=d["name"],
                arn=f"arn:aws:bedrock-agentcore:{region}:{account.id}:dataset/{d['id']}",
                region=region,
                schema_type=d["schema_type"],
                created_at=created,
                updated_at=created,
                status=ACTIVE,
                draft_status=MODIFIED,
                description=d.get("description"),
                tags=dict(d.get("tags", {})),
            )
            for index, raw in enumerate(d.get("examples", [])):
                body = {k: v for k, v in raw.items() if k != "exampleId"}
                problems = rules.example_problems(dataset.schema_type, body, f"examples[{index}]")
                if problems:
                    raise FixtureError(f"agentcore fixture, dataset {d['id']}: {problems[0][1]}")
                dataset.draft[raw["exampleId"]] = Example(raw["exampleId"], body)
            _publish(dataset, d.get("published", []), created)
            account.datasets[dataset.id] = dataset


def _publish(dataset: Dataset, published: list[list[str]], at: float) -> None:
    """Publish each listed subset of the DRAFT in order; the DRAFT ends as it was declared."""
    full = dict(dataset.draft)
    for number, example_ids in enumerate(published, start=1):
        unknown = [i for i in example_ids if i not in full]
        if unknown:
            raise FixtureError(
                f"agentcore fixture, dataset {dataset.id}: version {number} names unknown "
                f"example {unknown[0]}"
            )
        dataset.draft = {i: full[i] for i in example_ids}
        dataset.publish(number, at)
    dataset.draft = full
    dataset.settle_draft_status()
