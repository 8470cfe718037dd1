"""Every operation of the control API's own document, called over a socket and refereed.

Each call goes through openapi-core against src/draftmock/server/control.yaml (an undocumented
status or a body off its schema fails the test), including the refusals of bad input: a control
call answers a documented 4xx with a reason, never a 500. The last test checks that every
operation the document names is called by a test here.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from draftmock.server.admin import CONTROL_SPEC
from tests.conftest import Mock
from tests.support.agentcore import FIXTURE_DATASET, client
from tests.support.referee import refereed_client

DOCUMENT = yaml.safe_load(Path(CONTROL_SPEC).read_text(encoding="utf-8"))
OPERATIONS = {
    op["operationId"]
    for item in DOCUMENT["paths"].values()
    for method, op in item.items()
    if method in ("get", "put", "post", "delete")
}
JSON = {"Content-Type": "application/json"}
KEY = {"X-API-KEY": "pl-demo-key"}
V2 = "/api/public/v2"


class Control:
    def __init__(self, http: httpx.Client) -> None:
        self.http = http

    def __call__(
        self, operation_id: str, method: str, path: str, expect: int, **kwargs: Any
    ) -> Any:
        assert operation_id in OPERATIONS, f"control.yaml names no {operation_id}"
        answer = self.http.request(method, path, **kwargs)
        assert answer.status_code == expect, f"{method} {path}: {answer.text[:300]}"
        if answer.headers.get("content-type", "").startswith("application/json"):
            return answer.json()
        return answer


@pytest.fixture
def control(mock: Mock) -> Iterator[Control]:
    with refereed_client(DOCUMENT, mock.url, timeout=30) as http:
        yield Control(http)
        http.delete("/__draftmock/faults")
        http.delete("/__draftmock/progression")


def refused(body: Any, *words: str) -> None:
    assert body["error"] == "draftmock"
    for word in words:
        assert word in body["message"], body["message"]


def test_health_and_documents(control: Control, mock: Mock) -> None:
    assert control("health", "GET", "/__draftmock/health", 200)["status"] == "ok"
    served = control("getControlDocument", "GET", "/__draftmock/openapi.json", 200)
    assert set(served["paths"]) == set(DOCUMENT["paths"])
    assert served["servers"] == [{"url": mock.url}]
    lunary = control("getApiDocument", "GET", "/__draftmock/specs/lunary", 200)
    assert lunary["servers"] == [{"url": f"{mock.url}/lunary"}]
    refused(control("getApiDocument", "GET", "/__draftmock/specs/nope", 404), "nope")


def test_pages_work_offline(control: Control, mock: Mock) -> None:
    index = control("index", "GET", "/", 200).text
    for api in ("promptlayer", "lunary", "agentcore", "omni", "control"):
        assert f"/__draftmock/docs/{api}" in index
        page = control("getSwaggerUi", "GET", f"/__draftmock/docs/{api}", 200).text
        # Everything the page loads is served by the mock; nothing comes from a CDN.
        assert "http://" not in page and "https://" not in page
        assert "validatorUrl: null" in page
        for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
            assert f"/__draftmock/assets/{asset}" in page
    assert (
        "SwaggerUIBundle"
        in control("getAsset", "GET", "/__draftmock/assets/swagger-ui-bundle.js", 200).text
    )
    assert (
        ".swagger-ui" in control("getAsset", "GET", "/__draftmock/assets/swagger-ui.css", 200).text
    )
    control("getAsset", "GET", "/__draftmock/assets/secrets.txt", 404)
    refused(control("getSwaggerUi", "GET", "/__draftmock/docs/nope", 404), "nope")


def test_clock(control: Control) -> None:
    now = control("getClock", "GET", "/__draftmock/clock", 200)["now"]
    moved = control("moveClock", "POST", "/__draftmock/clock/advance", 200, json={"seconds": 5})
    assert moved["now"] == now + 5
    assert control("moveClock", "POST", "/__draftmock/clock/set", 200, json={"now": now + 60})[
        "iso"
    ].endswith("Z")
    assert not control("moveClock", "POST", "/__draftmock/clock/resume", 200)["frozen"]
    assert control("moveClock", "POST", "/__draftmock/clock/freeze", 200)["frozen"]
    later = control("getClock", "GET", "/__draftmock/clock", 200)["now"]
    refused(
        control("moveClock", "POST", "/__draftmock/clock/set", 400, json={"now": now}), "before"
    )
    refused(control("moveClock", "POST", "/__draftmock/clock/advance", 400, json={"seconds": -1}))
    refused(
        control("moveClock", "POST", "/__draftmock/clock/advance", 400, json={"seconds": 1e300}),
        "9999",
    )
    refused(control("moveClock", "POST", "/__draftmock/clock/set", 400, json={"now": 1e300}))
    refused(control("moveClock", "POST", "/__draftmock/clock/advance", 400, json={}), "seconds")
    refused(
        control(
            "moveClock", "POST", "/__draftmock/clock/advance", 400, content=b"NaN", headers=JSON
        ),
        "JSON",
    )
    refused(control("moveClock", "POST", "/__draftmock/clock/rewind", 404), "rewind")
    assert control("getClock", "GET", "/__draftmock/clock", 200)["now"] == later  # none moved it


def test_jobs_and_progression(control: Control, mock: Mock) -> None:
    pl = mock.client("promptlayer", KEY)
    assert (
        pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}).status_code
        == 202
    )
    jobs = control("listJobs", "GET", "/__draftmock/jobs", 200, params={"api": "promptlayer"})
    [job] = jobs["jobs"]
    failed = control("failJobs", "POST", "/__draftmock/jobs/fail", 200, json={"job": job["id"]})
    assert failed["job"]["failure"]
    refused(control("failJobs", "POST", "/__draftmock/jobs/fail", 404, json={"job": "job-0"}))
    refused(
        control(
            "failJobs",
            "POST",
            "/__draftmock/jobs/fail",
            400,
            json={"api": "promptlayer", "operation": "saveDraftDatasetVersion", "count": 0},
        ),
        "count",
    )
    refused(
        control(
            "failJobs",
            "POST",
            "/__draftmock/jobs/fail",
            404,
            json={"api": "lunary", "operation": "nope"},
        ),
        "nope",
    )
    ran = control("runJobs", "POST", "/__draftmock/jobs/run", 200, json={"job": job["id"]})
    assert [j["id"] for j in ran["ran"]] == [job["id"]]
    refused(control("runJobs", "POST", "/__draftmock/jobs/run", 404, json={"job": job["id"]}))
    refused(control("runJobs", "POST", "/__draftmock/jobs/run", 400, json={"api": "nope"}), "api")

    rule = {"api": "lunary", "operation": "createDatasetVersion", "mode": "polls", "polls": 2}
    rules = control("setProgression", "PUT", "/__draftmock/progression", 200, json=rule)["rules"]
    assert rules == [
        {
            "api": "lunary",
            "operation_id": "createDatasetVersion",
            "mode": "polls",
            "seconds": None,
            "polls": 2,
        }
    ]
    assert control("listProgressions", "GET", "/__draftmock/progression", 200)["rules"] == rules
    for bad, word in (
        ({**rule, "polls": 0}, "polls"),
        ({**rule, "mode": "never"}, "mode"),
        ({**rule, "mode": "time", "seconds": -1}, "seconds"),
        ({"api": "lunary"}, "operation"),
    ):
        refused(control("setProgression", "PUT", "/__draftmock/progression", 400, json=bad), word)
    refused(
        control(
            "setProgression",
            "PUT",
            "/__draftmock/progression",
            404,
            json={**rule, "operation": "nope"},
        )
    )
    refused(
        control("clearProgressions", "DELETE", "/__draftmock/progression", 400, params={"api": "x"})
    )
    cleared = control(
        "clearProgressions", "DELETE", "/__draftmock/progression", 200, params={"api": "lunary"}
    )
    assert cleared["rules"] == []


def test_faults(control: Control) -> None:
    rule = {"api": "omni", "operation": "documentsList", "status": 429, "count": 2}
    added = control("addFault", "POST", "/__draftmock/faults", 201, json=rule)["rule"]
    latency = {"api": "lunary", "latency_ms": [10, 20], "probability": 0.5}
    control("addFault", "POST", "/__draftmock/faults", 201, json=latency)
    listed = control("listFaults", "GET", "/__draftmock/faults", 200)["rules"]
    assert [r["id"] for r in listed] == [added["id"], listed[1]["id"]]
    for bad, status, word in (
        ({**rule, "status": 418}, 400, "does not document"),
        ({**rule, "status": 200}, 400, "status"),
        ({**rule, "count": 0}, 400, "count"),
        ({**rule, "count": True}, 400, "count"),
        ({**rule, "probability": 1.5}, 400, "probability"),
        ({"api": "omni", "latency_ms": [30, 10]}, 400, "min <= max"),
        ({"api": "omni", "latency_ms": ["a", "b"]}, 400, "latency_ms"),
        ({"api": "omni", "latency_ms": -5}, 400, "latency_ms"),
        ({"api": "omni"}, 400, "status"),
        ({"api": "nope", "status": 500}, 400, "api"),
        ({**rule, "operation": "nope"}, 404, "nope"),
    ):
        refused(control("addFault", "POST", "/__draftmock/faults", status, json=bad), word)
    remaining = control("deleteFault", "DELETE", f"/__draftmock/faults/{added['id']}", 200)
    assert added["id"] not in [r["id"] for r in remaining["rules"]]
    refused(control("deleteFault", "DELETE", f"/__draftmock/faults/{added['id']}", 404))
    control("addFault", "POST", "/__draftmock/faults", 201, json=rule)
    kept = control("clearFaults", "DELETE", "/__draftmock/faults", 200, params={"api": "omni"})
    assert [r["api"] for r in kept["rules"]] == ["lunary"]
    assert control("clearFaults", "DELETE", "/__draftmock/faults", 200)["rules"] == []
    refused(control("clearFaults", "DELETE", "/__draftmock/faults", 400, params={"api": "x"}))


def test_journal_and_coverage(control: Control, mock: Mock) -> None:
    pl = mock.client("promptlayer", KEY)
    pl.get(f"{V2}/datasets")
    pl.get(f"{V2}/datasets/999999/rows")
    entries = control("listRequests", "GET", "/__draftmock/requests", 200, params={"limit": 2})
    assert [e["operation_id"] for e in entries["requests"]] == ["getDatasetRows", "listDatasets"]
    missing = control("listRequests", "GET", "/__draftmock/requests", 200, params={"status": 404})
    assert {e["status"] for e in missing["requests"]} == {404}
    for bad in ({"limit": 0}, {"limit": "many"}, {"status": "bad"}):
        refused(control("listRequests", "GET", "/__draftmock/requests", 400, params=bad))
    report = control(
        "getCoverage", "GET", "/__draftmock/coverage", 200, params={"api": "promptlayer"}
    )
    assert set(report["apis"]) == {"promptlayer"}
    assert "404" in report["apis"]["promptlayer"]["getDatasetRows"]["exercised"]


def test_state_snapshots_seed_and_reset(control: Control, mock: Mock) -> None:
    dump = control("dumpState", "GET", "/__draftmock/state", 200)
    assert control("restoreState", "PUT", "/__draftmock/state", 200, json=dump)["restored"]
    for bad in (
        {},
        {"format": 1, "state": 5},
        {"format": 1, "state": {"ids": 1}},
        {
            "format": 1,
            "state": {**dump["state"], "jobs": {"__object__": "draftmock.Ids", "state": 5}},
        },
        {"format": 1, "state": {"__dataclass__": "os:PathLike", "fields": {}}},
        {"format": 2, "state": dump["state"]},
        {"state": dump["state"]},
    ):
        refused(control("restoreState", "PUT", "/__draftmock/state", 400, json=bad))
    assert control("saveSnapshot", "POST", "/__draftmock/snapshots", 201, json={"name": "s1"})
    refused(control("saveSnapshot", "POST", "/__draftmock/snapshots", 400, json={"name": ""}))
    assert "s1" in control("listSnapshots", "GET", "/__draftmock/snapshots", 200)["snapshots"]
    assert control("restoreSnapshot", "POST", "/__draftmock/snapshots/s1", 200)["restored"] == "s1"
    assert control("deleteSnapshot", "DELETE", "/__draftmock/snapshots/s1", 200)["deleted"] == "s1"
    refused(control("restoreSnapshot", "POST", "/__draftmock/snapshots/s1", 404))
    refused(control("deleteSnapshot", "DELETE", "/__draftmock/snapshots/s1", 404))
    fixture = {
        "promptlayer": {"workspaces": [{"id": 1, "dataset_groups": [{"id": 6000, "name": "S"}]}]}
    }
    assert control("seed", "POST", "/__draftmock/seed", 200, json={"fixture": fixture})[
        "loaded"
    ] == ["promptlayer"]
    for bad in (
        {},
        {"fixture": 5},
        {"fixture": {"nope": {}}},
    ):
        refused(control("seed", "POST", "/__draftmock/seed", 400, json=bad))
    # This server was given no seed directories: no path is read.
    refused(control("seed", "POST", "/__draftmock/seed", 403, json={"path": "/nonexistent.yaml"}))
    assert (
        control("reset", "POST", "/__draftmock/reset", 200, json={"api": "promptlayer"})["reset"]
        == "promptlayer"
    )
    refused(control("reset", "POST", "/__draftmock/reset", 400, json={"api": "nope"}), "nope")
    refused(
        control("reset", "POST", "/__draftmock/reset", 400, content=b"[1]", headers=JSON), "object"
    )


def test_sessions(control: Control, mock: Mock) -> None:
    pl = mock.client("promptlayer", KEY | {"X-Draftmock-Session": "doomed"})
    draft = {"dataset_group_id": 123}
    assert pl.post(f"{V2}/dataset-versions/create-draft", json=draft).status_code == 201
    as_doomed = {"X-Draftmock-Session": "doomed"}
    control(
        "saveSnapshot", "POST", "/__draftmock/snapshots", 201, json={"name": "s"}, headers=as_doomed
    )
    assert "doomed" in control("listSessions", "GET", "/__draftmock/sessions", 200)["sessions"]
    assert control("deleteSession", "DELETE", "/__draftmock/sessions/doomed", 200) == {
        "deleted": "doomed"
    }
    assert "doomed" not in control("listSessions", "GET", "/__draftmock/sessions", 200)["sessions"]
    refused(control("deleteSession", "DELETE", "/__draftmock/sessions/doomed", 404), "doomed")
    refused(control("deleteSession", "DELETE", "/__draftmock/sessions/default", 400), "reset")
    # The name starts afresh from the fixtures, without the old snapshots.
    assert pl.post(f"{V2}/dataset-versions/create-draft", json=draft).status_code == 201
    snapshots = control("listSnapshots", "GET", "/__draftmock/snapshots", 200, headers=as_doomed)
    assert snapshots["snapshots"] == []
    control("deleteSession", "DELETE", "/__draftmock/sessions/doomed", 200)


def test_blobs(control: Control, mock: Mock) -> None:
    dataset = client(mock.url).get_dataset(datasetId=FIXTURE_DATASET)
    url = httpx.URL(dataset["downloadUrl"])
    path = url.raw_path.decode()
    answer = control("getBlob", "GET", path, 200)
    assert answer.text.strip()
    refused(control("getBlob", "GET", url.path, 403), "signature")
    mock.runtime.world().blobs.clear()  # a valid link to a file no longer kept
    refused(control("getBlob", "GET", path, 404), "no such file")
    dataset = client(mock.url).get_dataset(datasetId=FIXTURE_DATASET)
    path = httpx.URL(dataset["downloadUrl"]).raw_path.decode()
    ttl = math.ceil(dataset["downloadUrlExpiresAt"].timestamp() - mock.runtime.clock.now())
    mock.advance(ttl + 1)
    refused(control("getBlob", "GET", path, 403), "expired")


def test_dashboard(control: Control) -> None:
    page = control("getDashboard", "GET", "/__draftmock/", 200)
    assert page.headers["content-type"].startswith("text/html")
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "/__draftmock/dashboard/app.js" in page.text
    script = control("getDashboardFile", "GET", "/__draftmock/dashboard/app.js", 200)
    assert "/requests/stream" in script.text
    assert control("getDashboardFile", "GET", "/__draftmock/dashboard/app.css", 200).text
    refused(control("getDashboardFile", "GET", "/__draftmock/dashboard/secret.py", 404))


def test_request_stream_refusals(control: Control) -> None:
    stream = "/__draftmock/requests/stream"
    refused(control("streamRequests", "GET", f"{stream}?session=nobody", 404), "nobody")
    refused(control("streamRequests", "GET", f"{stream}?since=-1", 400), "since")


def test_every_control_operation_is_called() -> None:
    """The tests above cover the whole control document: read from this module's source, so the
    check holds whichever tests run, in whatever order or process."""
    called = {
        node.args[0].value
        for node in ast.walk(ast.parse(Path(__file__).read_text(encoding="utf-8")))
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "control"
        and node.args
        and isinstance(node.args[0], ast.Constant)
    }
    assert called <= OPERATIONS, f"control.yaml names none of {sorted(called - OPERATIONS)}"
    uncalled = sorted(OPERATIONS - called)
    assert not uncalled, f"control operations no test calls: {uncalled}"
