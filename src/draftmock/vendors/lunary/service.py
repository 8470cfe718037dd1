"""Lunary's dataset operations over a project's state, free of HTTP. Everything is synchronous.

Check order follows upstream per operation (validation has already happened in the pipeline):
updateDataset 400 "No fields to update", then 404, then 409; updateDatasetItem 404 dataset,
400, 404 item; restore 404 dataset, 404 version, 409.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from draftmock.vendors._kit import Context
from draftmock.vendors.lunary import importer, versioning
from draftmock.vendors.lunary.errors import (
    DatasetNotFoundError,
    ImportParseError,
    ItemNotFoundError,
    NameConflictError,
    NoFieldsToUpdateError,
    VersionNotFoundError,
)
from draftmock.vendors.lunary.models import ApiKey, Backend, Dataset, Item, Project, Version

Ctx = Context[Backend]

ITEM_FIELDS = {"input": "input", "groundTruth": "ground_truth", "output": "output"}


def project_of(ctx: Ctx, key: ApiKey) -> Project:
    return ctx.backend.project(key.project_id)


def dataset_of(ctx: Ctx, key: ApiKey, dataset_id: str) -> Dataset:
    dataset = project_of(ctx, key).datasets.get(dataset_id)
    if dataset is None:
        raise DatasetNotFoundError()
    return dataset


def _trimmed(value: str | None) -> str | None:
    return importer.js_trim(value) if value is not None else None


def _auto_version(ctx: Ctx, dataset: Dataset, query: Mapping[str, Any]) -> Version | None:
    if versioning.skip_requested(query):
        return None
    return versioning.snapshot(dataset, ctx.ids.uuid, ctx.now)


# -- datasets ---------------------------------------------------------------------------------


class LikePattern:
    """Postgres ``ILIKE '%term%'`` without a regular expression: ``%`` and ``_`` are wildcards,
    a backslash escapes. The ``%``-separated segments are matched left to right, each at its
    earliest position (for such patterns the earliest is always the right choice), so a search
    costs at most ``len(text) * len(term)`` comparisons and never backtracks."""

    __slots__ = ("_segments",)

    def __init__(self, term: str) -> None:
        segments: list[list[str | None]] = [[]]  # None stands for ``_``, one character
        i = 0
        while i < len(term):
            char = term[i]
            if char == "\\" and i + 1 < len(term):
                segments[-1].append(term[i + 1].lower())
                i += 1
            elif char == "%":
                segments.append([])
            else:
                segments[-1].append(None if char == "_" else char.lower())
            i += 1
        self._segments = [s for s in segments if s]

    def search(self, text: str) -> bool:
        text = text.lower()
        at = 0
        for segment in self._segments:
            found = _find(text, segment, at)
            if found < 0:
                return False
            at = found + len(segment)
        return True


def _find(text: str, segment: list[str | None], start: int) -> int:
    """The first index >= ``start`` where ``segment`` (``None``: any character) matches."""
    if None not in segment:
        return text.find("".join(segment), start)  # type: ignore[arg-type]
    for at in range(start, len(text) - len(segment) + 1):
        if all(want is None or text[at + k] == want for k, want in enumerate(segment)):
            return at
    return -1


def ilike(term: str) -> LikePattern:
    return LikePattern(term)


def list_datasets(ctx: Ctx, key: ApiKey, search: str | None, sort: str) -> list[Dataset]:
    found = list(project_of(ctx, key).datasets.values())
    if search and (term := importer.js_trim(search)):
        pattern = ilike(term)
        found = [d for d in found if pattern.search(d.name) or pattern.search(d.description or "")]
    if sort == "alphabetical":
        found.sort(key=lambda d: d.name.lower())
    elif sort == "items":
        found.sort(key=lambda d: (len(d.items), d.created_at), reverse=True)
    elif sort == "updated":
        found.sort(key=lambda d: d.updated_at, reverse=True)
    else:
        found.sort(key=lambda d: d.created_at, reverse=True)
    return found


def create_dataset(ctx: Ctx, key: ApiKey, name: str, description: str | None) -> Dataset:
    """The dataset and its (empty) version 1, in one step."""
    project = project_of(ctx, key)
    name = importer.js_trim(name)
    if project.name_taken(name):
        raise NameConflictError()
    dataset = Dataset(
        id=ctx.ids.uuid(),
        project_id=project.id,
        name=name,
        description=_trimmed(description),
        created_at=ctx.now,
        updated_at=ctx.now,
        owner_id=key.user_id,
    )
    versioning.snapshot(dataset, ctx.ids.uuid, ctx.now)
    project.datasets[dataset.id] = dataset
    return dataset


def update_dataset(
    ctx: Ctx, key: ApiKey, dataset_id: str, body: Mapping[str, Any], query: Mapping[str, Any]
) -> Dataset:
    if "name" not in body and "description" not in body:
        raise NoFieldsToUpdateError()
    dataset = dataset_of(ctx, key, dataset_id)
    if "name" in body:
        name = importer.js_trim(body["name"])
        if project_of(ctx, key).name_taken(name, other_than=dataset.id):
            raise NameConflictError()
        dataset.name = name
    if "description" in body:
        dataset.description = _trimmed(body["description"])
    dataset.updated_at = ctx.now
    _auto_version(ctx, dataset, query)
    return dataset


def delete_dataset(ctx: Ctx, key: ApiKey, dataset_id: str) -> None:
    """Hard delete: items, versions and their items go with the dataset."""
    dataset = dataset_of(ctx, key, dataset_id)
    del project_of(ctx, key).datasets[dataset.id]


def import_items(
    ctx: Ctx, key: ApiKey, dataset_id: str, format_: str, content: str, query: Mapping[str, Any]
) -> int:
    dataset = dataset_of(ctx, key, dataset_id)
    try:
        parsed = importer.parse(format_, content)
    except importer.ImportContentError as exc:
        raise ImportParseError(str(exc)) from exc
    if not parsed:
        return 0
    for row in parsed:
        _add_item(ctx, dataset, row.input, row.ground_truth, row.output)
    dataset.updated_at = ctx.now
    _auto_version(ctx, dataset, query)
    return len(parsed)


def duplicate_dataset(ctx: Ctx, key: ApiKey, dataset_id: str) -> Dataset:
    """A new dataset: the source's description and items, version 1. Its owner is the caller,
    as upstream: a session's user; an API key has no user, so its copy has no owner (nor a
    version creator)."""
    source = dataset_of(ctx, key, dataset_id)
    project = project_of(ctx, key)
    copy = Dataset(
        id=ctx.ids.uuid(),
        project_id=project.id,
        name=versioning.copy_name(source.name, project.name_taken),
        description=source.description,
        created_at=ctx.now,
        updated_at=ctx.now,
        owner_id=key.user_id,
    )
    for item in source.ordered_items():
        _add_item(ctx, copy, item.input, item.ground_truth, item.output)
    versioning.snapshot(copy, ctx.ids.uuid, ctx.now)
    project.datasets[copy.id] = copy
    return copy


# -- versions ---------------------------------------------------------------------------------


def list_versions(ctx: Ctx, key: ApiKey, dataset_id: str, limit: int) -> list[Version]:
    dataset = dataset_of(ctx, key, dataset_id)
    return sorted(dataset.versions.values(), key=lambda v: v.number, reverse=True)[:limit]


def create_version(ctx: Ctx, key: ApiKey, dataset_id: str) -> tuple[Version, Dataset]:
    """A manual snapshot: always N+1, even when nothing changed since N."""
    dataset = dataset_of(ctx, key, dataset_id)
    return versioning.snapshot(dataset, ctx.ids.uuid, ctx.now), dataset


def version_of(ctx: Ctx, key: ApiKey, dataset_id: str, version_id: str) -> Version:
    version = dataset_of(ctx, key, dataset_id).versions.get(version_id)
    if version is None:
        raise VersionNotFoundError()
    return version


def restore_version(ctx: Ctx, key: ApiKey, dataset_id: str, version_id: str) -> Dataset:
    dataset = dataset_of(ctx, key, dataset_id)
    version = version_of(ctx, key, dataset_id, version_id)
    name = versioning.restored_name(dataset, version)
    if project_of(ctx, key).name_taken(name, other_than=dataset.id):
        raise NameConflictError()  # checked first, so a refused restore changes nothing
    versioning.restore(dataset, version, ctx.ids.uuid, ctx.now)
    return dataset


# -- items ------------------------------------------------------------------------------------


def _add_item(
    ctx: Ctx, dataset: Dataset, input_: str, ground_truth: str | None, output: str | None
) -> Item:
    item = Item(
        id=ctx.ids.uuid(),
        dataset_id=dataset.id,
        input=input_,
        ground_truth=ground_truth,
        output=output,
        created_at=ctx.now,
        updated_at=ctx.now,
    )
    dataset.items[item.id] = item
    return item


def item_of(dataset: Dataset, item_id: str) -> Item:
    item = dataset.items.get(item_id)
    if item is None:
        raise ItemNotFoundError()
    return item


def create_item(
    ctx: Ctx, key: ApiKey, dataset_id: str, body: Mapping[str, Any], query: Mapping[str, Any]
) -> Item:
    dataset = dataset_of(ctx, key, dataset_id)
    item = _add_item(
        ctx, dataset, body.get("input") or "", body.get("groundTruth"), body.get("output")
    )
    dataset.updated_at = ctx.now
    _auto_version(ctx, dataset, query)
    return item


def update_item(
    ctx: Ctx,
    key: ApiKey,
    dataset_id: str,
    item_id: str,
    body: Mapping[str, Any],
    query: Mapping[str, Any],
) -> Item:
    dataset = dataset_of(ctx, key, dataset_id)
    changes = {attr: body[name] for name, attr in ITEM_FIELDS.items() if name in body}
    if not changes:
        raise NoFieldsToUpdateError()
    item = item_of(dataset, item_id)
    for attr, value in changes.items():
        setattr(item, attr, value)
    item.updated_at = ctx.now
    dataset.updated_at = ctx.now
    _auto_version(ctx, dataset, query)
    return item


def delete_item(
    ctx: Ctx, key: ApiKey, dataset_id: str, item_id: str, query: Mapping[str, Any]
) -> None:
    dataset = dataset_of(ctx, key, dataset_id)
    del dataset.items[item_of(dataset, item_id).id]
    dataset.updated_at = ctx.now
    _auto_version(ctx, dataset, query)
