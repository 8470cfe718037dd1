"""PromptLayer's dataset operations over a workspace's state, free of HTTP.

Async work (copying rows into a draft, publishing a draft) is scheduled as jobs on the virtual
clock; the job functions at the bottom complete it. Publishing waits for a pending copy: a
save queued while rows are still copying is due no earlier than the copy, so the published
version always holds the copied rows.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
import json
import math
from dataclasses import dataclass
from typing import Any

from draftmock.vendors._kit import Context
from draftmock.vendors.promptlayer.errors import (
    ConflictError,
    ExternalIdConflictError,
    ExternalIdNotFoundError,
    NotFoundError,
    PromptLayerError,
)
from draftmock.vendors.promptlayer.filters import select_logs
from draftmock.vendors.promptlayer.models import (
    DRAFT,
    ApiKey,
    Backend,
    Dataset,
    DatasetGroup,
    ExternalId,
    Workspace,
)

Ctx = Context[Backend]

MAX_FILE_BYTES = 100 * 1024 * 1024
MAX_FILTER_LOGS = 50_000
MAX_FILE_DEPTH = 64  # cell values nest below the rows response's own four levels
COPY_JOB = "copy_rows"
PUBLISH_JOB = "publish_draft"


def workspace_of(ctx: Ctx, key: ApiKey, requested: int | None = None) -> Workspace:
    if requested is not None and requested != key.workspace_id:
        raise PromptLayerError(f"Invalid workspace_id {requested}: the API key has no access to it")
    return ctx.backend.workspace(key.workspace_id)


def group_of(ws: Workspace, group_id: int) -> DatasetGroup:
    group = ws.groups.get(group_id)
    if group is None or group.is_deleted:
        raise NotFoundError(f"Dataset group {group_id} not found")
    return group


def dataset_of(ws: Workspace, dataset_id: int) -> Dataset:
    dataset = ws.datasets.get(dataset_id)
    if dataset is None or dataset.is_deleted:
        raise NotFoundError(f"Dataset {dataset_id} not found")
    return dataset


def _new_dataset(ctx: Ctx, ws: Workspace, group: DatasetGroup, key: ApiKey) -> Dataset:
    dataset = Dataset(
        id=ctx.ids.next_int("promptlayer.dataset"),
        group_id=group.id,
        version_number=DRAFT,
        user_id=key.user_id,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    ws.add_dataset(dataset)
    group.updated_at = ctx.now
    return dataset


def _touch(ctx: Ctx, ws: Workspace, dataset: Dataset) -> None:
    dataset.updated_at = ctx.now
    ws.groups[dataset.group_id].updated_at = ctx.now


# -- dataset groups ---------------------------------------------------------------------------


def create_group(
    ctx: Ctx,
    key: ApiKey,
    name: str,
    workspace_id: int | None,
    folder_id: int | None,
    external_ids: list[dict[str, str]],
) -> tuple[DatasetGroup, Dataset]:
    """A new group and its initial, empty draft, in one step."""
    ws = workspace_of(ctx, key, workspace_id)
    if ws.live_group_named(name) is not None:
        raise PromptLayerError(f"A dataset group named {name!r} already exists in this workspace")
    wanted = [ExternalId(e["source"], e["external_id"]) for e in external_ids]
    for ext in wanted:
        _ensure_external_id_free(ws, ext, None)
    group = DatasetGroup(
        id=ctx.ids.next_int("promptlayer.group"),
        name=name,
        workspace_id=ws.id,
        user_id=key.user_id,
        created_at=ctx.now,
        updated_at=ctx.now,
        folder_id=folder_id,
        external_ids=_unique(wanted),
    )
    ws.add_group(group)
    return group, _new_dataset(ctx, ws, group, key)


def _unique(ids: list[ExternalId]) -> list[ExternalId]:
    seen: list[ExternalId] = []
    for ext in ids:
        if ext not in seen:
            seen.append(ext)
    return seen


def _ensure_external_id_free(ws: Workspace, ext: ExternalId, owner: int | None) -> None:
    for group in ws.groups.values():
        if group.id != owner and not group.is_deleted and ext in group.external_ids:
            raise ExternalIdConflictError(
                f"External id {ext.source}/{ext.external_id} is already attached to "
                f"dataset group {group.id}"
            )


def attach_external_id(
    ctx: Ctx, key: ApiKey, group_id: int, source: str, external_id: str
) -> ExternalId:
    ws = workspace_of(ctx, key)
    group = group_of(ws, group_id)
    ext = ExternalId(source, external_id)
    _ensure_external_id_free(ws, ext, group.id)
    if ext in group.external_ids:
        raise ExternalIdConflictError(
            f"External id {source}/{external_id} is already attached to this dataset group"
        )
    group.external_ids.append(ext)
    group.updated_at = ctx.now
    return ext


def list_external_ids(ctx: Ctx, key: ApiKey, group_id: int) -> list[ExternalId]:
    return list(group_of(workspace_of(ctx, key), group_id).external_ids)


def delete_external_id(
    ctx: Ctx, key: ApiKey, group_id: int, source: str, external_id: str
) -> ExternalId:
    group = group_of(workspace_of(ctx, key), group_id)
    ext = ExternalId(source, external_id)
    if ext not in group.external_ids:
        raise ExternalIdNotFoundError(
            f"External id {source}/{external_id} is not attached to dataset group {group_id}"
        )
    group.external_ids.remove(ext)
    group.updated_at = ctx.now
    return ext


# -- drafts -----------------------------------------------------------------------------------


def draft_exists() -> ConflictError:
    return ConflictError("A draft version already exists for this dataset group")


def create_draft(
    ctx: Ctx, key: ApiKey, group_id: int, source_id: int | None
) -> tuple[Dataset, bool]:
    """An empty draft, or one whose rows are copied from ``source_id`` (returns copying=True)."""
    ws = workspace_of(ctx, key)
    group = group_of(ws, group_id)
    source = None
    if source_id is not None:
        source = ws.datasets.get(source_id)
        if source is None or source.is_deleted:
            raise NotFoundError(f"Source dataset {source_id} not found")
        if source.group_id != group.id:
            raise NotFoundError(
                f"Source dataset {source_id} does not belong to dataset group {group.id}"
            )
    if ws.draft(group.id) is not None:
        raise draft_exists()
    draft = _new_dataset(ctx, ws, group, key)
    if source is None:
        return draft, False
    draft.pending = "copying"
    ctx.jobs.schedule(
        COPY_JOB,
        {"workspace_id": ws.id, "draft_id": draft.id, "source_id": source.id},
        delay=ctx.settings.async_delay,
    )
    return draft, True


def require_draft(ws: Workspace, group_id: int) -> Dataset:
    draft = ws.draft(group_id)
    if draft is None:
        raise NotFoundError(f"No draft dataset version exists for dataset group {group_id}")
    return draft


def add_request_log(ctx: Ctx, key: ApiKey, group_id: int, log_id: int) -> Dataset:
    ws = workspace_of(ctx, key)
    group_of(ws, group_id)
    draft = require_draft(ws, group_id)
    log = ws.request_logs.get(log_id)
    if log is None:
        if any(log_id in other.request_logs for other in ctx.backend.workspaces.values()):
            raise PromptLayerError(
                f"Request log {log_id} and the dataset group are in different workspaces"
            )
        raise NotFoundError(f"Request log {log_id} not found")
    draft.add_row(log.row())
    _touch(ctx, ws, draft)
    return draft


def add_trace(
    ctx: Ctx, key: ApiKey, group_id: int, trace_id: str, span_id: str | None
) -> tuple[Dataset, str]:
    """One row from a trace; makes a draft (seeded from the latest version) when none exists."""
    ws = workspace_of(ctx, key)
    group = group_of(ws, group_id)
    trace = ws.traces.get(trace_id)
    if trace is None:
        raise NotFoundError(f"Trace {trace_id} not found in this workspace")
    if span_id is None:
        anchor = trace.root()
        if anchor is None:
            raise PromptLayerError(f"Trace {trace_id} has no root span")
        row = {"input": anchor.input, "output": anchor.output}
        mode = "trace"
    else:
        anchor = trace.span(span_id)
        if anchor is None:
            raise PromptLayerError(f"Span {span_id} is not part of trace {trace_id}")
        row = {f"{anchor.name}.input": anchor.input, f"{anchor.name}.output": anchor.output}
        for child in trace.children(anchor.span_id):
            row[f"{child.name}.output"] = child.output
        mode = "span"
    draft = ws.draft(group.id)
    if draft is None:
        draft = _new_dataset(ctx, ws, group, key)
        latest = ws.latest_published(group.id)
        if latest is not None:
            draft.column_names = list(latest.column_names)
            draft.rows = [list(r) for r in latest.rows]
    draft.add_row(row)
    _touch(ctx, ws, draft)
    return draft, mode


def save_draft(ctx: Ctx, key: ApiKey, group_id: int) -> Dataset:
    """Queue publishing the group's draft as the next version number."""
    ws = workspace_of(ctx, key)
    group_of(ws, group_id)
    draft = require_draft(ws, group_id)
    _schedule_publish(ctx, ws, draft)
    return draft


