"""One function per operationId: unpack the validated call, ask the service, shape the body."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from draftmock.clock import iso
from draftmock.vendors._kit import Call, OperationTable, Reply, created, no_content, ok
from draftmock.vendors.lunary import service
from draftmock.vendors.lunary.models import ApiKey, Dataset, Item, Version, VersionItem
from draftmock.vendors.lunary.service import Ctx

ops = OperationTable()

SLOTS = range(1, 6)


def _iso(instant: float | None) -> str | None:
    return iso(instant) if instant is not None else None


def dataset_json(dataset: Dataset, *, configs: bool = True) -> dict[str, Any]:
    """DatasetV2; ``evaluatorConfigs`` on every route but the list, as upstream."""
    current = dataset.current_version
    body: dict[str, Any] = {
        "id": dataset.id,
        "projectId": dataset.project_id,
        "ownerId": dataset.owner_id,
        "ownerName": dataset.owner_name,
        "ownerEmail": dataset.owner_email,
        "name": dataset.name,
        "description": dataset.description,
        "createdAt": iso(dataset.created_at),
        "updatedAt": iso(dataset.updated_at),
        "itemCount": len(dataset.items),  # live items, not the current version's
        "currentVersionId": dataset.current_version_id,
        "currentVersionNumber": dataset.current_version_number,
        "currentVersionCreatedAt": _iso(current.created_at) if current else None,
        "currentVersionCreatedBy": current.created_by if current else None,
        "currentVersionRestoredFromVersionId": current.restored_from if current else None,
    }
    body.update({f"evaluatorSlot{slot}Id": None for slot in SLOTS})
    if configs:
        body["evaluatorConfigs"] = {}
    return body


def _results() -> dict[str, None]:
    return {f"evaluatorResult{slot}": None for slot in SLOTS}


def item_json(item: Item) -> dict[str, Any]:
    return {
        "id": item.id,
        "datasetId": item.dataset_id,
        "input": item.input,
        "groundTruth": item.ground_truth,
        "output": item.output,
        **_results(),
        "createdAt": iso(item.created_at),
        "updatedAt": iso(item.updated_at),
    }


def with_items(dataset: Dataset) -> dict[str, Any]:
    return {**dataset_json(dataset), "items": [item_json(i) for i in dataset.items_as_read()]}


def version_json(version: Version) -> dict[str, Any]:
    return {
        "id": version.id,
        "datasetId": version.dataset_id,
        "versionNumber": version.number,
        "createdAt": iso(version.created_at),
        "createdBy": version.created_by,
        "restoredFromVersionId": version.restored_from,
        "name": version.name,
        "description": version.description,
        "itemCount": len(version.items),
    }


def version_item_json(item: VersionItem) -> dict[str, Any]:
    return {
        "id": item.id,
        "versionId": item.version_id,
        "datasetId": item.dataset_id,
        "itemIndex": item.index,
        "input": item.input,
        "groundTruth": item.ground_truth,
        "output": item.output,
        "sourceItemId": item.source_item_id,
        "sourceCreatedAt": _iso(item.source_created_at),
        "sourceUpdatedAt": _iso(item.source_updated_at),
        **_results(),
    }


def _key(call: Call) -> ApiKey:
    key: ApiKey = call.principal
    return key


def _id(call: Call, name: str) -> str:
    """A path UUID in canonical form: Postgres compares UUIDs, not their spelling."""
    return str(UUID(call.path[name]))


def _body(call: Call) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


# -- datasets ---------------------------------------------------------------------------------


@ops("listDatasets")
def list_datasets(ctx: Ctx, call: Call) -> Reply:
    found = service.list_datasets(
        ctx, _key(call), call.query.get("search"), call.query.get("sort") or "newest"
    )
    return ok([dataset_json(d, configs=False) for d in found])


@ops("createDataset")
def create_dataset(ctx: Ctx, call: Call) -> Reply:
    body = _body(call)
    dataset = service.create_dataset(ctx, _key(call), body["name"], body.get("description"))
    return created(dataset_json(dataset))


@ops("getDataset")
def get_dataset(ctx: Ctx, call: Call) -> Reply:
    return ok(with_items(service.dataset_of(ctx, _key(call), _id(call, "datasetId"))))


@ops("updateDataset")
def update_dataset(ctx: Ctx, call: Call) -> Reply:
    dataset = service.update_dataset(
        ctx, _key(call), _id(call, "datasetId"), _body(call), call.query
    )
    return ok(dataset_json(dataset))


@ops("deleteDataset")
def delete_dataset(ctx: Ctx, call: Call) -> Reply:
    service.delete_dataset(ctx, _key(call), _id(call, "datasetId"))
    return no_content()


@ops("importDatasetItems")
def import_dataset_items(ctx: Ctx, call: Call) -> Reply:
    body = _body(call)
    count = service.import_items(
        ctx, _key(call), _id(call, "datasetId"), body["format"], body["content"], call.query
    )
    return ok({"insertedCount": count})


@ops("duplicateDataset")
def duplicate_dataset(ctx: Ctx, call: Call) -> Reply:
    return created(dataset_json(service.duplicate_dataset(ctx, _key(call), _id(call, "datasetId"))))


# -- versions ---------------------------------------------------------------------------------


@ops("listDatasetVersions")
def list_dataset_versions(ctx: Ctx, call: Call) -> Reply:
    versions = service.list_versions(
        ctx, _key(call), _id(call, "datasetId"), call.query.get("limit") or 50
    )
    return ok({"versions": [version_json(v) for v in versions]})


@ops("createDatasetVersion")
def create_dataset_version(ctx: Ctx, call: Call) -> Reply:
    version, dataset = service.create_version(ctx, _key(call), _id(call, "datasetId"))
    return created({"version": version_json(version), "dataset": dataset_json(dataset)})


@ops("getDatasetVersion")
def get_dataset_version(ctx: Ctx, call: Call) -> Reply:
    version = service.version_of(ctx, _key(call), _id(call, "datasetId"), _id(call, "versionId"))
    items = sorted(version.items, key=lambda i: i.index)
    return ok({"version": version_json(version), "items": [version_item_json(i) for i in items]})


@ops("restoreDatasetVersion")
def restore_dataset_version(ctx: Ctx, call: Call) -> Reply:
    dataset = service.restore_version(
        ctx, _key(call), _id(call, "datasetId"), _id(call, "versionId")
    )
    return ok(with_items(dataset))


# -- items ------------------------------------------------------------------------------------


@ops("listDatasetItems")
def list_dataset_items(ctx: Ctx, call: Call) -> Reply:
    dataset = service.dataset_of(ctx, _key(call), _id(call, "datasetId"))
    return ok([item_json(i) for i in reversed(dataset.ordered_items())])


@ops("createDatasetItem")
def create_dataset_item(ctx: Ctx, call: Call) -> Reply:
    item = service.create_item(ctx, _key(call), _id(call, "datasetId"), _body(call), call.query)
    return created(item_json(item))


@ops("getDatasetItem")
def get_dataset_item(ctx: Ctx, call: Call) -> Reply:
    dataset = service.dataset_of(ctx, _key(call), _id(call, "datasetId"))
    return ok(item_json(service.item_of(dataset, _id(call, "itemId"))))


@ops("updateDatasetItem")
def update_dataset_item(ctx: Ctx, call: Call) -> Reply:
    item = service.update_item(
        ctx, _key(call), _id(call, "datasetId"), _id(call, "itemId"), _body(call), call.query
    )
    return ok(item_json(item))


@ops("deleteDatasetItem")
def delete_dataset_item(ctx: Ctx, call: Call) -> Reply:
    service.delete_item(ctx, _key(call), _id(call, "datasetId"), _id(call, "itemId"), call.query)
    return no_content()
