"""Where a request breaks its operation, the 422 says so: ``loc`` names the body member, query,
path or header parameter, as FastAPI does. The PromptLayer document has no header parameter of
its own, so this serves a copy that adds one to getDatasetRows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.paths import specs_dir
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import FROZEN_START
from tests.support.referee import refereed_client

ROWS = "/api/public/v2/datasets/{dataset_id}/rows"
HEADER = {
    "name": "x-row-budget",
    "in": "header",
    "required": False,
    "schema": {"type": "integer", "minimum": 1},
}


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    specs: Path = tmp_path_factory.mktemp("specs")
    document = yaml.safe_load((specs_dir() / "promptlayer.yaml").read_text())
    operation = document["paths"][ROWS]["get"]
    operation["parameters"] = [*operation.get("parameters", []), HEADER]
    (specs / "promptlayer.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    runtime = build_runtime(
        specs=specs, apis=["promptlayer"], clock=VirtualClock(start=FROZEN_START, frozen=True)
    )
    with LiveServer(DraftmockApp(runtime)) as live:
        yield refereed_client(
            document, f"{live.url}/promptlayer", headers={"X-API-KEY": "pl-demo-key"}, timeout=30
        )


def locs(response: httpx.Response) -> list[list[object]]:
    assert response.status_code == 422, response.text
    return [d["loc"] for d in response.json()["detail"]]


def test_header_parameter(client: httpx.Client) -> None:
    bad = client.get("/api/public/v2/datasets/456/rows", headers={"x-row-budget": "0"})
    assert locs(bad) == [["header", "x-row-budget"]]
    assert bad.json()["detail"][0]["type"] == "greater_than_equal"
    unparsable = client.get("/api/public/v2/datasets/456/rows", headers={"x-row-budget": "many"})
    assert unparsable.json()["detail"][0]["type"] == "int_parsing"
    good = client.get("/api/public/v2/datasets/456/rows", headers={"x-row-budget": "5"})
    assert good.status_code == 200


def test_every_location_in_one_request(client: httpx.Client) -> None:
    response = client.get(
        "/api/public/v2/datasets/x/rows",
        params={"per_page": "101", "page": "0"},
        headers={"x-row-budget": "-1"},
    )
    assert sorted(locs(response), key=str) == sorted(
        [
            ["path", "dataset_id"],
            ["query", "per_page"],
            ["query", "page"],
            ["header", "x-row-budget"],
        ],
        key=str,
    )


def test_body_members_nested_and_missing(client: httpx.Client) -> None:
    response = client.post(
        "/api/public/v2/dataset-versions/from-filter-params",
        json={
            "filter_group": {"logic": "XOR", "filters": [{"field": "tags", "operator": "nope"}]},
            "limit": 0,
        },
    )
    assert sorted(locs(response), key=str) == sorted(
        [
            ["body", "dataset_group_id"],
            ["body", "filter_group", "logic"],
            ["body", "filter_group", "filters", 0, "operator"],
            ["body", "limit"],
        ],
        key=str,
    )