def _schedule_publish(ctx: Ctx, ws: Workspace, draft: Dataset) -> None:
    copy_due = ctx.jobs.due_of(COPY_JOB, draft_id=draft.id)
    if draft.pending != "copying":
        draft.pending = "publishing"
    ctx.jobs.schedule(
        PUBLISH_JOB,
        {"workspace_id": ws.id, "draft_id": draft.id},
        delay=ctx.settings.async_delay,
        not_before=copy_due,
    )


# -- versions from files and filters ----------------------------------------------------------


def create_version_from_file(
    ctx: Ctx, key: ApiKey, group_id: int, file_name: str, content_base64: str
) -> Dataset:
    ws = workspace_of(ctx, key)
    group = group_of(ws, group_id)
    columns, rows = parse_file(file_name, content_base64)
    draft = _new_dataset(ctx, ws, group, key)
    draft.imported = True
    draft.column_names = columns
    draft.rows = rows
    _schedule_publish(ctx, ws, draft)
    return draft


def parse_file(file_name: str, content_base64: str) -> tuple[list[str], list[list[Any]]]:
    lowered = file_name.lower()
    if not lowered.endswith((".csv", ".json")):
        raise PromptLayerError("Unsupported file type: file_name must end with .csv or .json")
    if len(content_base64) > (MAX_FILE_BYTES * 4) // 3 + 4:
        raise PromptLayerError("File is too large: the decoded content must be at most 100 MB")
    try:
        raw = base64.b64decode(content_base64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise PromptLayerError("file_content_base64 is not valid base64") from exc
    if len(raw) > MAX_FILE_BYTES:
        raise PromptLayerError("File is too large: the decoded content must be at most 100 MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PromptLayerError("File content is not UTF-8 text") from exc
    return _parse_csv(text) if lowered.endswith(".csv") else _parse_json(text)


def _parse_csv(text: str) -> tuple[list[str], list[list[Any]]]:
    try:
        table = list(csv.reader(io.StringIO(text)))
    except csv.Error as exc:
        raise PromptLayerError(f"Invalid CSV file: {exc}") from exc
    if not table or not any(cell.strip() for cell in table[0]):
        raise PromptLayerError("Invalid CSV file: the first line must name the columns")
    header = table[0]
    if len(set(header)) != len(header):
        raise PromptLayerError("Invalid CSV file: column names must be unique")
    rows = []
    for number, line in enumerate(table[1:], start=2):
        if not line:
            continue
        if len(line) != len(header):
            raise PromptLayerError(
                f"Invalid CSV file: line {number} has {len(line)} cells, expected {len(header)}"
            )
        rows.append(list(line))
    return header, rows


def _parse_json(text: str) -> tuple[list[str], list[list[Any]]]:
    try:
        data = json.loads(text, parse_constant=_not_json, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise PromptLayerError(f"Invalid JSON file: {exc.msg} at line {exc.lineno}") from exc
    except RecursionError as exc:
        raise PromptLayerError("Invalid JSON file: nested too deeply") from exc
    except ValueError as exc:  # e.g. an integer literal beyond the interpreter's digit limit
        raise PromptLayerError(f"Invalid JSON file: {exc}") from exc
    if _depth_exceeds(data, MAX_FILE_DEPTH):
        raise PromptLayerError(f"Invalid JSON file: nested deeper than {MAX_FILE_DEPTH} levels")
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise PromptLayerError("Invalid JSON file: expected an array of objects")
    columns: list[str] = []
    for item in data:
        columns.extend(str(k) for k in item if str(k) not in columns)
    return columns, [[item.get(c) for c in columns] for item in data]


def _not_json(literal: str) -> Any:
    raise ValueError(f"{literal} is not a JSON value")


def _finite(literal: str) -> float:
    value = float(literal)
    if math.isinf(value):
        raise ValueError(f"{literal} is beyond the range of a number")
    return value


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests containers more than ``limit`` deep (without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth >= limit:
                return True
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return False


@dataclass(frozen=True)
class FilterRequest:
    request_log_ids: list[int] | None
    filter_group: dict[str, Any] | None
    q: str | None
    sort_by: str | None
    sort_order: str | None
    variables_to_parse: list[str] | None
    limit: int | None

    def params(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v is not None}


def create_version_from_filters(
    ctx: Ctx, key: ApiKey, group_id: int, request: FilterRequest
) -> Dataset:
    """Rows from the matching request logs, in the group's draft (reused or new), then publish."""
    ws = workspace_of(ctx, key)
    group = group_of(ws, group_id)
    logs = select_logs(list(ws.request_logs.values()), request, MAX_FILTER_LOGS)
    draft = ws.draft(group.id) or _new_dataset(ctx, ws, group, key)
    draft.filter_params = request.params()
    for log in logs:
        row = log.row()
        if request.variables_to_parse is not None:
            row = {
                k: v
                for k, v in row.items()
                if k not in log.input_variables or k in request.variables_to_parse
            }
        draft.add_row(row)
    _touch(ctx, ws, draft)
    _schedule_publish(ctx, ws, draft)
    return draft


# -- reads ------------------------------------------------------------------------------------


def get_dataset(ctx: Ctx, key: ApiKey, dataset_id: int, workspace_id: int | None) -> Dataset:
    return dataset_of(workspace_of(ctx, key, workspace_id), dataset_id)


def matching_rows(dataset: Dataset, q: str | None) -> list[list[Any]]:
    if not q:
        return dataset.rows
    needle = q.lower()
    return [row for row in dataset.rows if any(needle in str(cell).lower() for cell in row if cell)]


# -- jobs -------------------------------------------------------------------------------------


def finish_copy(ctx: Ctx, payload: dict[str, Any]) -> None:
    ws = ctx.backend.workspace(payload["workspace_id"])
    draft = ws.datasets.get(payload["draft_id"])
    source = ws.datasets.get(payload["source_id"])
    if draft is None or source is None or not draft.is_draft:
        return
    if ctx.failure is not None:
        draft.is_deleted = True  # a failed copy leaves no draft behind
        return
    added_columns = [c for c in draft.column_names if c not in source.column_names]
    columns = list(source.column_names) + added_columns
    copied = [list(row) + [None] * len(added_columns) for row in source.rows]
    own = [
        [dict(zip(draft.column_names, row, strict=False)).get(c) for c in columns]
        for row in draft.rows
    ]
    draft.column_names = columns
    draft.rows = copied + own
    draft.pending = "publishing" if ctx.jobs.due_of(PUBLISH_JOB, draft_id=draft.id) else None
    draft.updated_at = ctx.now


def finish_publish(ctx: Ctx, payload: dict[str, Any]) -> None:
    ws = ctx.backend.workspace(payload["workspace_id"])
    draft = ws.datasets.get(payload["draft_id"])
    if draft is None or draft.is_deleted or not draft.is_draft:
        return  # already published by an earlier save
    if ctx.failure is not None:
        draft.is_deleted = True  # failed drafts are removed, as the vendor documents
        draft.pending = None
        return
    draft.version_number = ws.next_version_number(draft.group_id)
    draft.pending = None
    draft.updated_at = ctx.now
    ws.groups[draft.group_id].updated_at = ctx.now
