"""PromptLayer draft lifecycle over a real socket, every response refereed against the spec."""

from __future__ import annotations

import base64
import json
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ASYNC_DELAY, Mock

KEY = {"X-API-KEY": "pl-demo-key"}
V2 = "/api/public/v2"


@pytest.fixture
def pl(mock: Mock) -> httpx.Client:
    return mock.client("promptlayer", KEY)


def versions(pl: httpx.Client, group_id: int) -> dict[int, int]:
    """dataset id -> version_number for a group."""
    listing = pl.get(f"{V2}/datasets", params={"dataset_group_id": group_id, "per_page": 100})
    assert listing.status_code == 200
    return {d["id"]: d["version_number"] for d in listing.json()["datasets"]}


def rows(pl: httpx.Client, dataset_id: int) -> list[list[object]]:
    response = pl.get(f"{V2}/datasets/{dataset_id}/rows", params={"per_page": 100})
    assert response.status_code == 200
    return [[cell["value"] for cell in row] for row in response.json()["rows"]]


def test_seed_000_examples_succeed_on_a_fresh_mock(mock: Mock, pl: httpx.Client) -> None:
    empty = pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert empty.status_code == 201
    assert empty.json()["message"] == "Draft dataset version created"
    mock.runtime.reset()
    copy = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123, "source_dataset_id": 456},
    )
    assert copy.status_code == 202
    assert copy.json()["success"] is True


def test_full_draft_lifecycle(mock: Mock, pl: httpx.Client) -> None:
    copy = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123, "source_dataset_id": 456},
    )
    assert copy.status_code == 202
    draft_id = copy.json()["draft_dataset_id"]

    second = pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert second.status_code == 409
    assert second.json()["success"] is False

    # Rows appear only when the copy job completes.
    assert rows(pl, draft_id) == []
    mock.advance(ASYNC_DELAY - 0.5)
    assert rows(pl, draft_id) == []
    mock.advance(0.5)
    copied = rows(pl, draft_id)
    assert copied == rows(pl, 456)
    assert len(copied) == 3

    added = pl.post(
        f"{V2}/dataset-versions/add-request-log",
        json={"dataset_group_id": 123, "request_log_id": 1001},
    )
    assert added.status_code == 201
    assert len(rows(pl, draft_id)) == 4

    saved = pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 123})
    assert saved.status_code == 202
    assert saved.json()["draft_dataset_id"] == draft_id
    assert versions(pl, 123)[draft_id] == -1
    mock.advance(ASYNC_DELAY)
    assert versions(pl, 123) == {456: 1, draft_id: 2}

    # The group has no draft now: saving again is a 404, a new draft is allowed.
    again = pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 123})
    assert again.status_code == 404
    new = pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert new.status_code == 201
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 123})
    mock.advance(ASYNC_DELAY)
    assert versions(pl, 123)[new.json()["draft_dataset_id"]] == 3


def test_save_while_copying_publishes_the_copied_rows(mock: Mock, pl: httpx.Client) -> None:
    copy = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123, "source_dataset_id": 456},
    )
    draft_id = copy.json()["draft_dataset_id"]
    mock.advance(1)
    assert (
        pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 123}).status_code
        == 202
    )
    mock.advance(1)  # the copy is done, the save (queued 1 s later) is not
    assert versions(pl, 123)[draft_id] == -1
    mock.advance(1)
    assert versions(pl, 123)[draft_id] == 2
    assert len(rows(pl, draft_id)) == 3


def test_group_creation_makes_a_draft_so_create_draft_conflicts(pl: httpx.Client) -> None:
    made = pl.post(f"{V2}/dataset-groups", json={"name": "Onboarding questions"})
    assert made.status_code == 201
    body = made.json()
    assert body["dataset"]["version_number"] == -1
    group_id = body["dataset_group"]["id"]
    conflict = pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": group_id})
    assert conflict.status_code == 409
    duplicate = pl.post(f"{V2}/dataset-groups", json={"name": "Onboarding questions"})
    assert duplicate.status_code == 400


def test_one_draft_rule_holds_under_concurrency(mock: Mock) -> None:
    url = f"{mock.url}/promptlayer{V2}/dataset-versions/create-draft"

    def attempt(_: int) -> int:
        return httpx.post(url, json={"dataset_group_id": 123}, headers=KEY, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=50) as pool:
        statuses = list(pool.map(attempt, range(50)))
    assert statuses.count(201) == 1
    assert statuses.count(409) == 49


def test_add_request_log_needs_a_draft(pl: httpx.Client) -> None:
    response = pl.post(
        f"{V2}/dataset-versions/add-request-log",
        json={"dataset_group_id": 123, "request_log_id": 1001},
    )
    assert response.status_code == 404
    other_workspace = pl.post(
        f"{V2}/dataset-versions/add-request-log",
        json={"dataset_group_id": 124, "request_log_id": 2001},
    )
    assert other_workspace.status_code == 400


def test_add_trace_seeds_a_new_draft_from_the_latest_version(pl: httpx.Client) -> None:
    response = pl.post(
        f"{V2}/dataset-versions/add-trace",
        json={"dataset_group_id": 123, "trace_id": "trace-7f3a"},
    )
    assert response.status_code == 201
    assert response.json()["mode"] == "trace"
    draft_rows = rows(pl, response.json()["draft_dataset_id"])
    assert len(draft_rows) == 4  # three from version 1 plus the trace
    span = pl.post(
        f"{V2}/dataset-versions/add-trace",
        json={"dataset_group_id": 123, "trace_id": "trace-7f3a", "span_id": "span-root"},
    )
    assert span.json() == {
        "success": True,
        "draft_dataset_id": response.json()["draft_dataset_id"],
        "mode": "span",
    }
    missing = pl.post(
        f"{V2}/dataset-versions/add-trace", json={"dataset_group_id": 123, "trace_id": "nope"}
    )
    assert missing.status_code == 404


