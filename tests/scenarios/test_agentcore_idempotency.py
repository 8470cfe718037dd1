"""clientToken retries through boto3: replayed, refused on mismatch, safe under concurrency."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import ASYNC_DELAY, Mock
from tests.support.agentcore import FIXTURE_DATASET, PREDEFINED, client, error_of, example, inline

TOKEN = "retry-token-0123456789abcdef0123456789"


@pytest.fixture
def ac(mock: Mock) -> Any:
    return client(mock.url)


def strip(response: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in response.items() if k != "ResponseMetadata"}


def test_create_dataset_retry_returns_the_original_reply(mock: Mock, ac: Any) -> None:
    params = {"datasetName": "retried", "schemaType": PREDEFINED, "source": inline(example("R"))}
    first = ac.create_dataset(clientToken=TOKEN, **params)
    mock.advance(ASYNC_DELAY)
    again = ac.create_dataset(clientToken=TOKEN, **params)
    assert strip(again) == strip(first)
    assert again["status"] == "CREATING"  # the original reply, unchanged
    assert again["ResponseMetadata"]["RequestId"] != first["ResponseMetadata"]["RequestId"]
    names = [d["datasetName"] for d in ac.list_datasets()["datasets"]]
    assert names.count("retried") == 1
    code, _, response = error_of(
        ac.create_dataset, clientToken=TOKEN, **{**params, "description": "different"}
    )
    assert code == "ValidationException"
    assert response["reason"] == "IdempotentParameterMismatchException"
    # Without a token, boto3 fills in a fresh one: a second call is a new request (a conflict).
    code, _, _ = error_of(ac.create_dataset, **params)
    assert code == "ConflictException"


def test_example_mutation_retries_change_nothing(mock: Mock, ac: Any) -> None:
    first = ac.add_dataset_examples(
        datasetId=FIXTURE_DATASET, clientToken=TOKEN, source=inline(example("once"))
    )
    mock.advance(ASYNC_DELAY)
    again = ac.add_dataset_examples(
        datasetId=FIXTURE_DATASET, clientToken=TOKEN, source=inline(example("once"))
    )
    assert again["exampleIds"] == first["exampleIds"]
    assert ac.get_dataset(datasetId=FIXTURE_DATASET)["exampleCount"] == 4
    code, _, response = error_of(
        ac.add_dataset_examples,
        datasetId=FIXTURE_DATASET,
        clientToken=TOKEN,
        source=inline(example("twice")),
    )
    assert code == "ValidationException"
    assert response["reason"] == "IdempotentParameterMismatchException"
    # Tokens are scoped per operation: the same token on another operation is a new request.
    deleted = ac.delete_dataset_examples(
        datasetId=FIXTURE_DATASET, clientToken=TOKEN, exampleIds=first["exampleIds"]
    )
    assert deleted["deletedCount"] == 1


def test_a_token_belongs_to_its_region(mock: Mock, ac: Any) -> None:
    params = {"datasetName": "twin", "schemaType": PREDEFINED, "source": inline(example("T"))}
    east = ac.create_dataset(clientToken=TOKEN, **params)
    west_client = client(mock.url, region="eu-west-1")
    west = west_client.create_dataset(clientToken=TOKEN, **params)
    assert west["datasetArn"].startswith("arn:aws:bedrock-agentcore:eu-west-1:")
    assert west["datasetId"] != east["datasetId"]
    assert [d["datasetName"] for d in west_client.list_datasets()["datasets"]] == ["twin"]


def test_a_refused_call_is_not_remembered(mock: Mock, ac: Any) -> None:
    made = ac.create_dataset(
        datasetName="later", schemaType=PREDEFINED, source=inline(example("L"))
    )
    code, _, _ = error_of(ac.create_dataset_version, datasetId=made["datasetId"], clientToken=TOKEN)
    assert code == "ConflictException"  # still CREATING
    mock.advance(ASYNC_DELAY)
    assert (
        ac.create_dataset_version(datasetId=made["datasetId"], clientToken=TOKEN)["datasetVersion"]
        == "1"
    )


def test_concurrent_create_dataset_version_with_one_token_makes_one_version(mock: Mock) -> None:
    clients = [client(mock.url) for _ in range(8)]
    start = threading.Barrier(32)

    def publish(index: int) -> dict[str, Any]:
        start.wait(timeout=30)  # all 32 calls leave together
        reply: dict[str, Any] = clients[index % 8].create_dataset_version(
            datasetId=FIXTURE_DATASET, clientToken=TOKEN
        )
        return strip(reply)

    with ThreadPoolExecutor(max_workers=32) as pool:
        replies = list(pool.map(publish, range(32)))
    assert len(replies) == 32
    assert all(r == replies[0] for r in replies)
    assert replies[0]["datasetVersion"] == "2"
    mock.advance(ASYNC_DELAY)
    ac = clients[0]
    versions = ac.list_dataset_versions(datasetId=FIXTURE_DATASET)["versions"]
    assert [v["datasetVersion"] for v in versions] == ["2", "1"]
    assert ac.get_dataset(datasetId=FIXTURE_DATASET)["status"] == "ACTIVE"


def test_concurrent_create_dataset_with_one_token_makes_one_dataset(mock: Mock) -> None:
    clients = [client(mock.url) for _ in range(8)]
    params = {"datasetName": "raced", "schemaType": PREDEFINED, "source": inline(example("R"))}
    start = threading.Barrier(16)

    def create(index: int) -> str:
        start.wait(timeout=30)
        reply = clients[index % 8].create_dataset(clientToken=TOKEN, **params)
        dataset_id: str = reply["datasetId"]
        return dataset_id

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = set(pool.map(create, range(16)))
    assert len(ids) == 1
    names = [d["datasetName"] for d in clients[0].list_datasets()["datasets"]]
    assert names.count("raced") == 1
