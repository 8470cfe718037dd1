"""Every error AgentCore answers, as botocore parses it (code, status, modelled members)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import ASYNC_DELAY, Mock, frozen_runtime
from tests.support.agentcore import (
    FIXTURE_DATASET,
    PREDEFINED,
    S3_EXAMPLES,
    STATIC_AUTH,
    client,
    error_of,
    example,
    inline,
    unsigned_client,
)


@pytest.fixture
def ac(mock: Mock) -> Any:
    return client(mock.url)


def new_dataset(ac: Any, name: str = "guarded") -> str:
    made = ac.create_dataset(datasetName=name, schemaType=PREDEFINED, source=inline(example("G")))
    dataset_id: str = made["datasetId"]
    return dataset_id


def test_schema_violation_is_a_validation_exception_with_field_list(ac: Any) -> None:
    code, http, response = error_of(
        ac.create_dataset,
        datasetName="9starts_with_digit",
        schemaType=PREDEFINED,
        source=inline(example("A")),
    )
    assert (code, http) == ("ValidationException", 400)
    assert response["reason"] == "FieldValidationFailed"
    assert response["fieldList"][0]["name"] == "datasetName"
    assert "regular expression pattern: [a-zA-Z][a-zA-Z0-9_]{0,47}" in response["Error"]["Message"]
    assert response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == "ValidationException"
    assert response["ResponseMetadata"]["RequestId"]


def test_create_dataset_needs_source_and_schema_type(ac: Any) -> None:
    code, http, response = error_of(ac.create_dataset, datasetName="bare")
    assert (code, http) == ("ValidationException", 400)
    assert sorted(f["name"] for f in response["fieldList"]) == ["schemaType", "source"]
    assert ac.list_datasets()["datasets"][0]["datasetId"] == FIXTURE_DATASET
    assert len(ac.list_datasets()["datasets"]) == 1  # nothing was written


def test_one_bad_inline_example_rejects_the_whole_batch(mock: Mock, ac: Any) -> None:
    bad = {"scenario_id": "B", "turns": []}
    code, _, response = error_of(
        ac.create_dataset,
        datasetName="mixed",
        schemaType=PREDEFINED,
        source=inline(example("A"), bad),
    )
    assert code == "ValidationException"
    assert response["fieldList"][0]["name"] == "source.inlineExamples.examples[1].turns"
    code, _, _ = error_of(
        ac.add_dataset_examples, datasetId=FIXTURE_DATASET, source=inline(example("ok"), bad)
    )
    assert code == "ValidationException"
    assert ac.get_dataset(datasetId=FIXTURE_DATASET)["exampleCount"] == 3


def test_unknown_example_id_rejects_the_whole_batch(mock: Mock, ac: Any) -> None:
    first = ac.list_dataset_examples(datasetId=FIXTURE_DATASET)["examples"][0]["exampleId"]
    code, http, _ = error_of(
        ac.update_dataset_examples,
        datasetId=FIXTURE_DATASET,
        examples=[{"exampleId": first, **example("new")}, {"exampleId": "nope", **example("x")}],
    )
    assert (code, http) == ("ResourceNotFoundException", 404)
    code, http, _ = error_of(
        ac.delete_dataset_examples, datasetId=FIXTURE_DATASET, exampleIds=[first, "nope"]
    )
    assert (code, http) == ("ResourceNotFoundException", 404)
    assert ac.get_dataset(datasetId=FIXTURE_DATASET)["status"] == "ACTIVE"
    assert (
        ac.list_dataset_examples(datasetId=FIXTURE_DATASET)["examples"][0]["scenario_id"] == "TC-01"
    )
    code, _, response = error_of(
        ac.update_dataset_examples, datasetId=FIXTURE_DATASET, examples=[example("no id")]
    )
    assert (code, response["fieldList"][0]["name"]) == (
        "ValidationException",
        "examples[0].exampleId",
    )


def test_more_than_1000_examples_per_call_is_refused(ac: Any) -> None:
    many = [example(f"E{i}") for i in range(1001)]
    code, _, response = error_of(
        ac.add_dataset_examples, datasetId=FIXTURE_DATASET, source=inline(*many)
    )
    assert code == "ValidationException"
    assert "less than or equal to 1000" in response["Error"]["Message"]
    code, _, _ = error_of(
        ac.delete_dataset_examples,
        datasetId=FIXTURE_DATASET,
        exampleIds=[f"id{i}" for i in range(1001)],
    )
    assert code == "ValidationException"
    code, _, response = error_of(
        ac.update_dataset_examples,
        datasetId=FIXTURE_DATASET,
        examples=[{"exampleId": f"id{i}", **example("U")} for i in range(1001)],
    )
    assert (code, response["fieldList"][0]["name"]) == ("ValidationException", "examples")


def test_the_draft_holds_at_most_1000_examples(mock: Mock, ac: Any) -> None:
    """StartDatasetGeneration's documentation: "The draft can hold at most 1,000 examples"."""
    full = ac.create_dataset(
        datasetName="full",
        schemaType=PREDEFINED,
        source=inline(*map(example, map(str, range(1000)))),
    )["datasetId"]
    mock.advance(ASYNC_DELAY)
    assert ac.get_dataset(datasetId=full)["exampleCount"] == 1000
    code, http, response = error_of(
        ac.add_dataset_examples, datasetId=full, source=inline(example("one more"))
    )
    assert (code, http) == ("ServiceQuotaExceededException", 402)
    assert "MAX_EXAMPLES_PER_DATASET" in response["Error"]["Message"]
    assert "at most 1000 examples" in response["Error"]["Message"]


