"""One function per operationId: unpack the validated call, ask the service, shape the body."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from draftmock.clock import iso
from draftmock.vendors._kit import Call, OperationTable, Reply, created, ok
from draftmock.vendors.promptlayer import service
from draftmock.vendors.promptlayer.errors import NotFoundError, PromptLayerError
from draftmock.vendors.promptlayer.models import ApiKey, Dataset, DatasetGroup, Workspace
from draftmock.vendors.promptlayer.service import Ctx, FilterRequest

ops = OperationTable()


def dataset_json(ws: Workspace, dataset: Dataset) -> dict[str, Any]:
    group = ws.groups[dataset.group_id]
    return {
        "id": dataset.id,
        "dataset_group_id": dataset.group_id,
        "version_number": dataset.version_number,
        "column_names": list(dataset.column_names),
        "filter_params": dataset.filter_params,
        "is_deleted": dataset.is_deleted,
        "user_id": dataset.user_id,
        "row_count": len(dataset.rows),
        "created_at": iso(dataset.created_at),
        "updated_at": iso(dataset.updated_at),
        "dataset_group": group.to_json(),
        "external_ids": [e.to_json() for e in group.external_ids],
    }


def _key(call: Call) -> ApiKey:
    key: ApiKey = call.principal
    return key


@ops("createDatasetGroup")
def create_dataset_group(ctx: Ctx, call: Call) -> Reply:
    body = call.body
    group, draft = service.create_group(
        ctx,
        _key(call),
        body["name"],
        body.get("workspace_id"),
        body.get("folder_id"),
        body.get("external_ids") or [],
    )
    ws = ctx.backend.workspace(group.workspace_id)
    return created(
        {
            "success": True,
            "message": "Dataset group created successfully",
            "dataset_group": group.to_json(),
            "dataset": dataset_json(ws, draft),
            "external_ids": [e.to_json() for e in group.external_ids],
        }
    )


_GROUP_LINKS = ("prompt_id", "prompt_version_id", "prompt_label_id", "report_id")


def _instant(name: str, text: str | None) -> float | None:
    if text is None:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    except ValueError as exc:
        raise PromptLayerError(f"{name} is not a valid date-time: {text!r}") from exc


def _group_matches(ws: Workspace, group: DatasetGroup, q: dict[str, Any]) -> bool:
    if q.get("dataset_group_id") is not None and group.id != q["dataset_group_id"]:
        return False
    for link in _GROUP_LINKS:
        if q.get(link) is not None and q[link] not in group.links.get(link, []):
            return False
    if q.get("name") and q["name"].lower() not in group.name.lower():
        return False
    source, external = q.get("external_source"), q.get("external_id")
    return source is None or any(
        e.source == source and e.external_id == external for e in group.external_ids
    )


@ops("listDatasets")
def list_datasets(ctx: Ctx, call: Call) -> Reply:
    q = call.query
    if (q.get("external_source") is None) != (q.get("external_id") is None):
        raise PromptLayerError("external_source and external_id must be given together")
    ws = service.workspace_of(ctx, _key(call), q.get("workspace_id"))
    bounds = {
        name: _instant(name, q.get(name))
        for name in ("created_after", "created_before", "updated_after", "updated_before")
    }
    status = q.get("status", "active")
    email = q.get("created_by_email")
    found = []
    for dataset in ws.datasets.values():
        group = ws.groups[dataset.group_id]
        deleted = dataset.is_deleted or group.is_deleted
        if (status == "active" and deleted) or (status == "deleted" and not deleted):
            continue
        if not _group_matches(ws, group, q):
            continue
        if (
            email is not None
            and ctx.backend.emails.get(dataset.user_id, "").lower() != email.lower()
        ):
            continue
        if not _within(dataset, bounds):
            continue
        found.append(dataset)
    sort_by = q.get("sort_by") or "created_at"
    keys = {
        "created_at": lambda d: (d.created_at, d.id),
        "updated_at": lambda d: (d.updated_at, d.id),
        "name": lambda d: (ws.groups[d.group_id].name.lower(), d.id),
        "id": lambda d: (d.id,),
    }
    found.sort(key=keys[sort_by], reverse=q.get("sort_order", "desc") != "asc")
    page, per_page = q.get("page", 1), q.get("per_page", 10)
    window = found[(page - 1) * per_page : page * per_page]
    return ok(
        {
            "success": True,
            "message": "success",
            "datasets": [dataset_json(ws, d) for d in window],
            "page": page,
            "per_page": per_page,
            "total": len(found),
            "pages": math.ceil(len(found) / per_page),
        }
    )


def _within(dataset: Dataset, bounds: dict[str, float | None]) -> bool:
    checks = (
        (bounds["created_after"], dataset.created_at, 1),
        (bounds["created_before"], dataset.created_at, -1),
        (bounds["updated_after"], dataset.updated_at, 1),
        (bounds["updated_before"], dataset.updated_at, -1),
    )
    return all(bound is None or (value - bound) * sign >= 0 for bound, value, sign in checks)


@ops("getDatasetRows")
def get_dataset_rows(ctx: Ctx, call: Call) -> Reply:
    q = call.query
    dataset = service.get_dataset(ctx, _key(call), call.path["dataset_id"], q.get("workspace_id"))
    rows = service.matching_rows(dataset, q.get("q"))
    page, per_page = q.get("page", 1), q.get("per_page", 10)
    window = rows[(page - 1) * per_page : page * per_page]
    return ok(
        {
            "success": True,
            "message": "success",
            "columns": list(dataset.column_names),
            "rows": [[{"type": "dataset", "value": cell} for cell in row] for row in window],
            "page": page,
            "per_page": per_page,
            "pages": math.ceil(len(rows) / per_page),
            "total": len(rows),
        }
    )


def _draft_reply(status: int, message: str, draft: Dataset) -> Reply:
    return Reply(status, {"success": True, "message": message, "draft_dataset_id": draft.id})


@ops("createDraftDatasetVersion")
def create_draft_dataset_version(ctx: Ctx, call: Call) -> Reply:
    draft, copying = service.create_draft(
        ctx, _key(call), call.body["dataset_group_id"], call.body.get("source_dataset_id")
    )
    if copying:
        return _draft_reply(
            202, "Draft created; rows are being copied from the source dataset", draft
        )
    return _draft_reply(201, "Draft dataset version created", draft)


@ops("addRequestLogToDatasetVersion")
def add_request_log_to_dataset_version(ctx: Ctx, call: Call) -> Reply:
    draft = service.add_request_log(
        ctx, _key(call), call.body["dataset_group_id"], call.body["request_log_id"]
    )
    return _draft_reply(201, "Request log added to draft dataset", draft)


@ops("addTraceToDatasetVersion")
def add_trace_to_dataset_version(ctx: Ctx, call: Call) -> Reply:
    draft, mode = service.add_trace(
        ctx, _key(call), _trace_target(call.body), call.body["trace_id"], call.body.get("span_id")
    )
    return created({"success": True, "draft_dataset_id": draft.id, "mode": mode})


def _trace_target(body: dict[str, Any]) -> int:
    """The group a trace goes to: ``dataset_group_id``, else the SDK's ``sheet_id`` (an integer,
    or a string of digits as the SDK's ``Union[str, int]`` allows)."""
    if "dataset_group_id" in body:
        group_id: int = body["dataset_group_id"]
        return group_id
    sheet = body["sheet_id"]
    if isinstance(sheet, int):
        return sheet
    if sheet.isascii() and sheet.isdigit() and len(sheet) <= 18:
        return int(sheet)
    raise NotFoundError(f"Dataset group {sheet!r} not found")


