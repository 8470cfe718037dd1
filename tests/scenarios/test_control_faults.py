"""Fault rules over a socket: the vendor's own error (envelope and headers) for a documented
status, probability and count together, ranged latency, and rules kept per session."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from draftmock.server.steering import fault_reply
from draftmock.spec.operations import compile_document
from draftmock.vendors import VENDORS
from tests.conftest import Mock
from tests.support.agentcore import STATIC_AUTH

LUNARY = {"X-API-Key": "11111111-1111-4111-8111-111111111111"}
OMNI = {"Authorization": "Bearer omni-demo-editor"}
PL = {"X-API-KEY": "pl-demo-key"}


@pytest.fixture(autouse=True)
def no_faults_left(mock: Mock) -> Iterator[None]:
    yield
    for session in (None, "faulty"):
        headers = {"X-Draftmock-Session": session} if session else {}
        httpx.delete(f"{mock.url}/__draftmock/faults", headers=headers)


def add(mock: Mock, rule: dict[str, object], session: str | None = None) -> None:
    headers = {"X-Draftmock-Session": session} if session else {}
    added = httpx.post(f"{mock.url}/__draftmock/faults", json=rule, headers=headers)
    assert added.status_code == 201, added.text


def test_an_injected_429_is_the_vendors_own(mock: Mock) -> None:
    add(mock, {"api": "lunary", "operation": "listDatasets", "status": 429, "count": 1})
    lunary = mock.client("lunary", LUNARY)
    limited = lunary.get("/v1/datasets-v2")
    assert limited.status_code == 429
    assert set(limited.json()) == {"message"}  # Lunary's envelope
    for name in ("Rate-Limit-Remaining", "Rate-Limit-Reset", "Rate-Limit-Total"):
        assert limited.headers[name].isdigit()
    assert limited.headers["Retry-After"] == "1"  # documented for Lunary's 429
    assert lunary.get("/v1/datasets-v2").status_code == 200  # count 1: the next call is real

    add(mock, {"api": "omni", "operation": "documentsList", "status": 429, "count": 1})
    omni = mock.client("omni", OMNI).get("/v1/documents")
    assert omni.status_code == 429
    assert omni.json()["error"] == "Too Many Requests"
    assert omni.headers["Retry-After"] == "1"

    add(mock, {"api": "agentcore", "operation": "ListDatasets", "status": 500, "count": 1})

    failed = httpx.post(
        f"{mock.url}/agentcore/datasets/list",
        json={},
        headers={"Authorization": STATIC_AUTH, "X-Amz-Date": "20260528T000000Z"},
    )
    assert failed.status_code == 500
    assert failed.headers["x-amzn-ErrorType"] == "InternalServerException"
    assert failed.headers["x-amzn-RequestId"]


@pytest.mark.parametrize(
    ("api", "operation", "retry_after"),
    [
        ("lunary", "listDatasets", True),
        ("omni", "documentsList", True),
        ("agentcore", "ListDatasets", False),
    ],
)
def test_a_fault_429_carries_the_retry_after_its_spec_documents(
    mock: Mock, api: str, operation: str, retry_after: bool
) -> None:
    document = mock.runtime.documents[api]
    op = compile_document(document).operations[operation]
    reply = fault_reply(VENDORS[api], 429, "slow down", "r-1", document=document, op=op)
    assert reply.status == 429
    assert ("Retry-After" in reply.headers) is retry_after


def test_probability_and_count_together(mock: Mock) -> None:
    add(
        mock,
        {
            "api": "promptlayer",
            "operation": "listDatasets",
            "status": 422,
            "probability": 0.1,
            "count": 3,
        },
    )
    pl = mock.client("promptlayer", PL)
    # p = 0.1 over 120 calls: fewer than 3 faults, or the first 3 calls all faulted, each has a
    # chance below 0.1% (the draws are not seeded per test)
    statuses = [pl.get("/api/public/v2/datasets").status_code for _ in range(120)]
    assert statuses.count(422) == 3  # the count caps what the probability lets through
    assert statuses[:3] != [422, 422, 422]  # ... and the probability skipped some calls
    rules = httpx.get(f"{mock.url}/__draftmock/faults").json()["rules"]
    assert rules[0]["remaining"] == 0


def test_ranged_latency_varies_within_its_window(mock: Mock) -> None:
    add(mock, {"api": "promptlayer", "operation": "listDatasets", "latency_ms": [100, 400]})
    pl = mock.client("promptlayer", PL)
    delays = []
    for _ in range(6):
        answer = pl.get("/api/public/v2/datasets")
        assert answer.status_code == 200
        delays.append(answer.elapsed.total_seconds())
    assert min(delays) >= 0.1
    assert max(delays) - min(delays) > 0.05  # drawn from the window, not a fixed delay
    assert max(delays) < 2.0


def test_fault_rules_belong_to_their_session(mock: Mock) -> None:
    add(
        mock,
        {"api": "promptlayer", "operation": "listDatasets", "status": 401},
        session="faulty",
    )
    faulty = mock.client("promptlayer", {**PL, "X-Draftmock-Session": "faulty"})
    clean = mock.client("promptlayer", PL)
    assert faulty.get("/api/public/v2/datasets").status_code == 401
    assert clean.get("/api/public/v2/datasets").status_code == 200
    assert httpx.get(f"{mock.url}/__draftmock/faults").json()["rules"] == []
    listed = httpx.get(
        f"{mock.url}/__draftmock/faults", headers={"X-Draftmock-Session": "faulty"}
    ).json()
    assert listed["world"] == "faulty"
    assert [r["status"] for r in listed["rules"]] == [401]