def test_conflicts_follow_the_status(mock: Mock, ac: Any) -> None:
    dataset_id = new_dataset(ac)
    for call, kwargs in [
        (ac.add_dataset_examples, {"source": inline(example("A"))}),
        (ac.create_dataset_version, {}),
        (ac.delete_dataset, {}),
    ]:
        code, http, response = error_of(call, datasetId=dataset_id, **kwargs)
        assert (code, http) == ("ConflictException", 409), call
        assert response["Error"]["Message"].startswith("DATASET_NOT_READY")
    mock.advance(ASYNC_DELAY)
    ac.create_dataset_version(datasetId=dataset_id)  # UPDATING now
    code, _, _ = error_of(ac.delete_dataset_examples, datasetId=dataset_id, exampleIds=["x"])
    assert code == "ConflictException"
    code, _, _ = error_of(ac.delete_dataset, datasetId=dataset_id, datasetVersion="1")
    assert code == "ResourceNotFoundException"  # version 1 is not published yet
    mock.advance(ASYNC_DELAY)
    ac.delete_dataset(datasetId=dataset_id)  # DELETING
    code, _, _ = error_of(ac.create_dataset_version, datasetId=dataset_id)
    assert code == "ConflictException"
    code, _, _ = error_of(ac.update_dataset, datasetId=dataset_id, description="late")
    assert code == "ConflictException"
    assert ac.delete_dataset(datasetId=dataset_id)["status"] == "DELETING"  # idempotent
    # Reads stay allowed while DELETING.
    assert ac.list_dataset_examples(datasetId=dataset_id)["examples"]


def test_duplicate_name_is_a_conflict(ac: Any) -> None:
    code, http, _ = error_of(
        ac.create_dataset,
        datasetName="Support_Eval",
        schemaType=PREDEFINED,
        source=inline(example("A")),
    )
    assert (code, http) == ("ConflictException", 409)


def test_unknown_dataset_and_version_are_not_found(ac: Any) -> None:
    for call, kwargs in [
        (ac.get_dataset, {"datasetId": "nope"}),
        (ac.get_dataset, {"datasetId": FIXTURE_DATASET, "datasetVersion": "7"}),
        (ac.list_dataset_examples, {"datasetId": FIXTURE_DATASET, "datasetVersion": "7"}),
        (ac.list_dataset_versions, {"datasetId": "nope"}),
        (ac.update_dataset, {"datasetId": "nope", "description": "x"}),
        (ac.delete_dataset, {"datasetId": "nope"}),
        (ac.create_dataset_version, {"datasetId": "nope"}),
    ]:
        code, http, _ = error_of(call, **kwargs)
        assert (code, http) == ("ResourceNotFoundException", 404), (call, kwargs)


def test_the_draft_cannot_be_deleted_on_its_own(ac: Any) -> None:
    code, _, response = error_of(
        ac.delete_dataset, datasetId=FIXTURE_DATASET, datasetVersion="DRAFT"
    )
    assert (code, response["fieldList"][0]["name"]) == ("ValidationException", "datasetVersion")


def test_access_denied_for_unknown_key_and_bad_signature(mock: Mock) -> None:
    code, http, response = error_of(client(mock.url, key="AKIDUNKNOWN").list_datasets)
    assert (code, http) == ("AccessDeniedException", 403)
    assert "AKIDUNKNOWN" in response["Error"]["Message"]
    code, http, _ = error_of(client(mock.url, key="draftmock-signed", secret="wrong").list_datasets)
    assert (code, http) == ("AccessDeniedException", 403)
    signed = client(mock.url, key="draftmock-signed", secret="draftmock-secret")
    assert (
        signed.get_dataset(datasetId=FIXTURE_DATASET, datasetVersion="1")["datasetVersion"] == "1"
    )
    assert signed.list_dataset_examples(datasetId=FIXTURE_DATASET, maxResults=1)["examples"]


