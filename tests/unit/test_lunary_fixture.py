"""Lunary fixtures: the default file loads, and inconsistent version histories are refused."""

from __future__ import annotations

from typing import Any

import pytest

from draftmock.errors import FixtureError
from draftmock.ids import Ids
from draftmock.vendors.lunary.fixture import load
from draftmock.vendors.lunary.models import Backend

PROJECT = "7c1e4b2a-3f5d-4e8a-9b6c-2d1f0a9e8b7c"
DATASET = "3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94"
V1 = "9e2a7c41-6b3d-4f8e-a1c5-7d0b2e9f3a68"
V2 = "e4c81f3b-2d7a-4b69-8e05-1f9c3a6d2b70"


def fixture(*versions: dict[str, Any], rate_limit: int | None = 150) -> dict[str, Any]:
    dataset = {"id": DATASET, "name": "D", "items": [{"input": "q"}], "versions": list(versions)}
    return {"rate_limit": rate_limit, "projects": [{"id": PROJECT, "datasets": [dataset]}]}


def test_a_dataset_without_versions_gets_version_one_from_its_items() -> None:
    backend = Backend()
    load(backend, fixture(rate_limit=None), Ids(0), 1000.0)
    dataset = backend.projects[PROJECT].datasets[DATASET]
    assert dataset.current_version_number == 1
    assert dataset.current_version is not None
    assert [i.input for i in dataset.current_version.items] == ["q"]
    assert backend.rate_limit == 0  # null turns the limit off


def test_version_history_is_kept() -> None:
    backend = Backend()
    load(
        backend,
        fixture({"id": V1, "number": 1}, {"id": V2, "number": 3, "restored_from": V1}),
        Ids(0),
        0.0,
    )
    dataset = backend.projects[PROJECT].datasets[DATASET]
    assert dataset.current_version_number == 3
    assert dataset.current_version is not None
    assert dataset.current_version.restored_from == V1


@pytest.mark.parametrize(
    ("versions", "message"),
    [
        (({"id": V1, "number": 2}, {"id": V2, "number": 2}), "must increase"),
        (({"id": V1, "number": 1, "restored_from": V2},), "earlier version"),
    ],
)
def test_inconsistent_histories_are_refused(
    versions: tuple[dict[str, Any], ...], message: str
) -> None:
    with pytest.raises(FixtureError, match=message):
        load(Backend(), fixture(*versions), Ids(0), 0.0)


def test_a_dataset_id_is_defined_once() -> None:
    backend = Backend()
    load(backend, fixture(), Ids(0), 0.0)
    with pytest.raises(FixtureError, match="defined twice"):
        load(backend, fixture(), Ids(0), 0.0)


def test_a_dataset_is_never_older_than_its_newest_version() -> None:
    backend = Backend()
    data = fixture({"id": V1, "number": 1, "created_at": "2026-01-05T10:00:00Z"})
    data["projects"][0]["datasets"][0]["created_at"] = "2026-01-05T09:00:00Z"
    load(backend, data, Ids(0), 0.0)
    dataset = backend.projects[PROJECT].datasets[DATASET]
    assert dataset.current_version is not None
    assert dataset.updated_at == dataset.current_version.created_at > dataset.created_at
