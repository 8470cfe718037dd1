"""boto3 against the live mock: clients, a guard against off-spec replies, small helpers."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.referee import VIOLATION_HEADER

REGION = "us-east-1"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "210987654321"
FIXTURE_DATASET = "support_eval-Ab12Cd34Ef"
S3_EXAMPLES = "s3://draftmock-fixtures/examples/support.jsonl"
PREDEFINED = "AGENTCORE_EVALUATION_PREDEFINED_V1"
SIMULATED = "AGENTCORE_EVALUATION_SIMULATED_V1"
# A SigV4 header for key `draftmock` (signatures are not checked for it): for raw HTTP calls.
STATIC_AUTH = (
    "AWS4-HMAC-SHA256 Credential=draftmock/20260528/us-east-1/bedrock-agentcore/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=" + "0" * 64
)


def _refuse_off_spec(response_dict: dict[str, Any], **_: Any) -> None:
    headers = {k.lower(): v for k, v in response_dict["headers"].items()}
    if VIOLATION_HEADER in headers:
        raise AssertionError(f"the mock flagged its own response: {headers[VIOLATION_HEADER]}")


def client(
    base_url: str, key: str = "draftmock", secret: str = "anything", region: str = REGION
) -> Any:
    made = boto3.client(
        "bedrock-agentcore-control",
        endpoint_url=f"{base_url}/agentcore",
        region_name=region,
        aws_access_key_id=key,
        aws_secret_access_key=secret,
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    made.meta.events.register("before-parse", _refuse_off_spec)
    return made


def unsigned_client(base_url: str, region: str = REGION) -> Any:
    """A client that sends no Authorization header at all."""
    return boto3.client(
        "bedrock-agentcore-control",
        endpoint_url=f"{base_url}/agentcore",
        region_name=region,
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}),
    )


def example(scenario: str, text: str = "Hello") -> dict[str, Any]:
    return {"scenario_id": scenario, "turns": [{"input": text, "expected_response": "Hi"}]}


def inline(*examples: dict[str, Any]) -> dict[str, Any]:
    return {"inlineExamples": {"examples": list(examples)}}


def error_of(call: Any, **kwargs: Any) -> tuple[str, int, dict[str, Any]]:
    """(code, HTTP status, parsed response) of a call that must fail."""
    with pytest.raises(ClientError) as caught:
        call(**kwargs)
    response: dict[str, Any] = caught.value.response
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], response