def test_unsigned_boto3_calls_are_access_denied(mock: Mock) -> None:
    unsigned = unsigned_client(mock.url)
    for call, kwargs in [
        (unsigned.list_datasets, {}),
        (unsigned.get_dataset, {"datasetId": FIXTURE_DATASET}),
        (unsigned.create_dataset_version, {"datasetId": FIXTURE_DATASET}),
    ]:
        code, http, response = error_of(call, **kwargs)
        assert (code, http) == ("AccessDeniedException", 403), call
        assert "SigV4 signature is required" in response["Error"]["Message"]
        assert response["ResponseMetadata"]["RequestId"]
    # Nothing was published by the refused call.
    versions = client(mock.url).list_dataset_versions(datasetId=FIXTURE_DATASET)["versions"]
    assert [v["datasetVersion"] for v in versions] == ["1"]


def test_verified_signatures_cover_every_operation(mock: Mock) -> None:
    """Each method, path, query string and body shape botocore signs checks out."""
    signed = client(mock.url, key="draftmock-signed", secret="draftmock-secret")
    forged = client(mock.url, key="draftmock-signed", secret="not-the-secret")
    made = signed.create_dataset(
        datasetName="signed", schemaType=PREDEFINED, source=inline(example("S"))
    )
    dataset_id = made["datasetId"]
    mock.advance(ASYNC_DELAY)
    added = signed.add_dataset_examples(datasetId=dataset_id, source=inline(example("T")))
    mock.advance(ASYNC_DELAY)
    new_id = added["exampleIds"][0]
    steps: list[tuple[str, dict[str, Any]]] = [
        ("get_dataset", {"datasetId": dataset_id, "datasetVersion": "DRAFT"}),
        ("update_dataset", {"datasetId": dataset_id, "description": "signed & sealed"}),
        ("list_datasets", {"maxResults": 1}),
        ("list_dataset_examples", {"datasetId": dataset_id, "maxResults": 1}),
        (
            "update_dataset_examples",
            {"datasetId": dataset_id, "examples": [{"exampleId": new_id, **example("U")}]},
        ),
        ("delete_dataset_examples", {"datasetId": dataset_id, "exampleIds": [new_id]}),
        ("create_dataset_version", {"datasetId": dataset_id}),
        ("list_dataset_versions", {"datasetId": dataset_id}),
        ("delete_dataset", {"datasetId": dataset_id, "datasetVersion": "1"}),
        ("delete_dataset", {"datasetId": dataset_id}),
    ]
    for name, kwargs in steps:
        code, http, _ = error_of(getattr(forged, name), **kwargs)
        assert (code, http) == ("AccessDeniedException", 403), name
        getattr(signed, name)(**kwargs)
        mock.advance(ASYNC_DELAY)
    code, _, _ = error_of(signed.get_dataset, datasetId=dataset_id)
    assert code == "ResourceNotFoundException"


def test_failed_states_refuse_as_documented(mock: Mock, ac: Any) -> None:
    dataset_id = new_dataset(ac, "failing")
    mock.advance(ASYNC_DELAY)
    example_id = ac.list_dataset_examples(datasetId=dataset_id)["examples"][0]["exampleId"]
    ac.create_dataset_version(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)
    missing = {"s3Source": {"s3Uri": "s3://draftmock-fixtures/examples/missing.jsonl"}}
    ac.add_dataset_examples(datasetId=dataset_id, source=missing)
    mock.advance(ASYNC_DELAY)
    assert ac.get_dataset(datasetId=dataset_id)["status"] == "UPDATE_FAILED"
    for call, kwargs in [
        (ac.add_dataset_examples, {"source": {"s3Source": {"s3Uri": S3_EXAMPLES}}}),
        (ac.update_dataset_examples, {"examples": [{"exampleId": example_id, **example("U")}]}),
        (ac.delete_dataset_examples, {"exampleIds": [example_id]}),
    ]:
        code, http, response = error_of(call, datasetId=dataset_id, **kwargs)
        assert (code, http) == ("ConflictException", 409), call
        assert response["Error"]["Message"].startswith("DATASET_IN_FAILED_STATE")

    mock.admin("jobs/fail", {"api": "agentcore", "operation": "DeleteDataset"})
    ac.delete_dataset(datasetId=dataset_id)
    mock.advance(ASYNC_DELAY)
    failed = ac.get_dataset(datasetId=dataset_id)
    assert failed["status"] == "DELETE_FAILED"
    assert failed["failureReason"]
    code, _, response = error_of(ac.create_dataset_version, datasetId=dataset_id)
    assert code == "ConflictException"
    assert response["Error"]["Message"].startswith("DATASET_IN_FAILED_STATE")
    code, _, response = error_of(ac.delete_dataset, datasetId=dataset_id, datasetVersion="1")
    assert (code, response["Error"]["Message"][:17]) == ("ConflictException", "DATASET_NOT_READY")
    code, _, _ = error_of(ac.update_dataset, datasetId=dataset_id, description="x")
    assert code == "ConflictException"
    # Deleting again retries the deletion.
    assert ac.delete_dataset(datasetId=dataset_id)["status"] == "DELETING"
    mock.advance(ASYNC_DELAY)
    code, http, _ = error_of(ac.get_dataset, datasetId=dataset_id)
    assert (code, http) == ("ResourceNotFoundException", 404)


