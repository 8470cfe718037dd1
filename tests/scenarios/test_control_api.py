"""The control API through HTTP on a real server; every control response is refereed against
src/draftmock/server/control.yaml, every PromptLayer response against specs/promptlayer.yaml."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from draftmock.server.admin import CONTROL_SPEC
from draftmock.server.app import DraftmockApp
from tests.conftest import ASYNC_DELAY, Mock, frozen_runtime
from tests.support.agentcore import PREDEFINED, client, example, inline
from tests.support.referee import refereed_client

KEY = {"X-API-KEY": "pl-demo-key"}
V2 = "/api/public/v2"


CONTROL_DOCUMENT = yaml.safe_load(Path(CONTROL_SPEC).read_text())


@pytest.fixture
def control(mock: Mock) -> httpx.Client:
    return refereed_client(CONTROL_DOCUMENT, mock.url, timeout=30)


@pytest.fixture
def pl(mock: Mock) -> httpx.Client:
    return mock.client("promptlayer", KEY)


@pytest.fixture(autouse=True)
def clean_steering(control: httpx.Client) -> Any:
    yield
    control.delete("/__draftmock/faults")
    control.delete("/__draftmock/progression")


def draft_version(pl: httpx.Client, group_id: int, dataset_id: int) -> int | None:
    listing = pl.get(f"{V2}/datasets", params={"dataset_group_id": group_id, "per_page": 100})
    found = {d["id"]: d["version_number"] for d in listing.json()["datasets"]}
    return found.get(dataset_id)


def test_advancing_the_clock_completes_a_save(control: httpx.Client, pl: httpx.Client) -> None:
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})
    pending = control.get("/__draftmock/jobs", params={"api": "promptlayer"}).json()["jobs"]
    assert [j["kind"] for j in pending] == ["publish_draft"]
    moved = control.post("/__draftmock/clock/advance", json={"seconds": ASYNC_DELAY}).json()
    assert [j["kind"] for j in moved["ran"]] == ["publish_draft"]
    assert draft_version(pl, 124, 459) == 3


def test_advancing_runs_every_due_job_in_due_order(mock: Mock, pl: httpx.Client) -> None:
    rule = {"api": "agentcore", "operation": "CreateDataset", "mode": "time", "seconds": 10}
    assert httpx.put(f"{mock.url}/__draftmock/progression", json=rule).status_code == 200
    ac = client(mock.url)
    made = ac.create_dataset(
        datasetName="later", schemaType=PREDEFINED, source=inline(example("L"))
    )
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})  # due in 2 s
    start = mock.runtime.clock.now()
    moved = mock.advance(30)
    ran = [(job["api"], job["due"]) for job in moved["ran"]]
    assert ran == [("promptlayer", start + ASYNC_DELAY), ("agentcore", start + 10)]
    assert ac.get_dataset(datasetId=made["datasetId"])["status"] == "ACTIVE"
    assert draft_version(pl, 124, 459) == 3


def test_setting_the_clock_runs_what_became_due(control: httpx.Client, pl: httpx.Client) -> None:
    now = control.get("/__draftmock/clock").json()["now"]
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})
    early = control.post("/__draftmock/clock/set", json={"now": now + ASYNC_DELAY / 2}).json()
    assert early["ran"] == []
    assert draft_version(pl, 124, 459) == -1
    due = control.post("/__draftmock/clock/set", json={"now": now + ASYNC_DELAY}).json()
    assert [job["kind"] for job in due["ran"]] == ["publish_draft"]
    assert draft_version(pl, 124, 459) == 3


def test_a_frozen_clock_stands_still_until_moved(control: httpx.Client) -> None:
    frozen = control.post("/__draftmock/clock/freeze").json()
    assert frozen["frozen"] is True
    assert control.get("/__draftmock/clock").json()["now"] == frozen["now"]


def test_reset_forgets_failures_asked_for_the_next_jobs(
    control: httpx.Client, pl: httpx.Client
) -> None:
    control.post(
        "/__draftmock/jobs/fail",
        json={"api": "promptlayer", "operation": "saveDraftDatasetVersion"},
    )
    control.post("/__draftmock/reset", json={})
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})
    control.post("/__draftmock/clock/advance", json={"seconds": ASYNC_DELAY})
    assert draft_version(pl, 124, 459) == 3


def test_jobs_run_completes_work_without_moving_the_clock(
    control: httpx.Client, pl: httpx.Client
) -> None:
    before = control.get("/__draftmock/clock").json()["now"]
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})
    ran = control.post("/__draftmock/jobs/run", json={"api": "promptlayer"}).json()["ran"]
    assert len(ran) == 1
    assert control.get("/__draftmock/clock").json()["now"] == before
    assert draft_version(pl, 124, 459) == 3


def test_poll_progression_flips_on_the_nth_status_read(
    control: httpx.Client, pl: httpx.Client
) -> None:
    rule = {
        "api": "promptlayer",
        "operation": "saveDraftDatasetVersion",
        "mode": "polls",
        "polls": 3,
    }
    assert control.put("/__draftmock/progression", json=rule).status_code == 200
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})
    control.post("/__draftmock/clock/advance", json={"seconds": 3600})  # time does not matter now
    assert draft_version(pl, 124, 459) == -1  # poll 1
    assert draft_version(pl, 124, 459) == -1  # poll 2
    assert draft_version(pl, 124, 459) == 3  # poll 3 sees the published version


def test_manual_progression_waits_for_jobs_run(control: httpx.Client, pl: httpx.Client) -> None:
    rule = {"api": "promptlayer", "operation": "saveDraftDatasetVersion", "mode": "manual"}
    control.put("/__draftmock/progression", json=rule)
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})
    control.post("/__draftmock/clock/advance", json={"seconds": 3600})
    assert draft_version(pl, 124, 459) == -1
    assert control.get("/__draftmock/jobs").json()["jobs"][0]["due"] is None
    control.post("/__draftmock/jobs/run", json={})
    assert draft_version(pl, 124, 459) == 3


def test_a_failed_job_removes_the_draft(control: httpx.Client, pl: httpx.Client) -> None:
    control.post(
        "/__draftmock/jobs/fail",
        json={"api": "promptlayer", "operation": "saveDraftDatasetVersion"},
    )
    pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124})
    control.post("/__draftmock/clock/advance", json={"seconds": ASYNC_DELAY})
    assert draft_version(pl, 124, 459) is None
    assert (
        pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}).status_code
        == 404
    )


def test_sessions_do_not_see_each_others_drafts(mock: Mock) -> None:
    alice = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "alice"})
    bob = mock.client("promptlayer", {**KEY, "X-Draftmock-Session": "bob"})
    made = alice.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert made.status_code == 201
    assert (
        bob.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}).status_code
        == 201
    )
    assert (
        alice.post(
            f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}
        ).status_code
        == 409
    )
    default = mock.client("promptlayer", KEY)
    assert (
        default.post(
            f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}
        ).status_code
        == 201
    )
    mock.admin("reset", {}, headers={"X-Draftmock-Session": "alice"})
    assert (
        alice.post(
            f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}
        ).status_code
        == 201
    )


def test_prefer_code_answers_the_documented_status_without_side_effects(
    control: httpx.Client, pl: httpx.Client, mock: Mock
) -> None:
    before = control.get("/__draftmock/state").json()
    conflict = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123},
        headers={"Prefer": "code=409"},
    )
    assert conflict.status_code == 409
    # The vendor's own conflict, as a real second draft answers it.
    assert conflict.json() == {
        "success": False,
        "message": "A draft version already exists for this dataset group",
        "error": "conflict",
    }
    assert control.get("/__draftmock/state").json() == before  # nothing created, no id drawn
    responses = mock.runtime.documents["promptlayer"].raw["paths"][
        f"{V2}/dataset-versions/create-draft"
    ]["post"]["responses"]
    documented = responses["409"]["content"]["application/json"]["examples"]["draftExists"]
    named = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123},
        headers={"Prefer": "example=draftExists"},
    )
    assert (named.status_code, named.json()) == (409, documented["value"])
    example = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123},
        headers={"Prefer": "example=copying"},
    )
    assert example.status_code == 202
    assert example.json()["draft_dataset_id"] == 789
    dynamic = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123},
        headers={"Prefer": "code=201, dynamic=true"},
    )
    assert dynamic.status_code == 201
    # Nothing was created by the preferred answers: the real call still succeeds.
    assert (
        pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}).status_code
        == 201
    )


def test_prefer_an_undocumented_status_is_refused_clearly(mock: Mock) -> None:
    raw = httpx.post(
        f"{mock.url}/promptlayer{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123},
        headers={**KEY, "Prefer": "code=418"},
    )
    assert raw.status_code == 400
    assert "does not document" in raw.headers["x-draftmock-error"]


def test_fault_rules_fire_for_the_next_n_calls(control: httpx.Client, pl: httpx.Client) -> None:
    added = control.post(
        "/__draftmock/faults",
        json={"api": "promptlayer", "operation": "getDatasetRows", "status": 404, "count": 2},
    )
    assert added.status_code == 201
    statuses = [pl.get(f"{V2}/datasets/456/rows").status_code for _ in range(4)]
    assert statuses == [404, 404, 200, 200]
    journal = control.get(
        "/__draftmock/requests", params={"operation": "getDatasetRows", "limit": 4}
    ).json()
    assert [e["fault"] is not None for e in journal["requests"]] == [False, False, True, True]


def test_fault_probability_is_respected(control: httpx.Client, pl: httpx.Client) -> None:
    control.post(
        "/__draftmock/faults",
        json={
            "api": "promptlayer",
            "operation": "getDatasetRows",
            "status": 404,
            "probability": 0.3,
        },
    )
    statuses = [pl.get(f"{V2}/datasets/456/rows").status_code for _ in range(300)]
    share = statuses.count(404) / len(statuses)
    assert 0.2 < share < 0.4
    control.delete("/__draftmock/faults")
    assert pl.get(f"{V2}/datasets/456/rows").status_code == 200


def test_undocumented_fault_status_is_refused(control: httpx.Client) -> None:
    refused = control.post(
        "/__draftmock/faults",
        json={"api": "promptlayer", "operation": "listDatasets", "status": 503},
    )
    assert refused.status_code == 400
    assert "does not document" in refused.json()["message"]


def test_latency_faults_delay_the_answer(control: httpx.Client, pl: httpx.Client) -> None:
    control.post(
        "/__draftmock/faults",
        json={"api": "promptlayer", "operation": "listDatasets", "latency_ms": 300},
    )
    answered = pl.get(f"{V2}/datasets")
    assert answered.status_code == 200
    assert answered.elapsed.total_seconds() >= 0.3


def test_coverage_reports_exercised_statuses(control: httpx.Client, pl: httpx.Client) -> None:
    pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    report = control.get("/__draftmock/coverage", params={"api": "promptlayer"}).json()
    create = report["apis"]["promptlayer"]["createDraftDatasetVersion"]
    assert create["exercised"] == ["201", "409"]
    assert "202" in create["missing"]
    assert 0 < report["share"] < 1


def test_state_dump_and_restore_round_trip(control: httpx.Client, pl: httpx.Client) -> None:
    dump = control.get("/__draftmock/state").json()
    made = pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert made.status_code == 201
    assert control.put("/__draftmock/state", json=dump).status_code == 200
    again = pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert again.status_code == 201
    assert again.json()["draft_dataset_id"] == made.json()["draft_dataset_id"]  # ids restored too


def test_named_snapshots(control: httpx.Client, pl: httpx.Client) -> None:
    assert control.post("/__draftmock/snapshots", json={"name": "clean"}).status_code == 201
    pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert control.get("/__draftmock/snapshots").json()["snapshots"] == ["clean"]
    assert control.post("/__draftmock/snapshots/clean").status_code == 200
    assert (
        pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}).status_code
        == 201
    )
    assert control.delete("/__draftmock/snapshots/clean").status_code == 200
    assert control.post("/__draftmock/snapshots/clean").status_code == 404


def test_seed_loads_validated_fixtures(control: httpx.Client, pl: httpx.Client) -> None:
    fixture = {
        "workspaces": [
            {
                "id": 1,
                "dataset_groups": [
                    {"id": 5000, "name": "Seeded", "versions": [{"id": 5001, "version_number": 1}]}
                ],
            }
        ]
    }
    loaded = control.post("/__draftmock/seed", json={"api": "promptlayer", "fixture": fixture})
    assert loaded.json()["loaded"] == ["promptlayer"]
    assert (
        pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 5000}).status_code
        == 201
    )
    bad = {"workspaces": [{"id": 1, "dataset_groups": [{"id": "x", "name": "Bad"}]}]}
    refused = control.post("/__draftmock/seed", json={"api": "promptlayer", "fixture": bad})
    assert refused.status_code == 400
    assert "dataset_groups/0/id" in refused.json()["message"]


def test_pages_and_documents_are_served(mock: Mock) -> None:
    index = httpx.get(f"{mock.url}/")
    assert "/promptlayer" in index.text
    assert "swagger-ui-bundle.js" in httpx.get(f"{mock.url}/__draftmock/docs/promptlayer").text
    assert httpx.get(f"{mock.url}/__draftmock/assets/swagger-ui-bundle.js").status_code == 200
    assert (
        httpx.get(f"{mock.url}/__draftmock/openapi.json").json()["info"]["title"]
        == "draftmock control API"
    )
    served = httpx.get(f"{mock.url}/__draftmock/specs/promptlayer").json()
    assert served["servers"] == [{"url": f"{mock.url}/promptlayer"}]


@pytest.mark.slow
def test_the_journal_stays_bounded_after_100k_requests() -> None:
    runtime = frozen_runtime()
    app = DraftmockApp(runtime)

    async def one() -> None:
        sent: list[dict[str, Any]] = []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        scope = {
            "type": "http",
            "method": "GET",
            "path": "/promptlayer/api/public/v2/datasets/456/rows",
            "raw_path": b"/promptlayer/api/public/v2/datasets/456/rows",
            "query_string": b"",
            "headers": [(b"x-api-key", b"pl-demo-key")],
        }
        await app(scope, receive, send)
        assert sent[0]["status"] == 200

    async def many() -> None:
        for _ in range(100_000):
            await one()

    async def read_back() -> Any:
        transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return (await http.get("/__draftmock/requests", params={"limit": 1})).json()

    asyncio.run(many())
    journal = runtime.world().journal
    assert len(journal) == journal.limit == 1000
    assert journal.query(limit=1)[0].id == 100_000
    seen = asyncio.run(read_back())
    assert (seen["kept"], seen["limit"]) == (1000, 1000)
    assert seen["requests"][0]["id"] == 100_000


def test_a_failed_copy_leaves_no_draft(control: httpx.Client, pl: httpx.Client) -> None:
    control.post(
        "/__draftmock/jobs/fail",
        json={"api": "promptlayer", "operation": "createDraftDatasetVersion"},
    )
    copy = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123, "source_dataset_id": 456},
    )
    assert copy.status_code == 202
    draft_id = copy.json()["draft_dataset_id"]
    assert draft_version(pl, 123, draft_id) == -1
    ran = control.post("/__draftmock/clock/advance", json={"seconds": ASYNC_DELAY}).json()["ran"]
    assert [job["failure"] is not None for job in ran] == [True]
    assert draft_version(pl, 123, draft_id) is None
    again = pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert again.status_code == 201  # the group has no draft left