@ops("saveDraftDatasetVersion")
def save_draft_dataset_version(ctx: Ctx, call: Call) -> Reply:
    draft = service.save_draft(ctx, _key(call), call.body["dataset_group_id"])
    return _draft_reply(202, "Dataset save job queued", draft)


@ops("createDatasetVersionFromFile")
def create_dataset_version_from_file(ctx: Ctx, call: Call) -> Reply:
    body = call.body
    dataset = service.create_version_from_file(
        ctx, _key(call), body["dataset_group_id"], body["file_name"], body["file_content_base64"]
    )
    return created(
        {
            "success": True,
            "message": "Dataset version creation job queued",
            "dataset_id": dataset.id,
        }
    )


@ops("createDatasetVersionFromFilterParams")
def create_dataset_version_from_filter_params(ctx: Ctx, call: Call) -> Reply:
    body = call.body
    request = FilterRequest(
        request_log_ids=body.get("request_log_ids"),
        filter_group=body.get("filter_group"),
        q=body.get("q"),
        sort_by=body.get("sort_by"),
        sort_order=body.get("sort_order"),
        variables_to_parse=body.get("variables_to_parse"),
        limit=body.get("limit"),
    )
    draft = service.create_version_from_filters(ctx, _key(call), body["dataset_group_id"], request)
    return created(
        {
            "success": True,
            "message": "Dataset version creation job queued",
            "dataset_id": draft.id,
            "dataset_group_id": draft.group_id,
            "version_number": draft.version_number,
        }
    )


@ops("attach_dataset_group_id_external_id")
def attach_dataset_group_external_id(ctx: Ctx, call: Call) -> Reply:
    ext = service.attach_external_id(
        ctx,
        _key(call),
        call.path["dataset_group_id"],
        call.body["source"],
        call.body["external_id"],
    )
    return created({"success": True, "external_id": ext.to_json()})


@ops("list_dataset_group_id_external_ids")
def list_dataset_group_external_ids(ctx: Ctx, call: Call) -> Reply:
    ids = service.list_external_ids(ctx, _key(call), call.path["dataset_group_id"])
    return ok({"success": True, "external_ids": [e.to_json() for e in ids]})


@ops("delete_dataset_group_id_external_id")
def delete_dataset_group_external_id(ctx: Ctx, call: Call) -> Reply:
    service.delete_external_id(
        ctx,
        _key(call),
        call.path["dataset_group_id"],
        call.path["source"],
        call.path["external_id"],
    )
    return ok({"success": True})