@pytest.mark.parametrize(
    "authorization", [None, "Bearer abc", "AWS4-HMAC-SHA256 Credential=draftmock, Signature=1"]
)
def test_access_denied_for_missing_or_malformed_signature(
    mock: Mock, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    response = mock.client("agentcore", headers).post("/datasets/list", json={})
    assert response.status_code == 403
    assert response.headers["x-amzn-ErrorType"] == "AccessDeniedException"
    assert response.json()["message"]


def test_other_account_sees_nothing(mock: Mock, ac: Any) -> None:
    other = client(mock.url, key="draftmock-other")
    assert other.list_datasets()["datasets"] == []
    code, _, _ = error_of(other.get_dataset, datasetId=FIXTURE_DATASET)
    assert code == "ResourceNotFoundException"
    made = other.create_dataset(
        datasetName="support_eval", schemaType=PREDEFINED, source=inline(example("O"))
    )
    assert ":210987654321:" in made["datasetArn"]
    # Another region of the same account is another namespace; its ARNs carry that region.
    west = client(mock.url, region="eu-west-1")
    assert west.list_datasets()["datasets"] == []
    made = west.create_dataset(
        datasetName="support_eval", schemaType=PREDEFINED, source=inline(example("W"))
    )
    assert made["datasetArn"].startswith(
        "arn:aws:bedrock-agentcore:eu-west-1:123456789012:dataset/"
    )


def test_unknown_operation(mock: Mock) -> None:
    raw = mock.client("agentcore", {"Authorization": STATIC_AUTH})
    missing = httpx.post(
        f"{mock.url}/agentcore/datasets/x/nothing-here", headers={"Authorization": STATIC_AUTH}
    )
    assert missing.status_code == 404
    assert missing.headers["x-amzn-ErrorType"] == "UnknownOperationException"
    wrong_method = httpx.patch(
        f"{mock.url}/agentcore/datasets/x", headers={"Authorization": STATIC_AUTH}
    )
    assert wrong_method.status_code == 405
    assert "GET" in wrong_method.headers["allow"]
    assert raw.post("/datasets/list", content=b"{not json").json()["reason"] == "CannotParse"


@pytest.fixture(scope="module")
def two_versions() -> Iterator[str]:
    runtime = frozen_runtime(options={"agentcore": {"max_versions": 2}})
    with LiveServer(DraftmockApp(runtime)) as server:
        yield server.url


def test_version_quota_is_service_quota_exceeded(two_versions: str) -> None:
    ac = client(two_versions)
    # The fixture dataset has published version 1; version 2 reaches the quota of two.
    assert ac.create_dataset_version(datasetId=FIXTURE_DATASET)["datasetVersion"] == "2"
    httpx.post(f"{two_versions}/__draftmock/clock/advance", json={"seconds": ASYNC_DELAY})
    code, http, response = error_of(ac.create_dataset_version, datasetId=FIXTURE_DATASET)
    assert (code, http) == ("ServiceQuotaExceededException", 402)
    assert "MAX_VERSIONS_PER_DATASET" in response["Error"]["Message"]
    ac.delete_dataset(datasetId=FIXTURE_DATASET, datasetVersion="1")
    httpx.post(f"{two_versions}/__draftmock/clock/advance", json={"seconds": ASYNC_DELAY})
    assert ac.create_dataset_version(datasetId=FIXTURE_DATASET)["datasetVersion"] == "3"


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (429, "ThrottlingException"),
        (500, "InternalServerException"),
        (402, "ServiceQuotaExceededException"),
    ],
)
def test_injected_faults_carry_the_exception_of_their_status(
    mock: Mock, ac: Any, status: int, code: str
) -> None:
    mock.admin(
        "faults",
        {"api": "agentcore", "operation": "AddDatasetExamples", "status": status, "count": 1},
    )
    try:
        got, http, response = error_of(
            ac.add_dataset_examples, datasetId=FIXTURE_DATASET, source=inline(example("F"))
        )
        assert (got, http) == (code, status)
        assert response["Error"]["Message"]
        # The fault was for one call: the next is served.
        served = ac.add_dataset_examples(datasetId=FIXTURE_DATASET, source=inline(example("F")))
        assert served["ResponseMetadata"]["HTTPStatusCode"] == 202
        assert served["addedCount"] == 1
    finally:
        httpx.request(
            "DELETE", f"{mock.url}/__draftmock/faults", json={"api": "agentcore"}, timeout=10
        )
