"""Lunary dataset life cycle over a real socket, every response refereed against the spec."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Mock

KEY_A = "11111111-1111-4111-8111-111111111111"
BASE = "/v1/datasets-v2"
FAQ = "3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94"
REFUND = "0a4f7e2c-6d1b-4c83-9e5a-3b7d2f8c1e60"


@pytest.fixture
def lu(mock: Mock) -> httpx.Client:
    return mock.client("lunary", {"X-API-Key": KEY_A})


def create(lu: httpx.Client, name: str, **extra: Any) -> dict[str, Any]:
    response = lu.post(BASE, json={"name": name, **extra})
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def dataset(lu: httpx.Client, dataset_id: str) -> dict[str, Any]:
    response = lu.get(f"{BASE}/{dataset_id}")
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


def versions(lu: httpx.Client, dataset_id: str, **params: Any) -> list[dict[str, Any]]:
    response = lu.get(f"{BASE}/{dataset_id}/versions", params=params)
    assert response.status_code == 200
    found: list[dict[str, Any]] = response.json()["versions"]
    return found


def add_item(lu: httpx.Client, dataset_id: str, text: str, **params: str) -> dict[str, Any]:
    response = lu.post(f"{BASE}/{dataset_id}/items", json={"input": text}, params=params)
    assert response.status_code == 201
    body: dict[str, Any] = response.json()
    return body


def test_create_makes_version_one_in_the_same_step(lu: httpx.Client) -> None:
    made = create(lu, "  Onboarding  ", description=" first pass ")
    assert made["name"] == "Onboarding"
    assert made["description"] == "first pass"
    assert made["itemCount"] == 0
    assert made["currentVersionNumber"] == 1
    assert made["currentVersionCreatedAt"] == made["createdAt"]
    assert made["currentVersionRestoredFromVersionId"] is None
    assert made["ownerId"] is None
    assert made["evaluatorConfigs"] == {}
    [v1] = versions(lu, made["id"])
    assert v1["id"] == made["currentVersionId"]
    assert (v1["versionNumber"], v1["itemCount"], v1["name"]) == (1, 0, "Onboarding")


def test_items_snapshot_and_restore(mock: Mock, lu: httpx.Client) -> None:
    ds = create(lu, "Lifecycle")["id"]
    first = add_item(lu, ds, "one")  # auto-versions: v2 holds one item
    mock.advance(1)
    second = add_item(lu, ds, "two", skipVersion="true")  # no version
    mock.advance(1)
    add_item(lu, ds, "three", skipVersion="false", skipVersioning="true")  # skipVersion wins: v3
    mock.advance(1)
    add_item(lu, ds, "four", skipVersioning="Yes")  # alias read when skipVersion is absent
    current = dataset(lu, ds)
    assert current["itemCount"] == 4
    assert current["currentVersionNumber"] == 3
    assert [i["input"] for i in current["items"]] == ["one", "two", "three", "four"]
    assert [(v["versionNumber"], v["itemCount"]) for v in versions(lu, ds)] == [
        (3, 3),
        (2, 1),
        (1, 0),
    ]

    snap = lu.post(f"{BASE}/{ds}/versions")
    assert snap.status_code == 201
    body = snap.json()
    assert body["version"]["versionNumber"] == 4
    assert body["version"]["itemCount"] == 4
    assert body["version"]["restoredFromVersionId"] is None
    assert body["dataset"]["currentVersionId"] == body["version"]["id"]
    again = lu.post(f"{BASE}/{ds}/versions").json()  # nothing changed: still N+1
    assert again["version"]["versionNumber"] == 5

    v2 = next(v for v in versions(lu, ds) if v["versionNumber"] == 2)
    frozen = lu.get(f"{BASE}/{ds}/versions/{v2['id']}").json()
    assert [(i["itemIndex"], i["input"], i["sourceItemId"]) for i in frozen["items"]] == [
        (1, "one", first["id"])
    ]

    lu.patch(f"{BASE}/{ds}", json={"name": "Renamed", "description": "later"})  # v6
    mock.advance(5)
    restored = lu.post(f"{BASE}/{ds}/versions/{v2['id']}/restore")
    assert restored.status_code == 200
    after = restored.json()
    assert after["currentVersionNumber"] == 7
    assert after["currentVersionRestoredFromVersionId"] == v2["id"]
    assert (after["name"], after["description"]) == ("Lifecycle", None)
    assert [i["input"] for i in after["items"]] == ["one"]
    assert after["items"][0]["id"] not in (first["id"], second["id"])  # new ids
    assert after["itemCount"] == 1

    listed = versions(lu, ds)
    assert [v["versionNumber"] for v in listed] == [7, 6, 5, 4, 3, 2, 1]
    assert listed[0]["restoredFromVersionId"] == v2["id"]
    assert all(v["restoredFromVersionId"] is None for v in listed[1:])
    assert [v["versionNumber"] for v in versions(lu, ds, limit=2)] == [7, 6]


def test_item_patch_and_delete_version_unless_skipped(lu: httpx.Client) -> None:
    ds = create(lu, "Edits")["id"]
    item = add_item(lu, ds, "q", skipVersion="1")
    url = f"{BASE}/{ds}/items/{item['id']}"
    patched = lu.patch(url, json={"output": "a", "groundTruth": None})
    assert patched.status_code == 200
    assert (patched.json()["input"], patched.json()["output"]) == ("q", "a")
    assert dataset(lu, ds)["currentVersionNumber"] == 2
    assert lu.patch(url, json={"output": "b"}, params={"skipVersion": "TRUE"}).status_code == 200
    assert dataset(lu, ds)["currentVersionNumber"] == 2
    assert lu.delete(url).status_code == 204
    after = dataset(lu, ds)
    assert (after["currentVersionNumber"], after["itemCount"]) == (3, 0)
    # The version keeps its frozen copy of the deleted item.
    v2 = next(v for v in versions(lu, ds) if v["versionNumber"] == 2)
    assert lu.get(f"{BASE}/{ds}/versions/{v2['id']}").json()["items"][0]["output"] == "a"
    assert lu.get(url).status_code == 404


def test_live_item_count_differs_from_the_current_version(lu: httpx.Client) -> None:
    ds = create(lu, "Counts")["id"]
    add_item(lu, ds, "a", skipVersion="yes")
    add_item(lu, ds, "b", skipVersion="yes")
    body = dataset(lu, ds)
    assert body["itemCount"] == 2
    assert versions(lu, ds)[0]["itemCount"] == 0  # version 1 is still the current one


def test_import_csv_and_jsonl(lu: httpx.Client) -> None:
    ds = create(lu, "Imported")["id"]
    csv = 'Input,Expected_Output,prediction\n"Hello, world", hi ,\nsecond,,out\n\n'
    first = lu.post(f"{BASE}/{ds}/import", json={"format": "csv", "content": csv})
    assert first.status_code == 200
    assert first.json() == {"insertedCount": 2}
    jsonl = '{"input": "x", "groundTruth": 3, "model_output": ""}\n\n{"input": "y"}\n'
    second = lu.post(
        f"{BASE}/{ds}/import",
        json={"format": "jsonl", "content": jsonl},
        params={"skipVersion": "true"},
    )
    assert second.json() == {"insertedCount": 2}
    empty = lu.post(f"{BASE}/{ds}/import", json={"format": "csv", "content": "\n  \n"})
    assert empty.json() == {"insertedCount": 0}
    body = dataset(lu, ds)
    # One import inserts its rows at one instant: they keep the order of the file.
    assert [(i["input"], i["groundTruth"], i["output"]) for i in body["items"]] == [
        ("Hello, world", "hi", None),
        ("second", None, "out"),
        ("x", "3", None),
        ("y", None, None),
    ]
    assert body["currentVersionNumber"] == 2  # only the first import versioned


@pytest.mark.parametrize(
    ("fmt", "content", "message"),
    [
        ("csv", "question,answer\nq,a", "CSV import requires a header row with at least an 'input' column"),
        ("jsonl", '{"input": "ok"}\n{not json}', "Invalid JSONL: could not parse one of the lines"),
        ("jsonl", '{"input": "ok"}\n{"input": 1}', "Each JSONL line must contain at least an 'input' field"),
        ("jsonl", "[]", "Each JSONL line must contain at least an 'input' field"),
    ],
)  # fmt: skip
def test_import_parse_errors_insert_nothing(
    lu: httpx.Client, fmt: str, content: str, message: str
) -> None:
    ds = create(lu, "Broken import")["id"]
    response = lu.post(f"{BASE}/{ds}/import", json={"format": fmt, "content": content})
    assert response.status_code == 400
    assert response.json() == {"message": message}
    body = dataset(lu, ds)
    assert (body["itemCount"], body["currentVersionNumber"]) == (0, 1)


def test_duplicate_names_copies_items_not_versions(lu: httpx.Client) -> None:
    names = []
    for _ in range(3):
        response = lu.post(f"{BASE}/{FAQ}/duplicate")
        assert response.status_code == 201
        names.append(response.json()["name"])
    assert names == [
        "Support FAQ answers copy",
        "Support FAQ answers copy (2)",
        "Support FAQ answers copy (3)",
    ]
    copy = response.json()
    assert (copy["itemCount"], copy["currentVersionNumber"]) == (3, 1)
    assert copy["description"] == "Help-centre questions with reviewed answers"
    [v1] = versions(lu, copy["id"])
    assert v1["itemCount"] == 3
    original = {i["id"] for i in dataset(lu, FAQ)["items"]}
    assert original.isdisjoint(i["id"] for i in dataset(lu, copy["id"])["items"])


def test_delete_dataset_cascades(lu: httpx.Client) -> None:
    listed = versions(lu, FAQ)
    item_id = dataset(lu, FAQ)["items"][0]["id"]
    assert lu.delete(f"{BASE}/{FAQ}").status_code == 204
    for path in (
        f"{BASE}/{FAQ}",
        f"{BASE}/{FAQ}/versions",
        f"{BASE}/{FAQ}/versions/{listed[0]['id']}",
        f"{BASE}/{FAQ}/items/{item_id}",
    ):
        response = lu.get(path)
        assert response.status_code == 404, path
        assert response.json() == {"message": "Dataset not found"}
    assert lu.delete(f"{BASE}/{FAQ}").status_code == 404


def test_list_search_and_sort(mock: Mock, lu: httpx.Client) -> None:
    mock.advance(1)
    create(lu, "alpha set", description="About REFUNDS")
    mock.advance(1)
    big = create(lu, "Zulu")["id"]
    lu.post(f"{BASE}/{big}/import", json={"format": "csv", "content": "input\n1\n2\n3\n4\n5"})

    def names(**params: str) -> list[str]:
        response = lu.get(BASE, params=params)
        assert response.status_code == 200
        assert all("evaluatorConfigs" not in d for d in response.json())
        return [d["name"] for d in response.json()]

    assert names() == ["Zulu", "alpha set", "Refund policy checks", "Support FAQ answers"]
    assert names(sort="alphabetical") == [
        "alpha set",
        "Refund policy checks",
        "Support FAQ answers",
        "Zulu",
    ]
    assert names(sort="items")[:2] == ["Zulu", "Support FAQ answers"]
    assert names(sort="updated")[0] == "Zulu"
    assert names(search="  refund ") == ["alpha set", "Refund policy checks"]
    blank = lu.get(BASE, params={"search": "   "})
    assert blank.status_code == 422


def test_fixture_holds_a_restored_version(lu: httpx.Client) -> None:
    body = dataset(lu, REFUND)
    listed = versions(lu, REFUND)
    assert body["currentVersionNumber"] == 3
    assert body["currentVersionRestoredFromVersionId"] == listed[-1]["id"]
    assert body["ownerName"] == "Maya Okafor"
    assert listed[0]["createdBy"] == body["ownerId"]
    assert [(v["versionNumber"], v["itemCount"]) for v in listed] == [(3, 2), (2, 3), (1, 2)]


def test_a_duplicate_belongs_to_the_caller_not_to_the_sources_owner(lu: httpx.Client) -> None:
    """Upstream the copy's owner is the signed-in user; an API key has none."""
    source = dataset(lu, REFUND)
    assert source["ownerId"] is not None
    response = lu.post(f"{BASE}/{REFUND}/duplicate")
    assert response.status_code == 201
    copy = response.json()
    assert (copy["ownerId"], copy["ownerName"], copy["ownerEmail"]) == (None, None, None)
    assert copy["currentVersionCreatedBy"] is None
    assert [v["createdBy"] for v in versions(lu, copy["id"])] == [None]
    assert sorted(i["input"] for i in dataset(lu, copy["id"])["items"]) == sorted(
        i["input"] for i in source["items"]
    )