def test_version_from_file_is_published_by_its_job(mock: Mock, pl: httpx.Client) -> None:
    content = base64.b64encode(b"input,expected\nhi,hello\nbye,goodbye\n").decode()
    made = pl.post(
        f"{V2}/dataset-versions/from-file",
        json={"dataset_group_id": 124, "file_name": "cases.csv", "file_content_base64": content},
    )
    assert made.status_code == 201
    dataset_id = made.json()["dataset_id"]
    assert versions(pl, 124)[dataset_id] == -1
    assert versions(pl, 124)[459] == -1  # the group's own draft is untouched
    mock.advance(ASYNC_DELAY)
    assert versions(pl, 124)[dataset_id] == 3
    assert rows(pl, dataset_id) == [["hi", "hello"], ["bye", "goodbye"]]


@pytest.mark.parametrize(
    ("file_name", "content"),
    [
        pytest.param("cases.txt", base64.b64encode(b"a\n1\n").decode(), id="extension"),
        pytest.param("cases.csv", "not base64!", id="base64"),
        pytest.param("cases.json", base64.b64encode(b"{").decode(), id="json-syntax"),
        pytest.param(
            "cases.json", base64.b64encode(json.dumps([1]).encode()).decode(), id="json-shape"
        ),
        pytest.param("cases.csv", base64.b64encode(b"a,b\n1\n").decode(), id="csv-ragged"),
    ],
)
def test_bad_files_are_400(pl: httpx.Client, file_name: str, content: str) -> None:
    response = pl.post(
        f"{V2}/dataset-versions/from-file",
        json={"dataset_group_id": 124, "file_name": file_name, "file_content_base64": content},
    )
    assert response.status_code == 400
    assert response.json()["success"] is False


def test_version_from_filters_reuses_the_draft(mock: Mock, pl: httpx.Client) -> None:
    made = pl.post(
        f"{V2}/dataset-versions/from-filter-params",
        json={
            "dataset_group_id": 124,
            "filter_group": {
                "logic": "AND",
                "filters": [{"field": "tags", "operator": "contains", "value": "prod"}],
            },
            "sort_order": "asc",
        },
    )
    assert made.status_code == 201
    assert made.json()["dataset_id"] == 459
    assert made.json()["version_number"] == -1
    mock.advance(ASYNC_DELAY)
    assert versions(pl, 124)[459] == 3
    published = rows(pl, 459)
    assert len(published) == 3  # one row from the draft plus logs 1001 and 1002


def test_external_ids(pl: httpx.Client) -> None:
    base = f"{V2}/dataset-groups/124/external-ids"
    attached = pl.post(base, json={"source": "jira", "external_id": "EVAL-7"})
    assert attached.status_code == 201
    taken = pl.post(
        f"{V2}/dataset-groups/124/external-ids",
        json={"source": "github", "external_id": "acme/support-bot#evals"},
    )
    assert taken.status_code == 409
    assert pl.get(base).json()["external_ids"] == [{"source": "jira", "external_id": "EVAL-7"}]
    found = pl.get(f"{V2}/datasets", params={"external_source": "jira", "external_id": "EVAL-7"})
    assert {d["dataset_group_id"] for d in found.json()["datasets"]} == {124}
    half = pl.get(f"{V2}/datasets", params={"external_source": "jira"})
    assert half.status_code == 400
    assert pl.delete(f"{base}/jira/EVAL-7").status_code == 200
    assert pl.delete(f"{base}/jira/EVAL-7").status_code == 404


def test_errors_use_the_vendor_envelopes(mock: Mock) -> None:
    anonymous = mock.client("promptlayer")
    unauthorized = anonymous.post(
        f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}
    )
    assert unauthorized.status_code == 401
    assert unauthorized.json()["success"] is False
    pl = mock.client("promptlayer", KEY)
    invalid = pl.post(
        f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 0, "extra": 1}
    )
    assert invalid.status_code == 422
    assert invalid.json() == {
        "detail": [
            {
                "type": "greater_than_equal",
                "loc": ["body", "dataset_group_id"],
                "msg": "Input should be greater than or equal to 1",
                "input": 0,
            }
        ]
    }
    missing = pl.post(f"{V2}/dataset-versions/create-draft", json={})
    assert missing.json()["detail"][0]["loc"] == ["body", "dataset_group_id"]
    assert missing.json()["detail"][0]["type"] == "missing"
    bad_query = pl.get(f"{V2}/datasets", params={"per_page": "500"})
    assert bad_query.json()["detail"][0]["loc"] == ["query", "per_page"]
    other = mock.client("promptlayer", {"X-API-KEY": "pl-other-key"})
    hidden = other.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert hidden.status_code == 404


def test_pagination_and_search(pl: httpx.Client) -> None:
    page = pl.get(f"{V2}/datasets/456/rows", params={"per_page": 2, "page": 2})
    body = page.json()
    assert (body["total"], body["pages"], len(body["rows"])) == (3, 2, 1)
    found = pl.get(f"{V2}/datasets/456/rows", params={"q": "password"})
    assert found.json()["total"] == 1
    listing = pl.get(f"{V2}/datasets", params={"sort_by": "id", "sort_order": "asc", "per_page": 2})
    ids = [d["id"] for d in listing.json()["datasets"]]
    assert ids == sorted(ids)
    assert listing.json()["total"] == 4  # workspace 1 only
