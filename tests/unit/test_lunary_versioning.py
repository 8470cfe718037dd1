"""Lunary's snapshot rules without HTTP: numbering, frozen copies, restore, names, skip flags."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import count

import pytest

from draftmock.vendors.lunary.models import Dataset, Item
from draftmock.vendors.lunary.versioning import (
    copy_name,
    restore,
    restored_name,
    skip_requested,
    snapshot,
)


def sequential_ids() -> Callable[[], str]:
    numbers: Iterator[int] = count(1)
    return lambda: f"00000000-0000-4000-8000-{next(numbers):012d}"


def make_dataset(*inputs: str, owner: str | None = None) -> Dataset:
    dataset = Dataset("ds", "project", "Name", "Desc", 100.0, 100.0, owner_id=owner)
    for n, text in enumerate(inputs):
        item = Item(f"item-{n}", "ds", text, None, None, 100.0 + n, 100.0 + n)
        dataset.items[item.id] = item
    return dataset


@pytest.mark.parametrize(
    ("query", "skip"),
    [
        ({}, False),
        ({"skipVersion": "true"}, True),
        ({"skipVersion": "TRUE"}, True),
        ({"skipVersion": "1"}, True),
        ({"skipVersion": "Yes"}, True),
        ({"skipVersion": "on"}, False),
        ({"skipVersion": ""}, False),
        ({"skipVersion": "no", "skipVersioning": "true"}, False),  # skipVersion wins when present
        ({"skipVersion": "", "skipVersioning": "yes"}, False),  # present, even empty
        ({"skipVersioning": "yes"}, True),
        ({"skipVersioning": "false"}, False),
    ],
)
def test_skip_flags(query: dict[str, str], skip: bool) -> None:
    assert skip_requested(query) is skip


def test_snapshot_is_n_plus_one_and_becomes_current() -> None:
    dataset = make_dataset("b", "a", owner="owner-1")
    ids = sequential_ids()
    first = snapshot(dataset, ids, 200.0)
    second = snapshot(dataset, ids, 300.0)  # nothing changed: still a new version
    assert (first.number, second.number) == (1, 2)
    assert dataset.current_version_id == second.id
    assert dataset.current_version_number == 2
    assert dataset.updated_at == 300.0
    assert second.created_by == "owner-1"  # API keys have no user: the owner is the creator
    assert second.restored_from is None
    assert [(i.index, i.input, i.source_item_id) for i in second.items] == [
        (1, "b", "item-0"),
        (2, "a", "item-1"),
    ]


def test_snapshot_orders_by_created_at_then_id() -> None:
    dataset = make_dataset()
    for item_id, created in (("c", 5.0), ("b", 5.0), ("a", 9.0)):
        dataset.items[item_id] = Item(item_id, "ds", item_id, None, None, created, created)
    version = snapshot(dataset, sequential_ids(), 10.0)
    assert [i.source_item_id for i in version.items] == ["b", "c", "a"]


def test_versions_are_frozen_copies() -> None:
    dataset = make_dataset("q")
    version = snapshot(dataset, sequential_ids(), 200.0)
    dataset.items["item-0"].input = "changed"
    dataset.name = "Other"
    del dataset.items["item-0"]
    assert version.items[0].input == "q"
    assert version.name == "Name"
    assert len(version.items) == 1


def test_restore_replaces_items_and_metadata_then_snapshots() -> None:
    dataset = make_dataset("one")
    ids = sequential_ids()
    v1 = snapshot(dataset, ids, 200.0)
    dataset.items.clear()
    dataset.items["x"] = Item("x", "ds", "two", "gt", None, 300.0, 300.0)
    dataset.name, dataset.description = "Renamed", None
    snapshot(dataset, ids, 300.0)

    v3 = restore(dataset, v1, ids, 400.0)

    assert v3.number == 3
    assert v3.restored_from == v1.id
    assert (dataset.name, dataset.description) == ("Name", "Desc")
    [item] = dataset.items.values()
    assert item.input == "one"
    assert item.id not in ("item-0", "x")
    assert item.created_at == item.updated_at == 400.0
    assert [i.input for i in v3.items] == ["one"]
    assert v3.items[0].source_item_id == item.id


def test_restoring_keeps_numbers_monotonic() -> None:
    dataset = make_dataset("a")
    ids = sequential_ids()
    v1 = snapshot(dataset, ids, 1.0)
    numbers = [restore(dataset, v1, ids, 2.0 + n).number for n in range(3)]
    assert numbers == [2, 3, 4]
    assert len(dataset.versions) == 4


def test_a_version_without_a_name_keeps_the_current_one() -> None:
    dataset = make_dataset()
    version = snapshot(dataset, sequential_ids(), 1.0)
    unnamed = replace(version, name=None)
    dataset.name = "Current"
    assert restored_name(dataset, unnamed) == "Current"
    assert restored_name(dataset, version) == "Name"


def test_copy_names() -> None:
    taken = {"Set copy", "Set copy (2)", "Dataset copy"}
    assert copy_name("Fresh", taken.__contains__) == "Fresh copy"
    assert copy_name(" Set ", taken.__contains__) == "Set copy (3)"
    assert copy_name("   ", taken.__contains__) == "Dataset copy (2)"
