"""Lunary's automatic versions over a real socket: every mutation the service versions, with each
spelling of ``skipVersion`` / ``skipVersioning``, against what the version list then shows."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx
import pytest

from tests.conftest import Mock

KEY_A = "11111111-1111-4111-8111-111111111111"
BASE = "/v1/datasets-v2"

Mutation = Callable[[httpx.Client, str, str, dict[str, str]], httpx.Response]


def _patch_dataset(lu: httpx.Client, ds: str, item: str, params: dict[str, str]) -> httpx.Response:
    return lu.patch(f"{BASE}/{ds}", json={"description": "edited"}, params=params)


def _import(lu: httpx.Client, ds: str, item: str, params: dict[str, str]) -> httpx.Response:
    body = {"format": "jsonl", "content": '{"input": "imported"}'}
    return lu.post(f"{BASE}/{ds}/import", json=body, params=params)


def _create_item(lu: httpx.Client, ds: str, item: str, params: dict[str, str]) -> httpx.Response:
    return lu.post(f"{BASE}/{ds}/items", json={"input": "added"}, params=params)


def _patch_item(lu: httpx.Client, ds: str, item: str, params: dict[str, str]) -> httpx.Response:
    return lu.patch(f"{BASE}/{ds}/items/{item}", json={"output": "edited"}, params=params)


def _delete_item(lu: httpx.Client, ds: str, item: str, params: dict[str, str]) -> httpx.Response:
    return lu.delete(f"{BASE}/{ds}/items/{item}", params=params)


MUTATIONS: dict[str, tuple[Mutation, int, int]] = {
    # name: (call, success status, live item count afterwards)
    "updateDataset": (_patch_dataset, 200, 1),
    "importDatasetItems": (_import, 200, 2),
    "createDatasetItem": (_create_item, 201, 2),
    "updateDatasetItem": (_patch_item, 200, 1),
    "deleteDatasetItem": (_delete_item, 204, 0),
}

SKIPPING = [
    {"skipVersion": "true"},
    {"skipVersion": "1"},
    {"skipVersion": "yes"},
    {"skipVersion": "TRUE"},
    {"skipVersion": "Yes"},
    {"skipVersioning": "true"},
    {"skipVersioning": "1"},
    {"skipVersioning": "YES"},
]
VERSIONING = [
    {},
    {"skipVersion": "false"},
    {"skipVersion": "0"},
    {"skipVersion": "no"},
    {"skipVersion": ""},
    {"skipVersion": "on"},
    {"skipVersion": " true"},
    {"skipVersioning": "false"},
    {"skipVersion": "no", "skipVersioning": "yes"},  # skipVersion decides when present
]


@pytest.fixture
def lu(mock: Mock) -> httpx.Client:
    return mock.client("lunary", {"X-API-Key": KEY_A})


def start(lu: httpx.Client) -> tuple[str, str]:
    """A new dataset (version 1, empty) with one live item added without a version."""
    made = lu.post(BASE, json={"name": "Auto"})
    assert made.status_code == 201
    ds: str = made.json()["id"]
    item = lu.post(f"{BASE}/{ds}/items", json={"input": "kept"}, params={"skipVersion": "true"})
    assert item.status_code == 201
    return ds, item.json()["id"]


def state(lu: httpx.Client, ds: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    dataset = lu.get(f"{BASE}/{ds}")
    listed = lu.get(f"{BASE}/{ds}/versions")
    assert (dataset.status_code, listed.status_code) == (200, 200)
    return dataset.json(), listed.json()["versions"]


@pytest.mark.parametrize("params", VERSIONING, ids=str)
@pytest.mark.parametrize("name", MUTATIONS)
def test_each_mutation_creates_the_next_version(
    lu: httpx.Client, name: str, params: dict[str, str]
) -> None:
    call, status, live = MUTATIONS[name]
    ds, item = start(lu)
    response = call(lu, ds, item, params)
    assert response.status_code == status, response.text
    dataset, versions = state(lu, ds)
    assert [v["versionNumber"] for v in versions] == [2, 1]
    assert dataset["currentVersionId"] == versions[0]["id"]
    assert dataset["currentVersionNumber"] == 2
    # The new version is a snapshot of the state after the call.
    assert versions[0]["itemCount"] == dataset["itemCount"] == live
    assert versions[0]["restoredFromVersionId"] is None
    assert versions[0]["description"] == dataset["description"]


@pytest.mark.parametrize("params", SKIPPING, ids=str)
@pytest.mark.parametrize("name", MUTATIONS)
def test_each_mutation_skips_the_version_when_asked(
    lu: httpx.Client, name: str, params: dict[str, str]
) -> None:
    call, status, live = MUTATIONS[name]
    ds, item = start(lu)
    before, _ = state(lu, ds)
    response = call(lu, ds, item, params)
    assert response.status_code == status, response.text
    dataset, versions = state(lu, ds)
    assert [(v["versionNumber"], v["itemCount"]) for v in versions] == [(1, 0)]
    assert dataset["currentVersionId"] == before["currentVersionId"]
    assert dataset["itemCount"] == live  # the change itself happened


def test_an_import_of_no_rows_creates_no_version(lu: httpx.Client) -> None:
    ds, _ = start(lu)
    empty = lu.post(f"{BASE}/{ds}/import", json={"format": "csv", "content": "input\n\n"})
    assert empty.json() == {"insertedCount": 0}
    assert [v["versionNumber"] for v in state(lu, ds)[1]] == [1]


def test_refused_mutations_create_no_version(lu: httpx.Client) -> None:
    ds, item = start(lu)
    unknown = "00000000-0000-4000-8000-000000000000"
    refused = [
        lu.patch(f"{BASE}/{ds}", json={}),
        lu.patch(f"{BASE}/{ds}", json={"name": ""}),
        lu.post(f"{BASE}/{ds}/import", json={"format": "csv", "content": "question\nq"}),
        lu.patch(f"{BASE}/{ds}/items/{item}", json={}),
        lu.patch(f"{BASE}/{ds}/items/{unknown}", json={"input": "x"}),
        lu.delete(f"{BASE}/{ds}/items/{unknown}"),
    ]
    assert [r.status_code for r in refused] == [400, 422, 400, 400, 404, 404]
    dataset, versions = state(lu, ds)
    assert [v["versionNumber"] for v in versions] == [1]
    assert dataset["itemCount"] == 1


def test_numbers_keep_rising_through_deletes_snapshots_and_restores(
    mock: Mock, lu: httpx.Client
) -> None:
    ds, item = start(lu)
    v1 = state(lu, ds)[1][0]["id"]
    assert lu.delete(f"{BASE}/{ds}/items/{item}").status_code == 204  # v2
    restored = lu.post(f"{BASE}/{ds}/versions/{v1}/restore")  # v3, from v1 (empty)
    assert restored.json()["currentVersionNumber"] == 3
    mock.advance(1)
    assert lu.post(f"{BASE}/{ds}/items", json={"input": "new"}).status_code == 201  # v4
    snap = lu.post(f"{BASE}/{ds}/versions")  # v5
    assert snap.status_code == 201
    assert snap.json()["version"]["versionNumber"] == 5
    again = lu.post(f"{BASE}/{ds}/versions/{v1}/restore")  # v6, restoring v1 again
    assert again.json()["currentVersionNumber"] == 6
    numbers = [v["versionNumber"] for v in state(lu, ds)[1]]
    assert numbers == [6, 5, 4, 3, 2, 1]
    assert len({v["id"] for v in state(lu, ds)[1]}) == 6


def test_concurrent_snapshots_and_restores_never_share_a_number(mock: Mock) -> None:
    """Each call is one step: parallel callers get distinct, consecutive numbers."""
    lu = mock.client("lunary", {"X-API-Key": KEY_A})
    ds, _ = start(lu)
    v1 = state(lu, ds)[1][0]["id"]

    def work(n: int) -> list[int]:
        client = mock.client("lunary", {"X-API-Key": KEY_A})
        numbers = []
        for _ in range(4):
            if n % 2:
                numbers.append(
                    client.post(f"{BASE}/{ds}/versions").json()["version"]["versionNumber"]
                )
            else:
                restored = client.post(f"{BASE}/{ds}/versions/{v1}/restore")
                numbers.append(restored.json()["currentVersionNumber"])
        return numbers

    with ThreadPoolExecutor(max_workers=6) as pool:
        seen = [number for numbers in pool.map(work, range(6)) for number in numbers]
    assert sorted(seen) == list(range(2, 26))
    dataset, versions = state(lu, ds)
    assert [v["versionNumber"] for v in versions] == list(range(25, 0, -1))
    assert dataset["currentVersionNumber"] == 25
