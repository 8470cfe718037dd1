"""Sessions: each `X-Draftmock-Session` has a state of its own, and the control API acts on the
session its request names (jobs, failures, progression, state, snapshots, journal, coverage)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.conftest import ASYNC_DELAY, Mock

KEY = {"X-API-KEY": "pl-demo-key"}
V2 = "/api/public/v2"


@pytest.fixture(autouse=True)
def clean_sessions(mock: Mock) -> Iterator[None]:
    yield
    for name in ("alice", "bob"):
        for path in ("faults", "progression"):
            httpx.delete(f"{mock.url}/__draftmock/{path}", headers={"X-Draftmock-Session": name})
        httpx.post(f"{mock.url}/__draftmock/reset", headers={"X-Draftmock-Session": name})


def control(mock: Mock, method: str, path: str, session: str | None, **kwargs: Any) -> Any:
    headers = {"X-Draftmock-Session": session} if session else {}
    answer = httpx.request(method, f"{mock.url}/__draftmock/{path}", headers=headers, **kwargs)
    assert answer.status_code < 300, answer.text
    return answer.json()


def versions(pl: httpx.Client) -> dict[int, int]:
    listing = pl.get(f"{V2}/datasets", params={"dataset_group_id": 124}).json()
    return {d["id"]: d["version_number"] for d in listing["datasets"]}


def test_jobs_belong_to_their_session_and_the_clock_runs_them_all(mock: Mock) -> None:
    alice = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "alice"})
    bob = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "bob"})
    assert (
        alice.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}).status_code
        == 202
    )
    [job] = control(mock, "GET", "jobs", "alice")["jobs"]
    assert control(mock, "GET", "jobs", "bob")["jobs"] == []
    assert control(mock, "GET", "jobs", None)["jobs"] == []
    moved = mock.advance(ASYNC_DELAY)  # the clock is shared: due work runs in every session
    assert [j["id"] for j in moved["ran"]] == [job["id"]]
    assert versions(alice)[459] == 3
    assert versions(bob)[459] == -1


def test_failures_and_progression_are_per_session(mock: Mock) -> None:
    alice = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "alice"})
    bob = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "bob"})
    control(
        mock,
        "POST",
        "jobs/fail",
        "alice",
        json={"api": "promptlayer", "operation": "saveDraftDatasetVersion"},
    )
    rule = {"api": "promptlayer", "operation": "saveDraftDatasetVersion", "mode": "manual"}
    control(mock, "PUT", "progression", "bob", json=rule)
    assert control(mock, "GET", "progression", "alice")["rules"] == []
    for client in (alice, bob):
        client.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})
    mock.advance(3600)
    assert 459 not in versions(alice)  # alice's save failed: the draft is gone
    assert versions(bob)[459] == -1  # bob's waits for a manual run
    ran = control(mock, "POST", "jobs/run", "bob", json={})["ran"]
    assert len(ran) == 1
    assert versions(bob)[459] == 3


def test_state_snapshots_journal_and_coverage_are_per_session(mock: Mock) -> None:
    alice = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "alice"})
    bob = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "bob"})
    control(mock, "POST", "snapshots", "alice", json={"name": "clean"})
    assert control(mock, "GET", "snapshots", "bob")["snapshots"] == []
    assert (
        alice.post(
            f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}
        ).status_code
        == 201
    )
    bob.get(f"{V2}/datasets")

    alice_log = control(mock, "GET", "requests", "alice", params={"limit": 1})
    assert alice_log["world"] == "alice"
    assert [e["operation_id"] for e in alice_log["requests"]] == ["createDraftDatasetVersion"]
    assert {e["session"] for e in control(mock, "GET", "requests", "bob")["requests"]} == {"bob"}
    alice_cov = control(mock, "GET", "coverage", "alice", params={"api": "promptlayer"})
    bob_cov = control(mock, "GET", "coverage", "bob", params={"api": "promptlayer"})
    assert alice_cov["apis"]["promptlayer"]["createDraftDatasetVersion"]["exercised"] == ["201"]
    assert bob_cov["apis"]["promptlayer"]["createDraftDatasetVersion"]["exercised"] == []

    dump = control(mock, "GET", "state", "alice")
    control(mock, "PUT", "state", "bob", json=dump)  # bob now holds alice's draft
    assert (
        bob.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}).status_code
        == 409
    )
    control(mock, "POST", "snapshots/clean", "alice")
    assert (
        alice.post(
            f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}
        ).status_code
        == 201
    )
    default = mock.client("promptlayer", KEY)
    assert (
        default.post(
            f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}
        ).status_code
        == 201
    )


def test_seed_and_reset_act_on_one_session(mock: Mock) -> None:
    fixture = {"workspaces": [{"id": 1, "dataset_groups": [{"id": 6100, "name": "Only alice"}]}]}
    control(mock, "POST", "seed", "alice", json={"api": "promptlayer", "fixture": fixture})
    alice = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "alice"})
    bob = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "bob"})
    body = {"dataset_group_id": 6100}
    assert bob.post(f"{V2}/dataset-versions/create-draft", json=body).status_code == 404
    assert alice.post(f"{V2}/dataset-versions/create-draft", json=body).status_code == 201
    control(mock, "POST", "reset", "alice", json={"api": "promptlayer"})
    assert alice.post(f"{V2}/dataset-versions/create-draft", json=body).status_code == 404
