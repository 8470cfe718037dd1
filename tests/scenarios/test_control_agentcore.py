"""The control plane steering AgentCore's async lifecycle, driven by boto3 over a socket."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import ASYNC_DELAY, Mock
from tests.support.agentcore import PREDEFINED, client, example, inline


@pytest.fixture
def ac(mock: Mock) -> Iterator[Any]:
    yield client(mock.url)
    httpx.delete(f"{mock.url}/__draftmock/progression")
    httpx.delete(f"{mock.url}/__draftmock/faults")


def ready_dataset(mock: Mock, ac: Any, name: str) -> str:
    made = ac.create_dataset(datasetName=name, schemaType=PREDEFINED, source=inline(example("A")))
    mock.advance(ASYNC_DELAY)
    assert ac.get_dataset(datasetId=made["datasetId"])["status"] == "ACTIVE"
    dataset_id: str = made["datasetId"]
    return dataset_id


def test_advancing_the_clock_completes_create_dataset_version(mock: Mock, ac: Any) -> None:
    dataset_id = ready_dataset(mock, ac, "clocked")
    started = ac.create_dataset_version(datasetId=dataset_id)
    assert started["status"] == "UPDATING"
    assert ac.get_dataset(datasetId=dataset_id)["status"] == "UPDATING"
    ran = mock.advance(ASYNC_DELAY)["ran"]
    assert [job["api"] for job in ran] == ["agentcore"]
    after = ac.get_dataset(datasetId=dataset_id)
    assert (after["status"], after["draftStatus"]) == ("ACTIVE", "UNMODIFIED")
    versions = ac.list_dataset_versions(datasetId=dataset_id)["versions"]
    assert [v["datasetVersion"] for v in versions] == [started["datasetVersion"]]


def test_poll_mode_flips_after_the_nth_get_dataset(mock: Mock, ac: Any) -> None:
    rule = {"api": "agentcore", "operation": "CreateDataset", "mode": "polls", "polls": 3}
    assert httpx.put(f"{mock.url}/__draftmock/progression", json=rule).status_code == 200
    made = ac.create_dataset(
        datasetName="polled", schemaType=PREDEFINED, source=inline(example("P"))
    )
    mock.advance(3600)  # time alone does not complete it
    seen = [ac.get_dataset(datasetId=made["datasetId"])["status"] for _ in range(3)]
    assert seen == ["CREATING", "CREATING", "ACTIVE"]


def test_a_failed_job_yields_update_failed(mock: Mock, ac: Any) -> None:
    dataset_id = ready_dataset(mock, ac, "doomed")
    mock.admin("jobs/fail", {"api": "agentcore", "operation": "CreateDatasetVersion"})
    ac.create_dataset_version(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)
    after = ac.get_dataset(datasetId=dataset_id)
    assert after["status"] == "UPDATE_FAILED"
    assert after["failureReason"]
    assert ac.list_dataset_versions(datasetId=dataset_id)["versions"] == []


def test_an_injected_throttle_is_a_throttling_exception(mock: Mock, ac: Any) -> None:
    # boto3 retries throttling on its own: fail more calls than it will attempt.
    mock.admin(
        "faults", {"api": "agentcore", "operation": "ListDatasets", "status": 429, "count": 5}
    )
    with pytest.raises(ClientError) as caught:
        ac.list_datasets()
    assert caught.value.response["Error"]["Code"] == "ThrottlingException"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 429


def test_a_failed_create_yields_create_failed(mock: Mock, ac: Any) -> None:
    mock.admin("jobs/fail", {"api": "agentcore", "operation": "CreateDataset"})
    made = ac.create_dataset(
        datasetName="stillborn", schemaType=PREDEFINED, source=inline(example("F"))
    )
    assert ac.get_dataset(datasetId=made["datasetId"])["status"] == "CREATING"
    mock.advance(ASYNC_DELAY)
    after = ac.get_dataset(datasetId=made["datasetId"])
    assert after["status"] == "CREATE_FAILED"
    assert after["failureReason"]
