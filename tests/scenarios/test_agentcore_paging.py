"""Paginators and version-pinned nextTokens, through boto3."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import ASYNC_DELAY, Mock
from tests.support.agentcore import PREDEFINED, SIMULATED, client, error_of, example, inline


@pytest.fixture
def ac(mock: Mock) -> Any:
    return client(mock.url)


def seeded(ac: Any, mock: Mock, count: int, name: str = "paged") -> str:
    made = ac.create_dataset(
        datasetName=name,
        schemaType=PREDEFINED,
        source=inline(*(example(f"S{i:02}") for i in range(count))),
    )
    mock.advance(ASYNC_DELAY)
    dataset_id: str = made["datasetId"]
    return dataset_id


def test_list_datasets_paginator(mock: Mock, ac: Any) -> None:
    for i in range(4):
        ac.create_dataset(
            datasetName=f"set_{i}", schemaType=PREDEFINED, source=inline(example("A"))
        )
    pages = list(ac.get_paginator("list_datasets").paginate(PaginationConfig={"PageSize": 2}))
    assert [len(p["datasets"]) for p in pages] == [2, 2, 1]
    names = [d["datasetName"] for p in pages for d in p["datasets"]]
    assert names == ["support_eval", "set_0", "set_1", "set_2", "set_3"]
    assert "nextToken" not in pages[-1]


def test_list_datasets_filter_by_example_counts(mock: Mock, ac: Any) -> None:
    seeded(ac, mock, 5, "five")
    simulated = {
        "scenario_id": "S",
        "actor_profile": {"context": "c", "goal": "g"},
        "input": "hi",
    }
    ac.create_dataset(datasetName="sim", schemaType=SIMULATED, source=inline(simulated))
    mock.advance(ASYNC_DELAY)
    at_least_four = {"exampleCountByField": [{"anyOf": ["TURNS"], "min": 4}]}
    found = ac.list_datasets(filter=at_least_four)["datasets"]
    assert [d["datasetName"] for d in found] == ["five"]
    either = {
        "exampleCountByField": [
            {"anyOf": ["ACTOR_PROFILE"], "min": 1},
            {"anyOf": ["TURNS", "INPUT"], "min": 3, "max": 3},
        ]
    }
    assert [d["datasetName"] for d in ac.list_datasets(filter=either)["datasets"]] == [
        "support_eval",
        "sim",
    ]
    code, _, _ = error_of(ac.list_datasets, filter={"exampleCountByField": [{"min": 1}]})
    assert code == "ValidationException"


def test_list_dataset_versions_paginator_is_descending(mock: Mock, ac: Any) -> None:
    dataset_id = seeded(ac, mock, 2)
    for _ in range(5):
        ac.create_dataset_version(datasetId=dataset_id)
        mock.advance(ASYNC_DELAY)
    paginator = ac.get_paginator("list_dataset_versions")
    pages = list(paginator.paginate(datasetId=dataset_id, PaginationConfig={"PageSize": 2}))
    assert [[v["datasetVersion"] for v in p["versions"]] for p in pages] == [
        ["5", "4"],
        ["3", "2"],
        ["1"],
    ]
    result = paginator.paginate(datasetId=dataset_id).build_full_result()
    assert len(result["versions"]) == 5


def test_list_dataset_versions_filter_by_example_counts(mock: Mock, ac: Any) -> None:
    dataset_id = seeded(ac, mock, 2)
    ac.create_dataset_version(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)
    ac.add_dataset_examples(datasetId=dataset_id, source=inline(example("S2"), example("S3")))
    mock.advance(ASYNC_DELAY)
    ac.create_dataset_version(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)

    def listed(*conditions: dict[str, Any]) -> list[str]:
        found = ac.list_dataset_versions(
            datasetId=dataset_id, filter={"exampleCountByField": list(conditions)}
        )
        return [v["datasetVersion"] for v in found["versions"]]

    assert listed({"anyOf": ["TURNS"], "min": 3}) == ["2"]
    assert listed({"anyOf": ["TURNS"], "max": 2}) == ["1"]
    assert listed({"anyOf": ["INPUT", "ACTOR_PROFILE"], "min": 1}) == []
    assert listed({"anyOf": ["TURNS"], "min": 4}, {"anyOf": ["TURNS"], "max": 2}) == ["2", "1"]
    counts = ac.list_dataset_versions(datasetId=dataset_id)["versions"][0]["exampleCountByField"]
    assert counts == {"turns": 4, "input": 0, "actorProfile": 0}


def test_list_dataset_examples_paginator(mock: Mock, ac: Any) -> None:
    dataset_id = seeded(ac, mock, 7)
    paginator = ac.get_paginator("list_dataset_examples")
    pages = list(paginator.paginate(datasetId=dataset_id, PaginationConfig={"PageSize": 3}))
    assert [len(p["examples"]) for p in pages] == [3, 3, 1]
    assert {p["datasetVersion"] for p in pages} == {"DRAFT"}
    scenarios = [e["scenario_id"] for p in pages for e in p["examples"]]
    assert scenarios == [f"S{i:02}" for i in range(7)]
    full = paginator.paginate(datasetId=dataset_id, PaginationConfig={"PageSize": 3})
    assert len(full.build_full_result()["examples"]) == 7


def test_example_filters(mock: Mock, ac: Any) -> None:
    dataset_id = seeded(ac, mock, 2)
    turns = ac.list_dataset_examples(
        datasetId=dataset_id, filter={"exampleFields": [{"anyOf": ["TURNS"]}]}
    )
    assert len(turns["examples"]) == 2
    profiles = ac.list_dataset_examples(
        datasetId=dataset_id, filter={"exampleFields": [{"anyOf": ["ACTOR_PROFILE", "INPUT"]}]}
    )
    assert profiles["examples"] == []
    generated = ac.list_dataset_examples(
        datasetId=dataset_id, filter={"generationIds": ["gen-run-abcdefghij"]}
    )
    assert generated["examples"] == []


def test_token_keeps_its_version_while_the_draft_changes(mock: Mock, ac: Any) -> None:
    dataset_id = seeded(ac, mock, 4)
    first = ac.list_dataset_examples(datasetId=dataset_id, maxResults=2)
    seen = [e["exampleId"] for e in first["examples"]]
    all_ids = [e["exampleId"] for e in ac.list_dataset_examples(datasetId=dataset_id)["examples"]]
    ac.delete_dataset_examples(datasetId=dataset_id, exampleIds=all_ids[2:])
    mock.advance(ASYNC_DELAY)
    ac.add_dataset_examples(datasetId=dataset_id, source=inline(example("late")))
    mock.advance(ASYNC_DELAY)
    ac.add_dataset_examples(datasetId=dataset_id, source=inline(example("later")))
    mock.advance(ASYNC_DELAY)
    rest = ac.list_dataset_examples(
        datasetId=dataset_id, nextToken=first["nextToken"], maxResults=5
    )
    assert rest["datasetVersion"] == "DRAFT"
    assert [e["exampleId"] for e in rest["examples"]] == all_ids[2:]
    assert seen + [e["exampleId"] for e in rest["examples"]] == all_ids
    assert "nextToken" not in rest


def test_token_pins_a_published_version(mock: Mock, ac: Any) -> None:
    dataset_id = seeded(ac, mock, 3)
    ac.create_dataset_version(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)
    first = ac.list_dataset_examples(datasetId=dataset_id, datasetVersion="1", maxResults=1)
    token = first["nextToken"]
    # The version can be omitted with a token; the token's version is used.
    second = ac.list_dataset_examples(datasetId=dataset_id, nextToken=token, maxResults=1)
    assert second["datasetVersion"] == "1"
    same = ac.list_dataset_examples(
        datasetId=dataset_id, datasetVersion="1", nextToken=token, maxResults=1
    )
    assert same["examples"] == second["examples"]
    code, _, response = error_of(
        ac.list_dataset_examples, datasetId=dataset_id, datasetVersion="DRAFT", nextToken=token
    )
    assert code == "ValidationException"
    assert response["fieldList"][0]["name"] == "datasetVersion"


@pytest.mark.parametrize("token", ["garbage", "x" * 2048])
def test_invalid_tokens_are_validation_errors(ac: Any, token: str) -> None:
    for call, kwargs in [
        (ac.list_datasets, {}),
        (ac.list_dataset_versions, {"datasetId": "support_eval-Ab12Cd34Ef"}),
        (ac.list_dataset_examples, {"datasetId": "support_eval-Ab12Cd34Ef"}),
    ]:
        code, http, _ = error_of(call, nextToken=token, **kwargs)
        assert (code, http) == ("ValidationException", 400)


def test_a_token_belongs_to_its_listing_and_account(mock: Mock, ac: Any) -> None:
    dataset_id = seeded(ac, mock, 3)
    token = ac.list_dataset_examples(datasetId=dataset_id, maxResults=1)["nextToken"]
    assert 0 < len(token) <= 2048
    code, _, _ = error_of(ac.list_datasets, nextToken=token)
    assert code == "ValidationException"
    code, _, _ = error_of(
        ac.list_dataset_examples, datasetId="support_eval-Ab12Cd34Ef", nextToken=token
    )
    assert code == "ValidationException"
    other = client(mock.url, key="draftmock-other")
    code, _, _ = error_of(other.list_datasets, nextToken=token)
    assert code == "ValidationException"


def test_a_token_belongs_to_its_region(mock: Mock, ac: Any) -> None:
    seeded(ac, mock, 1, "east_only")
    token = ac.list_datasets(maxResults=1)["nextToken"]
    west = client(mock.url, region="eu-west-1")
    code, _, response = error_of(west.list_datasets, nextToken=token)
    assert (code, response["fieldList"][0]["name"]) == ("ValidationException", "nextToken")
    assert [d["datasetName"] for d in ac.list_datasets(nextToken=token)["datasets"]] == [
        "east_only"
    ]
