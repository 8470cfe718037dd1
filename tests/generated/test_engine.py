"""A generated API gets the engine's whole control plane, as the built-in APIs do: sessions,
snapshots, reset, the state dump, faults in the operation's own envelope, coverage; and the
document's shape: several files bundled, no operationIds, links served, Python behaviour."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from draftmock.assembly import build_runtime
from draftmock.errors import FixtureError
from draftmock.generated.behaviour import load_behaviour
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.generated.conftest import DOCUMENTS, client, runtime_for

SESSION = {"X-Draftmock-Session": "alice"}


def test_sessions_snapshots_reset_and_the_state_dump(both: tuple[Runtime, str]) -> None:
    runtime, url = both
    runtime.reset()
    control = httpx.Client(base_url=f"{url}/__draftmock")
    with client(runtime, url, "tasks") as api, client(runtime, url, "tasks", **SESSION) as alice:
        mine = api.post("/projects", json={"name": "default's"}).json()["id"]
        assert alice.get(f"/projects/{mine}").status_code == 404  # another world
        alice.post("/projects", json={"name": "alice's"})
        assert api.get("/projects").json()["total"] == 1
        assert alice.get("/projects").json()["total"] == 1

        assert control.post("/snapshots", json={"name": "one"}).status_code == 201
        api.post("/projects", json={"name": "second"})
        dump = control.get("/state").json()
        assert api.get("/projects").json()["total"] == 2
        assert control.post("/snapshots/one").status_code == 200
        assert api.get("/projects").json()["total"] == 1
        assert control.put("/state", json=dump).status_code == 200
        assert api.get("/projects").json()["total"] == 2

        assert control.post("/reset", json={"api": "tasks"}, headers=SESSION).status_code == 200
        assert alice.get("/projects").json()["total"] == 0  # reset acts on the world named
        assert api.get("/projects").json()["total"] == 2
        assert control.post("/reset", json={"api": "tasks"}).status_code == 200
        assert api.get("/projects").json()["total"] == 0

        coverage = control.get("/coverage", params={"api": "tasks"}).json()
        assert "listProjects" in str(coverage)


def test_a_fault_answers_in_the_operations_documented_envelope(both: tuple[Runtime, str]) -> None:
    runtime, url = both
    rule = {"api": "tasks", "operation": "getProject", "status": 404, "count": 1}
    assert httpx.post(f"{url}/__draftmock/faults", json=rule).status_code == 201
    with client(runtime, url, "tasks") as api:
        project = api.post("/projects", json={"name": "faulty"}).json()["id"]
        injected = api.get(f"/projects/{project}")
        assert injected.status_code == 404 and injected.json()["code"] == "not_found"
        assert api.get(f"/projects/{project}").status_code == 200


def test_documents_across_files_are_served_self_contained(both: tuple[Runtime, str]) -> None:
    _, url = both
    served = httpx.get(f"{url}/__draftmock/specs/tasks").json()
    assert served["servers"] == [{"url": f"{url}/tasks"}]
    refs = []
    stack = [served]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            refs.extend(v for k, v in node.items() if k == "$ref")
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    assert refs and all(ref.startswith("#/") for ref in refs)
    assert "Error" in served["x-draftmock-bundled"]["common"]


def test_links_are_added_for_inferred_resources(both: tuple[Runtime, str]) -> None:
    _, url = both
    served = httpx.get(f"{url}/__draftmock/specs/tasks").json()
    links = served["paths"]["/projects/{projectId}/tasks"]["post"]["responses"]["201"]["links"]
    assert links["GetProjectsTasks"] == {
        "operationId": "getTask",
        "parameters": {"taskId": "$response.body#/id", "projectId": "$request.path.projectId"},
    }
    created = served["paths"]["/projects"]["post"]["responses"]["201"]["links"]
    assert created["DeleteProjects"]["operationId"] == "deleteProject"


def test_operations_without_operation_ids_are_served_by_method_and_path(tmp_path: object) -> None:
    document = DOCUMENTS / "anonymous.yaml"
    runtime = build_runtime(documents=[("anon", document)])
    with LiveServer(DraftmockApp(runtime)) as server, client(runtime, server.url, "anon") as api:
        made = api.post("/notes", json={"text": "hello"})
        assert made.status_code == 201
        note = made.json()
        assert api.get(f"/notes/{note['id']}").json() == note
        assert api.get("/notes").json() == [note]
    assert "GET /notes/{id}" in runtime.vendors["anon"].operations.handlers


def test_python_behaviour_replaces_the_generated_handling_of_its_operations() -> None:
    behaviour = load_behaviour(str(DOCUMENTS / "behaviour_pets.py"))
    runtime = runtime_for("pets.json", behaviours={None: behaviour})
    key = {"x-api-key": "k"}
    with (
        LiveServer(DraftmockApp(runtime)) as server,
        client(runtime, server.url, "pets", **key) as api,
    ):
        assert api.get("/pets/5").json() == {"petId": 5, "name": "lookup 1", "species": "bird"}
        assert api.get("/pets/6").json()["name"] == "lookup 2"
        refused = api.get("/pets/-1")
        assert refused.status_code == 404 and refused.json()["status"] == 404
        # Operations it does not name stay generated and stateful.
        assert api.post("/pets", json={"name": "Rex", "species": "dog"}).json()["petId"] == 1


def test_operation_ids_make_resources_of_documents_that_are_not_rest_shaped() -> None:
    runtime = build_runtime(documents=[(None, DOCUMENTS / "widgets-rpc.yaml")])
    with (
        LiveServer(DraftmockApp(runtime)) as server,
        client(runtime, server.url, "widgets-rpc") as api,
    ):
        made = api.post("/CreateWidget", json={"widgetName": "gear", "colour": "red"}).json()
        widget = made["widget"]
        assert widget["widgetName"] == "gear" and widget["colour"] == "red"
        assert widget["widgetId"].startswith("w-")  # the id member's pattern
        read = api.post("/GetWidget", json={"widgetId": widget["widgetId"]})
        assert read.json() == {"widget": widget}
        api.post("/CreateWidget", json={"widgetName": "cog"})
        listed = api.post("/ListWidgets", json={"maxResults": 1}).json()
        assert [w["widgetName"] for w in listed["widgets"]] == ["gear"]
        assert listed["nextToken"] == "1"
        rest = api.post("/ListWidgets", json={"nextToken": "1"}).json()
        assert [w["widgetName"] for w in rest["widgets"]] == ["cog"]
        assert api.post("/DeleteWidget", json={"widgetId": widget["widgetId"]}).status_code == 200
        gone = api.post("/GetWidget", json={"widgetId": widget["widgetId"]})
        assert gone.status_code == 404 and widget["widgetId"] in gone.json()["message"]


def test_a_fixture_seeds_top_level_resources_and_is_validated(tmp_path: Path) -> None:
    record = {
        "id": "7d5c4c9e-5f0a-4d8e-9a59-2d8b3c1e0f11",
        "name": "Seeded",
        "archived": False,
        "created_at": "2026-01-01T00:00:00Z",
    }
    fixture = tmp_path / "start.tasks.yaml"
    fixture.write_text(json.dumps({"projects": [record]}))
    runtime = runtime_for("tasks.yaml", fixtures=[fixture])
    with LiveServer(DraftmockApp(runtime)) as server, client(runtime, server.url, "tasks") as api:
        assert api.get(f"/projects/{record['id']}").json() == record
        assert api.get("/projects").json()["total"] == 1
    fixture.write_text(json.dumps({"projects": [{"name": "no id"}]}))
    with pytest.raises(FixtureError, match="projects"):
        runtime_for("tasks.yaml", fixtures=[fixture])
