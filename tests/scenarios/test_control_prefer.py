"""`Prefer` (Prism's syntax) across vendors: the documented status in the vendor's envelope and
headers, from the spec's examples or generated from its schema, and no state touched."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from botocore.exceptions import ClientError

from tests.conftest import Mock
from tests.support.agentcore import PREDEFINED, client, example, inline

OMNI = {"Authorization": "Bearer omni-demo-editor"}
PL = {"X-API-KEY": "pl-demo-key"}


def preferring(ac: Any, value: str) -> Any:
    ac.meta.events.register(
        "before-send.*", lambda request, **_: request.headers.__setitem__("Prefer", value)
    )
    return ac


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (409, "ConflictException"),
        (429, "ThrottlingException"),
        (402, "ServiceQuotaExceededException"),
    ],
)
def test_boto3_sees_the_documented_error_and_nothing_is_created(
    mock: Mock, status: int, code: str
) -> None:
    before = httpx.get(f"{mock.url}/__draftmock/state").json()
    ac = preferring(client(mock.url), f"code={status}")
    with pytest.raises(ClientError) as caught:
        ac.create_dataset(
            datasetName="preferred", schemaType=PREDEFINED, source=inline(example("A"))
        )
    assert caught.value.response["Error"]["Code"] == code
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == status
    assert httpx.get(f"{mock.url}/__draftmock/jobs").json()["jobs"] == []
    assert httpx.get(f"{mock.url}/__draftmock/state").json() == before


def test_a_preferred_429_carries_the_documented_retry_after(mock: Mock) -> None:
    limited = mock.client("omni", OMNI).get("/v1/documents", headers={"Prefer": "code=429"})
    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "1"
    assert limited.json() == {
        "error": "Too Many Requests",
        "message": "Too Many Requests - Rate limit exceeded (60 requests/minute)",
    }


def test_code_and_example_together_and_unknown_names(mock: Mock) -> None:
    pl = mock.client("promptlayer", PL)
    body = {"dataset_group_id": 123}
    path = "/api/public/v2/dataset-versions/create-draft"
    both = pl.post(path, json=body, headers={"Prefer": "code=202, example=copying"})
    assert both.status_code == 202
    assert both.json()["message"].startswith("Draft created; rows are being copied")
    raw = httpx.post(
        f"{mock.url}/promptlayer{path}", json=body, headers={**PL, "Prefer": "example=nope"}
    )
    assert raw.status_code == 400
    assert "does not document" in raw.headers["x-draftmock-error"]
    # The refusal names the examples the operation has, for the next try.
    assert "copying" in raw.json()["message"]
    # An invalid request is refused as the vendor would, whatever it prefers.
    invalid = pl.post(path, json={"dataset_group_id": "x"}, headers={"Prefer": "code=201"})
    assert invalid.status_code == 422


def test_a_preferred_conflict_is_the_vendors_own(mock: Mock) -> None:
    """``Prefer: code=409`` on create-draft answers what a real second draft answers."""
    pl = mock.client("promptlayer", PL)
    path = "/api/public/v2/dataset-versions/create-draft"
    preferred = pl.post(path, json={"dataset_group_id": 123}, headers={"Prefer": "code=409"})
    assert preferred.status_code == 409
    assert pl.post(path, json={"dataset_group_id": 123}).status_code == 201
    second = pl.post(path, json={"dataset_group_id": 123})
    assert second.status_code == 409
    assert preferred.json() == second.json()
    assert second.json()["error"] == "conflict"
