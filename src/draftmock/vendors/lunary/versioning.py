"""The snapshot rules, as pure functions over a ``Dataset`` (no HTTP, no backend, no clock).

- ``skip_requested``: ``skipVersion`` (or, only when it is absent, ``skipVersioning``) equal to
  ``true``, ``1`` or ``yes`` in any letter case suppresses an automatic version.
- ``snapshot``: version N+1 copies the dataset's name, description and live items (ordered by
  ``createdAt``, then id; ``itemIndex`` from 1) and becomes the current version.
- ``restore``: live items are replaced by copies of the version's items (new ids, new
  timestamps), the version's name (when it has one) and description come back, then a snapshot
  N+1 records ``restoredFromVersionId``.
- ``copy_name``: ``"<name> copy"``, then ``"<name> copy (2)"``, ... until the name is free.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from draftmock.vendors.lunary.models import Dataset, Item, Version, VersionItem

NewId = Callable[[], str]

_YES = frozenset({"true", "1", "yes"})


def skip_requested(query: Mapping[str, Any]) -> bool:
    raw = query.get("skipVersion")
    if raw is None:
        raw = query.get("skipVersioning")
    return isinstance(raw, str) and raw.lower() in _YES


def snapshot(
    dataset: Dataset, new_id: NewId, now: float, *, restored_from: str | None = None
) -> Version:
    """Create version N+1 of ``dataset`` from its current state and make it current.

    ``createdBy`` is the dataset's owner: API keys have no user, and upstream falls back to the
    owner (null when there is none).
    """
    version_id = new_id()
    items = tuple(
        VersionItem(
            id=new_id(),
            version_id=version_id,
            dataset_id=dataset.id,
            index=index,
            input=item.input,
            ground_truth=item.ground_truth,
            output=item.output,
            source_item_id=item.id,
            source_created_at=item.created_at,
            source_updated_at=item.updated_at,
        )
        for index, item in enumerate(dataset.ordered_items(), start=1)
    )
    version = Version(
        id=version_id,
        dataset_id=dataset.id,
        number=dataset.current_version_number + 1,
        created_at=now,
        created_by=dataset.owner_id,
        restored_from=restored_from,
        name=dataset.name,
        description=dataset.description,
        items=items,
    )
    dataset.versions[version.id] = version
    dataset.current_version_id = version.id
    dataset.current_version_number = version.number
    dataset.updated_at = now
    return version


def restored_name(dataset: Dataset, version: Version) -> str:
    """The name a restore gives the dataset: the version's, or the current one if it has none."""
    return version.name if version.name is not None else dataset.name


def restore(dataset: Dataset, version: Version, new_id: NewId, now: float) -> Version:
    """Replace the live items and metadata with ``version``'s, then snapshot N+1. One step."""
    dataset.items = {}
    for frozen in sorted(version.items, key=lambda v: v.index):
        item = Item(
            id=new_id(),
            dataset_id=dataset.id,
            input=frozen.input,
            ground_truth=frozen.ground_truth,
            output=frozen.output,
            created_at=now,
            updated_at=now,
        )
        dataset.items[item.id] = item
    dataset.name = restored_name(dataset, version)
    dataset.description = version.description
    return snapshot(dataset, new_id, now, restored_from=version.id)


def copy_name(name: str, taken: Callable[[str], bool]) -> str:
    base = name.strip()
    stem = f"{base} copy" if base else "Dataset copy"
    candidate, suffix = stem, 1
    while taken(candidate):
        suffix += 1
        candidate = f"{stem} ({suffix})"
    return candidate
