"""AgentCore datasets driven by boto3, unmodified, over a real socket: the whole lifecycle."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import ASYNC_DELAY, Mock
from tests.support.agentcore import (
    ACCOUNT,
    FIXTURE_DATASET,
    PREDEFINED,
    S3_EXAMPLES,
    SIMULATED,
    client,
    error_of,
    example,
    inline,
)


@pytest.fixture
def ac(mock: Mock) -> Any:
    return client(mock.url)


def status(ac: Any, dataset_id: str) -> tuple[str, str | None]:
    got = ac.get_dataset(datasetId=dataset_id)
    return got["status"], got.get("draftStatus")


def create(ac: Any, mock: Mock, name: str, *examples: dict[str, Any]) -> str:
    made = ac.create_dataset(
        datasetName=name, schemaType=PREDEFINED, source=inline(*(examples or (example("A"),)))
    )
    mock.advance(ASYNC_DELAY)
    dataset_id: str = made["datasetId"]
    return dataset_id


def drafted(ac: Any, dataset_id: str, version: str = "DRAFT") -> list[dict[str, Any]]:
    listed = ac.list_dataset_examples(datasetId=dataset_id, datasetVersion=version)
    examples: list[dict[str, Any]] = listed["examples"]
    return examples


def test_full_lifecycle(mock: Mock, ac: Any) -> None:
    made = ac.create_dataset(
        datasetName="checkout_eval",
        description="Checkout flows",
        schemaType=PREDEFINED,
        source=inline(example("C-1"), example("C-2")),
        tags={"team": "payments"},
    )
    assert made["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert made["status"] == "CREATING"
    dataset_id = made["datasetId"]
    assert dataset_id.startswith("checkout_eval-")
    assert made["datasetArn"] == (
        f"arn:aws:bedrock-agentcore:us-east-1:{ACCOUNT}:dataset/{dataset_id}"
    )
    creating = ac.get_dataset(datasetId=dataset_id)
    assert creating["status"] == "CREATING"
    assert creating["exampleCount"] == 0
    assert "downloadUrl" not in creating

    mock.advance(ASYNC_DELAY - 0.5)
    assert status(ac, dataset_id) == ("CREATING", None)
    mock.advance(0.5)
    active = ac.get_dataset(datasetId=dataset_id)
    assert (active["status"], active["draftStatus"]) == ("ACTIVE", "MODIFIED")
    assert active["exampleCount"] == 2
    assert active["exampleCountByField"] == {"turns": 2, "input": 0, "actorProfile": 0}
    assert active["tags"] == {"team": "payments"}
    assert active["description"] == "Checkout flows"
    assert active["datasetVersion"] == "DRAFT"

    added = ac.add_dataset_examples(datasetId=dataset_id, source=inline(example("C-3")))
    assert added["ResponseMetadata"]["HTTPStatusCode"] == 202
    assert (added["status"], added["addedCount"], len(added["exampleIds"])) == ("UPDATING", 1, 1)
    assert status(ac, dataset_id)[0] == "UPDATING"
    assert ac.get_dataset(datasetId=dataset_id)["exampleCount"] == 2  # not applied yet
    mock.advance(ASYNC_DELAY)
    assert status(ac, dataset_id) == ("ACTIVE", "MODIFIED")
    ids = [e["exampleId"] for e in drafted(ac, dataset_id)]
    assert ids[-1] == added["exampleIds"][0]

    published = ac.create_dataset_version(datasetId=dataset_id)
    assert (published["status"], published["datasetVersion"]) == ("UPDATING", "1")
    mock.advance(ASYNC_DELAY)
    assert status(ac, dataset_id) == ("ACTIVE", "UNMODIFIED")
    v1 = ac.get_dataset(datasetId=dataset_id, datasetVersion="1")
    assert (v1["datasetVersion"], v1["exampleCountByField"]["turns"]) == ("1", 3)

    # The DRAFT stays editable; the published version does not change.
    updated = ac.update_dataset_examples(
        datasetId=dataset_id, examples=[{"exampleId": ids[0], **example("C-1", "Changed")}]
    )
    assert updated["updatedCount"] == 1
    mock.advance(ASYNC_DELAY)
    assert status(ac, dataset_id) == ("ACTIVE", "MODIFIED")
    assert drafted(ac, dataset_id)[0]["turns"][0]["input"] == "Changed"
    assert drafted(ac, dataset_id, "1")[0]["turns"][0]["input"] == "Hello"

    deleted = ac.delete_dataset_examples(datasetId=dataset_id, exampleIds=[ids[1]])
    assert deleted["deletedCount"] == 1
    mock.advance(ASYNC_DELAY)
    assert [e["exampleId"] for e in drafted(ac, dataset_id)] == [ids[0], ids[2]]

    second = ac.create_dataset_version(datasetId=dataset_id)
    assert second["datasetVersion"] == "2"
    mock.advance(ASYNC_DELAY)
    versions = ac.list_dataset_versions(datasetId=dataset_id)["versions"]
    assert [(v["datasetVersion"], v["exampleCount"]) for v in versions] == [("2", 2), ("1", 3)]

    renamed = ac.update_dataset(datasetId=dataset_id, description="Checkout and refunds")
    assert renamed["ResponseMetadata"]["HTTPStatusCode"] == 200
    assert ac.get_dataset(datasetId=dataset_id)["description"] == "Checkout and refunds"

    gone_version = ac.delete_dataset(datasetId=dataset_id, datasetVersion="1")
    assert (gone_version["status"], gone_version["datasetVersion"]) == ("UPDATING", "1")
    mock.advance(ASYNC_DELAY)
    assert status(ac, dataset_id) == ("ACTIVE", "UNMODIFIED")  # DRAFT still equals version 2
    assert [
        v["datasetVersion"] for v in ac.list_dataset_versions(datasetId=dataset_id)["versions"]
    ] == ["2"]
    code, http, _ = error_of(ac.get_dataset, datasetId=dataset_id, datasetVersion="1")
    assert (code, http) == ("ResourceNotFoundException", 404)
    # Version numbers are not reused.
    assert ac.create_dataset_version(datasetId=dataset_id)["datasetVersion"] == "3"
    mock.advance(ASYNC_DELAY)

    gone = ac.delete_dataset(datasetId=dataset_id)
    assert gone["status"] == "DELETING"
    assert status(ac, dataset_id)[0] == "DELETING"
    mock.advance(ASYNC_DELAY)
    code, http, _ = error_of(ac.get_dataset, datasetId=dataset_id)
    assert (code, http) == ("ResourceNotFoundException", 404)
    # The name is free again.
    again = ac.create_dataset(
        datasetName="checkout_eval", schemaType=PREDEFINED, source=inline(example("X"))
    )
    assert again["datasetId"] != dataset_id


def test_s3_source_resolves_from_fixture_objects(mock: Mock, ac: Any) -> None:
    made = ac.create_dataset(
        datasetName="from_s3", schemaType=PREDEFINED, source={"s3Source": {"s3Uri": S3_EXAMPLES}}
    )
    mock.advance(ASYNC_DELAY)
    got = ac.get_dataset(datasetId=made["datasetId"])
    assert (got["status"], got["exampleCount"]) == ("ACTIVE", 3)
    assert [e["scenario_id"] for e in drafted(ac, made["datasetId"])] == ["S3-01", "S3-02", "S3-03"]


@pytest.mark.parametrize(
    ("uri", "reason"),
    [
        ("s3://draftmock-fixtures/examples/missing.jsonl", "does not exist"),
        ("s3://draftmock-fixtures/examples/broken.jsonl", "turns"),
    ],
)
def test_unreadable_s3_source_ends_in_create_failed(
    mock: Mock, ac: Any, uri: str, reason: str
) -> None:
    made = ac.create_dataset(
        datasetName="broken", schemaType=PREDEFINED, source={"s3Source": {"s3Uri": uri}}
    )
    assert made["status"] == "CREATING"
    mock.advance(ASYNC_DELAY)
    got = ac.get_dataset(datasetId=made["datasetId"])
    assert got["status"] == "CREATE_FAILED"
    assert reason in got["failureReason"]
    code, http, response = error_of(ac.create_dataset_version, datasetId=made["datasetId"])
    assert (code, http) == ("ConflictException", 409)
    assert response["Error"]["Message"].startswith("DATASET_IN_FAILED_STATE")
    # A failed dataset can still be deleted.
    assert ac.delete_dataset(datasetId=made["datasetId"])["status"] == "DELETING"


def test_add_examples_from_s3(mock: Mock, ac: Any) -> None:
    dataset_id = create(ac, mock, "grows")
    added = ac.add_dataset_examples(
        datasetId=dataset_id, source={"s3Source": {"s3Uri": S3_EXAMPLES}}
    )
    assert added["addedCount"] == 3
    mock.advance(ASYNC_DELAY)
    assert ac.get_dataset(datasetId=dataset_id)["exampleCount"] == 4
    missing = ac.add_dataset_examples(
        datasetId=dataset_id, source={"s3Source": {"s3Uri": "s3://draftmock-fixtures/nope.jsonl"}}
    )
    assert missing["addedCount"] == 0
    mock.advance(ASYNC_DELAY)
    got = ac.get_dataset(datasetId=dataset_id)
    assert got["status"] == "UPDATE_FAILED"
    assert "does not exist" in got["failureReason"]
    # From UPDATE_FAILED, publishing is allowed and brings the dataset back to ACTIVE.
    ac.create_dataset_version(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)
    assert status(ac, dataset_id) == ("ACTIVE", "UNMODIFIED")
    assert "failureReason" not in ac.get_dataset(datasetId=dataset_id)


def test_simulated_schema_examples(mock: Mock, ac: Any) -> None:
    good = {
        "scenario_id": "SIM-1",
        "actor_profile": {"context": "Late parcel", "goal": "A delivery date"},
        "input": "Where is my parcel?",
    }
    made = ac.create_dataset(datasetName="simulated", schemaType=SIMULATED, source=inline(good))
    mock.advance(ASYNC_DELAY)
    got = ac.get_dataset(datasetId=made["datasetId"])
    assert got["exampleCountByField"] == {"turns": 0, "input": 1, "actorProfile": 1}
    code, _, response = error_of(
        ac.add_dataset_examples, datasetId=made["datasetId"], source=inline(example("P-1"))
    )
    assert code == "ValidationException"
    assert {f["name"] for f in response["fieldList"]} >= {
        "source.inlineExamples.examples[0].actor_profile",
        "source.inlineExamples.examples[0].input",
    }


def test_fixture_dataset_is_ready_to_explore(ac: Any) -> None:
    got = ac.get_dataset(datasetId=FIXTURE_DATASET)
    assert (got["status"], got["draftStatus"], got["exampleCount"]) == ("ACTIVE", "MODIFIED", 3)
    v1 = ac.get_dataset(datasetId=FIXTURE_DATASET, datasetVersion="1")
    assert v1["exampleCountByField"]["turns"] == 2
    assert v1["exampleCount"] == 3  # exampleCount always counts the DRAFT (model docs)


def test_download_url_serves_jsonl_until_it_expires(mock: Mock, ac: Any) -> None:
    got = ac.get_dataset(datasetId=FIXTURE_DATASET, datasetVersion="1")
    url = got["downloadUrl"]
    assert got["downloadUrlExpiresAt"].timestamp() == pytest.approx(mock.runtime.clock.now() + 300)
    fetched = httpx.get(url, timeout=10)
    assert fetched.status_code == 200
    lines = [line for line in fetched.text.splitlines() if line]
    assert len(lines) == 2
    assert [httpx.Response(200, content=line).json()["scenario_id"] for line in lines] == [
        "TC-01",
        "TC-02",
    ]
    mock.advance(299)
    assert httpx.get(url, timeout=10).status_code == 200
    mock.advance(1)
    assert httpx.get(url, timeout=10).status_code == 403
    assert (
        httpx.get(ac.get_dataset(datasetId=FIXTURE_DATASET)["downloadUrl"], timeout=10).status_code
        == 200
    )


def test_a_numbered_version_counts_its_own_examples_but_exampleCount_is_the_drafts(
    ac: Any, mock: Mock
) -> None:
    """Version 1's exampleCountByField, ListDatasetVersions and ListDatasetExamples agree on
    version 1 after the DRAFT grew; GetDataset's exampleCount is the DRAFT's, as the model
    documents it ("The number of examples in the DRAFT")."""
    dataset_id = create(ac, mock, "counted", example("A"), example("B"))
    ac.create_dataset_version(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)
    ac.add_dataset_examples(datasetId=dataset_id, source=inline(example("C")))
    mock.advance(ASYNC_DELAY)
    ac.create_dataset_version(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)
    ac.add_dataset_examples(datasetId=dataset_id, source=inline(example("D")))
    mock.advance(ASYNC_DELAY)
    one = ac.get_dataset(datasetId=dataset_id, datasetVersion="1")
    assert one["exampleCount"] == 4  # the DRAFT's
    listed = {
        v["datasetVersion"]: v for v in ac.list_dataset_versions(datasetId=dataset_id)["versions"]
    }
    assert listed["1"]["exampleCount"] == 2
    assert listed["1"]["exampleCountByField"] == one["exampleCountByField"]
    assert one["exampleCountByField"]["turns"] == 2
    examples = ac.list_dataset_examples(datasetId=dataset_id, datasetVersion="1")["examples"]
    assert len(examples) == 2
    assert listed["2"]["exampleCount"] == 3
