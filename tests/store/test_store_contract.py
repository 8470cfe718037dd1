"""One contract for every store: in memory, SQLite and PostgreSQL behave alike, and the durable
ones resume exactly after a restart (a new runtime on the same store, as a new process)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from tests.conftest import ASYNC_DELAY, FROZEN_START
from tests.store.conftest import Served
from tests.support.agentcore import FIXTURE_DATASET, client
from tests.support.referee import refereed_client

PL = {"X-API-KEY": "pl-demo-key"}
OMNI = {"Authorization": "Bearer omni-demo-editor"}
V2 = "/api/public/v2"


def api(served: Served, name: str, headers: dict[str, str], **more: str) -> httpx.Client:
    spec = served.runtime.documents[name].raw
    return refereed_client(spec, f"{served.url}/{name}", headers={**headers, **more}, timeout=30)


def restart(served: Served) -> None:
    """A durable store resumes after a restart; in memory there is nothing to restart."""
    if served.state is not None:
        served.restart()


def versions(pl: httpx.Client, group_id: int) -> dict[int, tuple[int, int]]:
    listing = pl.get(f"{V2}/datasets", params={"dataset_group_id": group_id, "per_page": 100})
    assert listing.status_code == 200
    return {d["id"]: (d["version_number"], d["row_count"]) for d in listing.json()["datasets"]}


def test_drafts_jobs_and_the_clock_resume_after_a_restart(served: Served) -> None:
    pl = api(served, "promptlayer", PL)
    copy = pl.post(
        f"{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123, "source_dataset_id": 456},
    )
    assert copy.status_code == 202
    draft = copy.json()["draft_dataset_id"]
    restart(served)
    pl = api(served, "promptlayer", PL)
    again = pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123})
    assert again.status_code == 409  # the one-draft rule holds across the restart
    assert served.control("GET", "clock")["now"] == FROZEN_START
    jobs = served.control("GET", "jobs")["jobs"]
    assert [(j["kind"], j["due"]) for j in jobs] == [("copy_rows", FROZEN_START + ASYNC_DELAY)]
    assert versions(pl, 123)[draft][1] == 0  # rows not copied yet
    ran = served.control("POST", "clock/advance", {"seconds": ASYNC_DELAY})["ran"]
    assert [j["kind"] for j in ran] == ["copy_rows"]
    restart(served)
    pl = api(served, "promptlayer", PL)
    assert served.control("GET", "jobs")["jobs"] == []
    assert versions(pl, 123)[draft] == (-1, versions(pl, 123)[456][1])
    saved = pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 123})
    assert saved.status_code == 202
    served.control("POST", "clock/advance", {"seconds": ASYNC_DELAY})
    restart(served)
    pl = api(served, "promptlayer", PL)
    assert versions(pl, 123)[draft][0] == 2


def test_every_api_state_is_the_same_after_a_restart(served: Served) -> None:
    pl = api(served, "promptlayer", PL)
    for name in ("alpha", "beta"):
        assert pl.post(f"{V2}/dataset-groups", json={"name": name}).status_code == 201
    omni = api(served, "omni", OMNI)
    assert omni.post("/v1/documents/93874a87/draft").status_code == 200
    lunary = api(served, "lunary", {"Authorization": "Bearer 11111111-1111-4111-8111-111111111111"})
    made = lunary.post("/v1/datasets-v2/3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94/versions")
    assert made.status_code == 201
    ac = client(served.url)
    ac.create_dataset_version(datasetId=FIXTURE_DATASET, clientToken="t" * 33)
    before = served.control("GET", "state")
    restart(served)
    assert served.control("GET", "state") == before
    # Ids continue where they were: nothing is handed out twice.
    pl = api(served, "promptlayer", PL)
    group = pl.post(f"{V2}/dataset-groups", json={"name": "gamma"}).json()["dataset_group"]
    assert group["id"] not in (123, 124)
    assert pl.post(f"{V2}/dataset-groups", json={"name": "alpha"}).status_code == 400


def test_steering_and_history_survive_a_restart(served: Served) -> None:
    served.control(
        "POST", "faults", {"api": "omni", "operation": "documentsGet", "status": 404, "count": 1}
    )
    served.control(
        "PUT",
        "progression",
        {"api": "promptlayer", "operation": "saveDraftDatasetVersion", "mode": "manual"},
    )
    pl = api(served, "promptlayer", PL)
    assert (
        pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}).status_code
        == 202
    )
    served.control("POST", "snapshots", {"name": "before"})
    served.control(
        "POST", "jobs/fail", {"api": "lunary", "operation": "createDatasetVersion", "count": 2}
    )
    restart(served)
    faults = served.control("GET", "faults")["rules"]
    assert [(r["api"], r["status"], r["remaining"]) for r in faults] == [("omni", 404, 1)]
    rules = served.control("GET", "progression")["rules"]
    assert [(r["operation_id"], r["mode"]) for r in rules] == [
        ("saveDraftDatasetVersion", "manual")
    ]
    jobs = served.control("GET", "jobs")["jobs"]
    assert [j["due"] for j in jobs] == [None]  # manual: waits for jobs/run
    assert served.control("GET", "snapshots")["snapshots"] == ["before"]
    history = served.control("GET", "requests?api=promptlayer")["requests"]
    assert [(e["operation_id"], e["status"]) for e in history] == [("saveDraftDatasetVersion", 202)]
    coverage = served.control("GET", "coverage?api=promptlayer")["apis"]["promptlayer"]
    assert coverage["saveDraftDatasetVersion"]["seen"] == [202]
    omni = api(served, "omni", OMNI)
    assert omni.get("/v1/documents/93874a87").status_code == 404  # the fault fires once
    assert omni.get("/v1/documents/93874a87").status_code == 200
    served.control("POST", "jobs/run", {})
    restart(served)
    pl = api(served, "promptlayer", PL)
    assert versions(pl, 124)[459][0] == 3
    served.control("POST", "snapshots/before")  # restore: the draft is pending again
    restart(served)
    assert [j["kind"] for j in served.control("GET", "jobs")["jobs"]] == ["publish_draft"]
    served.control("DELETE", "snapshots/before")
    restart(served)
    assert served.control("GET", "snapshots")["snapshots"] == []


def test_sessions_reset_and_restore_survive_a_restart(served: Served) -> None:
    pl = api(served, "promptlayer", PL, **{"X-Draftmock-Session": "alice"})
    assert pl.post(f"{V2}/dataset-groups", json={"name": "hers"}).status_code == 201
    dump = served.control("GET", "state", **{"X-Draftmock-Session": "alice"})
    del dump["world"]
    restart(served)
    assert served.control("GET", "sessions")["sessions"] == ["alice", "default"]
    pl = api(served, "promptlayer", PL, **{"X-Draftmock-Session": "alice"})
    assert pl.post(f"{V2}/dataset-groups", json={"name": "hers"}).status_code == 400
    served.control("POST", "reset", {}, **{"X-Draftmock-Session": "alice"})
    restart(served)
    pl = api(served, "promptlayer", PL, **{"X-Draftmock-Session": "alice"})
    assert pl.post(f"{V2}/dataset-groups", json={"name": "hers"}).status_code == 201
    served.control("PUT", "state", dump, **{"X-Draftmock-Session": "bob"})
    served.control("DELETE", "sessions/alice")
    restart(served)
    assert served.control("GET", "sessions")["sessions"] == ["bob", "default"]
    pl = api(served, "promptlayer", PL, **{"X-Draftmock-Session": "bob"})
    assert pl.post(f"{V2}/dataset-groups", json={"name": "hers"}).status_code == 400


def test_rate_limit_windows_survive_a_restart(served: Served) -> None:
    omni = api(served, "omni", OMNI)
    statuses = [omni.get("/v1/documents/93874a87").status_code for _ in range(60)]
    assert statuses == [200] * 60
    restart(served)
    omni = api(served, "omni", OMNI)
    assert omni.get("/v1/documents/93874a87").status_code == 429
    served.control("POST", "clock/advance", {"seconds": 60})
    assert omni.get("/v1/documents/93874a87").status_code == 200


def test_two_servers_on_one_store_share_state_clock_and_sessions(served: Served) -> None:
    if served.state is None:
        pytest.skip("in memory, state belongs to one process")
    other = Served(served.state)
    try:
        a = api(served, "promptlayer", PL)
        b = api(other, "promptlayer", PL)
        assert a.post(f"{V2}/dataset-groups", json={"name": "shared"}).status_code == 201
        assert b.post(f"{V2}/dataset-groups", json={"name": "shared"}).status_code == 400
        draft = {"dataset_group_id": 123}
        assert b.post(f"{V2}/dataset-versions/create-draft", json=draft).status_code == 201
        assert a.post(f"{V2}/dataset-versions/create-draft", json=draft).status_code == 409
        assert (
            b.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}).status_code
            == 202
        )
        other.control("POST", "clock/advance", {"seconds": ASYNC_DELAY})
        assert served.control("GET", "clock")["now"] == FROZEN_START + ASYNC_DELAY
        assert served.control("GET", "jobs")["jobs"] == []
        assert versions(a, 124)[459][0] == 3
        api(other, "promptlayer", PL, **{"X-Draftmock-Session": "s1"}).get(
            f"{V2}/datasets", params={"dataset_group_id": 123}
        )
        assert served.control("GET", "sessions")["sessions"] == ["default", "s1"]
        served.control("DELETE", "sessions/s1")
        assert other.control("GET", "sessions")["sessions"] == ["default"]
        assert served.control("GET", "state") == other.control("GET", "state")
    finally:
        other.stop()


def test_a_request_the_store_cannot_save_changes_nothing(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    if served.state is None:
        pytest.skip("in memory there is no store to fail")
    pl = api(served, "promptlayer", PL)
    assert pl.post(f"{V2}/dataset-groups", json={"name": "kept"}).status_code == 201
    from draftmock.store.sql import SqlTransaction

    def refuse(*args: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as patch:
        patch.setattr(SqlTransaction, "append", refuse)
        failed = httpx.post(
            f"{served.url}/promptlayer{V2}/dataset-groups", json={"name": "lost"}, headers=PL
        )
    assert failed.status_code == 500
    assert failed.json()["draftmock_error"] == "state store"
    # The change was not saved and is not served either: the world came back from the store.
    assert pl.post(f"{V2}/dataset-groups", json={"name": "lost"}).status_code == 201
    assert pl.post(f"{V2}/dataset-groups", json={"name": "kept"}).status_code == 400
    served.restart()
    pl = api(served, "promptlayer", PL)
    assert pl.post(f"{V2}/dataset-groups", json={"name": "lost"}).status_code == 400


def test_a_commit_that_fails_answers_500_to_its_whole_group_and_keeps_nothing(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    if served.state is None:
        pytest.skip("in memory there is no store to fail")
    from draftmock.store.sql import SqlTransaction

    write = SqlTransaction.write

    def refuse_entries(self: SqlTransaction) -> None:
        if self._entries:  # at commit: the group's entries are written
            raise OSError("disk full")
        write(self)

    url = f"{served.url}/promptlayer{V2}/dataset-groups"
    with monkeypatch.context() as patch, ThreadPoolExecutor(8) as pool:
        patch.setattr(SqlTransaction, "write", refuse_entries)
        names = [f"lost {n}" for n in range(16)]
        replies = list(pool.map(lambda n: httpx.post(url, json={"name": n}, headers=PL), names))
    assert {r.status_code for r in replies} == {500}
    assert {r.json()["draftmock_error"] for r in replies} == {"state store"}
    pl = api(served, "promptlayer", PL)
    assert all(pl.post(f"{V2}/dataset-groups", json={"name": n}).status_code == 201 for n in names)


def test_a_request_to_no_operation_leaves_the_store_free_for_other_servers(
    served: Served,
) -> None:
    if served.state is None:
        pytest.skip("in memory, state belongs to one process")
    other = Served(served.state)
    try:
        missing = httpx.get(f"{served.url}/promptlayer/no/such/path", headers=PL, timeout=10)
        assert missing.status_code == 404
        made = httpx.post(
            f"{other.url}/promptlayer{V2}/dataset-groups",
            json={"name": "after a 404 elsewhere"},
            headers=PL,
            timeout=10,
        )
        assert made.status_code == 201
    finally:
        other.stop()


def test_generated_records_and_prompt_versions_survive_a_restart(served: Served) -> None:
    """The records of operations the generated tier serves live in the vendor's backend: the
    store replays them (and a checkpoint holds them) like the vendor's own model."""
    pl = api(served, "promptlayer", PL)
    table = pl.post(f"{V2}/tables", json={"title": "Evals"}).json()["table"]
    template = {
        "prompt_template": {"prompt_name": "kept"},
        "prompt_version": {"prompt_template": {"type": "completion", "content": []}},
    }
    assert pl.post("/rest/prompt-templates", json=template).status_code == 200
    omni = api(served, "omni", OMNI)
    assert omni.post("/v1/labels", json={"name": "kept"}).status_code == 201
    restart(served)
    pl = api(served, "promptlayer", PL)
    assert pl.get(f"{V2}/tables/{table['id']}").json()["table"]["title"] == "Evals"
    assert pl.get("/prompt-templates/kept").json()["version"] == 1
    assert api(served, "omni", OMNI).get("/v1/labels/kept").status_code == 200
    served.control("POST", "reset", {})
    restart(served)
    assert api(served, "promptlayer", PL).get(f"{V2}/tables/{table['id']}").status_code == 404
