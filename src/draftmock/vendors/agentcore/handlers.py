"""One function per operationId: unpack the validated call, ask the service, shape the body.

Every reply carries ``x-amzn-RequestId``. Mutations that take a ``clientToken`` are wrapped by
``idempotent`` so a retry returns the original reply.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from typing import Any

from draftmock.vendors._kit import Call, OperationTable, Reply
from draftmock.vendors.agentcore import paging, service
from draftmock.vendors.agentcore.errors import REQUEST_ID, field_error
from draftmock.vendors.agentcore.idempotency import idempotent
from draftmock.vendors.agentcore.models import (
    CREATE_FAILED,
    CREATING,
    DELETING,
    DRAFT,
    Dataset,
    Example,
    PageState,
    Principal,
    count_by_field,
    count_matches,
)
from draftmock.vendors.agentcore.service import Ctx

ops = OperationTable()

DOWNLOAD_TTL = 300.0  # presigned URLs expire after 5 minutes
JSONL = "application/x-ndjson"
LONG_MAX = 2**63 - 1
DEFAULT_PAGE = {"ListDatasets": 100, "ListDatasetVersions": 100, "ListDatasetExamples": 100}


def _reply(ctx: Ctx, status: int, body: dict[str, Any]) -> Reply:
    return Reply(status, body, {REQUEST_ID: ctx.request_id})


def _principal(call: Call) -> Principal:
    principal: Principal = call.principal
    return principal


def _body(call: Call) -> dict[str, Any]:
    return dict(call.body or {})


def _ids(dataset: Dataset) -> dict[str, Any]:
    return {"datasetArn": dataset.arn, "datasetId": dataset.id}


def _version(text: str) -> str:
    """Canonical form of a DatasetVersion: DRAFT, or a number without leading zeros (read as
    text: a number of thousands of digits is simply a version that does not exist)."""
    return text if text == DRAFT else text.lstrip("0") or "0"


def _counts_known(dataset: Dataset) -> bool:
    return dataset.status not in (CREATING, CREATE_FAILED)


def summary_json(dataset: Dataset) -> dict[str, Any]:
    body: dict[str, Any] = {
        **_ids(dataset),
        "datasetName": dataset.name,
        "status": dataset.status,
        "schemaType": dataset.schema_type,
        "exampleCount": len(dataset.draft),
        "createdAt": dataset.created_at,
        "updatedAt": dataset.updated_at,
    }
    if dataset.description is not None:
        body["description"] = dataset.description
    if _counts_known(dataset):
        body["draftStatus"] = dataset.draft_status
        body["exampleCountByField"] = count_by_field(dataset.draft.values())
    return body


def _jsonl(examples: list[Example]) -> bytes:
    return b"".join(json.dumps(e.to_json()).encode() + b"\n" for e in examples)


@ops("CreateDataset")
@idempotent
def create_dataset(ctx: Ctx, call: Call) -> Reply:
    dataset = service.create_dataset(ctx, _principal(call), _body(call))
    body = {**_ids(dataset), "status": dataset.status, "createdAt": dataset.created_at}
    return _reply(ctx, 202, body)


@ops("GetDataset")
def get_dataset(ctx: Ctx, call: Call) -> Reply:
    dataset = service.dataset_of(ctx, _principal(call), call.path["datasetId"])
    version = _version(call.query.get("datasetVersion", DRAFT))
    examples = service.examples_of(dataset, version)
    body = summary_json(dataset)
    body["datasetVersion"] = version
    if version != DRAFT:  # exampleCount stays the DRAFT's, as the model documents
        body["exampleCountByField"] = count_by_field(examples)
    for name, value in (
        ("failureReason", dataset.failure_reason),
        ("kmsKeyArn", dataset.kms_key_arn),
        ("tags", dataset.tags or None),
    ):
        if value is not None:
            body[name] = value
    if dataset.status not in (CREATING, CREATE_FAILED, DELETING):
        # whole milliseconds: the URL's Expires and downloadUrlExpiresAt name one instant
        expires = math.floor((ctx.now + DOWNLOAD_TTL) * 1000) / 1000
        path = ctx.blobs.publish(_jsonl(examples), JSONL, expires, ctx.now)
        body["downloadUrl"] = ctx.blobs.url(path)
        body["downloadUrlExpiresAt"] = expires
    return _reply(ctx, 200, body)


@ops("UpdateDataset")
@idempotent
def update_dataset(ctx: Ctx, call: Call) -> Reply:
    body = _body(call)
    dataset = service.update_dataset(
        ctx, _principal(call), call.path["datasetId"], body.get("description")
    )
    return _reply(ctx, 200, {**_ids(dataset), "updatedAt": dataset.updated_at})


@ops("DeleteDataset")
def delete_dataset(ctx: Ctx, call: Call) -> Reply:
    requested = call.query.get("datasetVersion")
    dataset, version = service.delete_dataset(
        ctx,
        _principal(call),
        call.path["datasetId"],
        _version(requested) if requested is not None else None,
    )
    body = {
        **_ids(dataset),
        "status": dataset.status,
        "datasetVersion": version,
        "updatedAt": dataset.updated_at,
    }
    return _reply(ctx, 202, body)


@ops("CreateDatasetVersion")
@idempotent
def create_dataset_version(ctx: Ctx, call: Call) -> Reply:
    dataset, number = service.create_version(ctx, _principal(call), call.path["datasetId"])
    body = {
        **_ids(dataset),
        "status": dataset.status,
        "datasetVersion": str(number),
        "createdAt": ctx.now,
    }
    return _reply(ctx, 202, body)


@ops("AddDatasetExamples")
@idempotent
def add_dataset_examples(ctx: Ctx, call: Call) -> Reply:
    dataset, ids = service.add_examples(
        ctx, _principal(call), call.path["datasetId"], _body(call)["source"]
    )
    body = {
        **_ids(dataset),
        "status": dataset.status,
        "addedCount": len(ids),
        "exampleIds": ids,
        "updatedAt": dataset.updated_at,
    }
    return _reply(ctx, 202, body)


@ops("UpdateDatasetExamples")
@idempotent
def update_dataset_examples(ctx: Ctx, call: Call) -> Reply:
    dataset, count = service.update_examples(
        ctx, _principal(call), call.path["datasetId"], _body(call)["examples"]
    )
    body = {
        **_ids(dataset),
        "status": dataset.status,
        "updatedCount": count,
        "updatedAt": dataset.updated_at,
    }
    return _reply(ctx, 202, body)


@ops("DeleteDatasetExamples")
@idempotent
def delete_dataset_examples(ctx: Ctx, call: Call) -> Reply:
    dataset, count = service.delete_examples(
        ctx, _principal(call), call.path["datasetId"], _body(call)["exampleIds"]
    )
    body = {
        **_ids(dataset),
        "status": dataset.status,
        "deletedCount": count,
        "updatedAt": dataset.updated_at,
    }
    return _reply(ctx, 202, body)


# -- lists ------------------------------------------------------------------------------------


def _conditions(body: dict[str, Any], key: str, where: str) -> list[dict[str, Any]] | None:
    conditions: list[dict[str, Any]] | None = (body.get("filter") or {}).get(key)
    for index, condition in enumerate(conditions or []):
        if "anyOf" not in condition:
            name = f"filter.{key}[{index}].anyOf"
            raise field_error(name, f"{where}: {name} is required")
        for bound in ("min", "max"):
            if condition.get(bound, 0) > LONG_MAX:  # the model's Long is a 64-bit integer
                name = f"filter.{key}[{index}].{bound}"
                raise field_error(name, f"{name} must be at most {LONG_MAX}")
    return conditions


def _page(
    ctx: Ctx,
    call: Call,
    body: dict[str, Any],
    fresh: Callable[[], PageState],
    dataset_id: str | None = None,
    check: Callable[[PageState], None] | None = None,
) -> tuple[PageState, list[Any], str | None]:
    """This page of a listing: resumed from ``nextToken``, or ``fresh()`` on the first page."""
    principal = _principal(call)
    account = service.account_of(ctx, principal)
    token = body.get("nextToken")
    if token:
        state = paging.resume(
            account, token, call.operation_id, principal.region, ctx.now, dataset_id
        )
    else:
        state = fresh()
    if check is not None:
        check(state)
    size = body.get("maxResults", DEFAULT_PAGE[call.operation_id])
    items, next_token = paging.page(ctx, account, state, size)
    return state, list(items), next_token


@ops("ListDatasets")
def list_datasets(ctx: Ctx, call: Call) -> Reply:
    body = _body(call)
    principal = _principal(call)
    conditions = _conditions(body, "exampleCountByField", "ListDatasets")

    def fresh() -> PageState:
        found = sorted(
            service.account_of(ctx, principal).in_region(principal.region),
            key=lambda d: (d.created_at, d.id),
        )
        matching = [d.id for d in found if count_matches(d.draft_examples(), conditions)]
        return paging.first(call.operation_id, principal.region, matching)

    _, ids, next_token = _page(ctx, call, body, fresh)
    datasets = service.account_of(ctx, principal).datasets
    reply: dict[str, Any] = {"datasets": [summary_json(datasets[i]) for i in ids if i in datasets]}
    if next_token:
        reply["nextToken"] = next_token
    return _reply(ctx, 200, reply)


@ops("ListDatasetVersions")
def list_dataset_versions(ctx: Ctx, call: Call) -> Reply:
    body = _body(call)
    dataset = service.dataset_of(ctx, _principal(call), call.path["datasetId"])
    conditions = _conditions(body, "exampleCountByField", "ListDatasetVersions")

    def fresh() -> PageState:
        numbers = sorted(dataset.versions, reverse=True)
        matching = [n for n in numbers if count_matches(dataset.versions[n].examples, conditions)]
        return paging.first(call.operation_id, dataset.region, matching, dataset.id)

    _, numbers, next_token = _page(ctx, call, body, fresh, dataset.id)
    versions = []
    for number in numbers:
        version = dataset.versions.get(number)
        if version is not None:
            versions.append(
                {
                    "datasetVersion": str(number),
                    "exampleCount": len(version.examples),
                    "exampleCountByField": count_by_field(version.examples),
                    "createdAt": version.created_at,
                }
            )
    reply: dict[str, Any] = {"versions": versions}
    if next_token:
        reply["nextToken"] = next_token
    return _reply(ctx, 200, reply)


@ops("ListDatasetExamples")
def list_dataset_examples(ctx: Ctx, call: Call) -> Reply:
    body = _body(call)
    dataset = service.dataset_of(ctx, _principal(call), call.path["datasetId"])
    requested = body.get("datasetVersion")
    conditions = _conditions(body, "exampleFields", "ListDatasetExamples")
    generations = (body.get("filter") or {}).get("generationIds")

    def fresh() -> PageState:
        version = _version(requested or DRAFT)
        examples = [
            e
            for e in service.examples_of(dataset, version)
            if (not conditions or any(e.has_any(c["anyOf"]) for c in conditions))
            and (not generations or e.generation_id in generations)
        ]
        return paging.first(call.operation_id, dataset.region, examples, dataset.id, version)

    def same_version(state: PageState) -> None:
        if requested is not None and _version(requested) != state.version:
            raise paging.version_mismatch(str(state.version), requested)

    state, examples, next_token = _page(ctx, call, body, fresh, dataset.id, same_version)
    reply: dict[str, Any] = {
        **_ids(dataset),
        "datasetVersion": state.version,
        "examples": [e.to_json() for e in examples],
    }
    if next_token:
        reply["nextToken"] = next_token
    return _reply(ctx, 200, reply)


# -- tags ---------------------------------------------------------------------------------------
# On any resource of the caller's account: a dataset's own tags (those CreateDataset set), or,
# for the resources the generated tier serves, tags kept by ARN in the account.

MAX_TAGS = 50  # TagsMap's maxProperties


def _tags_of(ctx: Ctx, call: Call, keep: bool = True) -> dict[str, str]:
    principal = _principal(call)
    arn = str(call.path["resourceArn"])
    account = service.account_of(ctx, principal)
    dataset = next((d for d in account.datasets.values() if d.arn == arn), None)
    if dataset is not None:
        return dataset.tags
    return account.tags.setdefault(arn, {}) if keep else account.tags.get(arn, {})


@ops("TagResource")
def tag_resource(ctx: Ctx, call: Call) -> Reply:
    tags = _tags_of(ctx, call)
    added = dict(_body(call).get("tags") or {})
    if len({**tags, **added}) > MAX_TAGS:
        raise field_error("tags", f"Member must have at most {MAX_TAGS} tags")
    tags.update(added)
    return Reply(204, None, {REQUEST_ID: ctx.request_id})


@ops("UntagResource")
def untag_resource(ctx: Ctx, call: Call) -> Reply:
    tags = _tags_of(ctx, call)
    keys = call.query.get("tagKeys") or []
    for key in keys if isinstance(keys, list) else [keys]:
        tags.pop(str(key), None)
    return Reply(204, None, {REQUEST_ID: ctx.request_id})


@ops("ListTagsForResource")
def list_tags_for_resource(ctx: Ctx, call: Call) -> Reply:
    return _reply(ctx, 200, {"tags": dict(_tags_of(ctx, call, keep=False))})
