"""CRUD round trips on documents of our own, over a real socket, every reply refereed by
openapi-core: 3.0 with string (uuid) ids and a nested collection of integer ids, 3.1 with integer
ids, an API key, ``default``/``4XX`` error responses and a bare-array list."""

from __future__ import annotations

import uuid

import httpx

from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.generated.conftest import client, runtime_for


def test_a_single_document_is_served_at_the_root_and_keeps_its_records() -> None:
    runtime = runtime_for("tasks.yaml")
    assert runtime.root_api == "tasks"
    with LiveServer(DraftmockApp(runtime)) as server, client(runtime, server.url, "tasks") as api:
        created = api.post(
            "/projects", json={"name": "Apollo", "description": None, "archived": False}
        )
        assert created.status_code == 201
        project = created.json()
        uuid.UUID(project["id"])  # server-assigned, in the id's format
        assert project["name"] == "Apollo" and project["description"] is None
        assert "created_at" in project  # readOnly, filled by the server
        assert created.headers["location"] == f"{server.url}/projects/{project['id']}"

        assert api.get(f"/projects/{project['id']}").json() == project

        patched = api.patch(
            f"/projects/{project['id']}",
            json={"description": "to the moon"},
            headers={"content-type": "application/merge-patch+json"},
        )
        assert patched.status_code == 200
        assert patched.json() == {**project, "description": "to the moon"}
        assert api.get(f"/projects/{project['id']}").json()["description"] == "to the moon"

        second = api.post("/projects", json={"name": "Gemini", "archived": True}).json()
        page = api.get("/projects", params={"limit": 1}).json()
        assert page["total"] == 2 and page["limit"] == 1 and page["offset"] == 0
        assert [p["id"] for p in page["items"]] == [project["id"]]
        assert page["next"] == "1"
        rest = api.get("/projects", params={"limit": 1, "offset": 1}).json()
        assert [p["id"] for p in rest["items"]] == [second["id"]]
        assert "next" not in rest or rest["next"] is None
        archived = api.get("/projects", params={"archived": "true"}).json()
        assert [p["id"] for p in archived["items"]] == [second["id"]]

        deleted = api.delete(f"/projects/{project['id']}")
        assert deleted.status_code == 204 and deleted.content == b""
        gone = api.get(f"/projects/{project['id']}")
        assert gone.status_code == 404
        assert gone.json()["code"] == "not_found"
        assert project["id"] in gone.json()["message"]
        assert api.get("/projects").json()["total"] == 1

        # The control API stays where it is.
        assert httpx.get(f"{server.url}/__draftmock/health").json()["apis"] == ["tasks"]


def test_nested_collections_scope_their_records_by_parent(both: tuple[Runtime, str]) -> None:
    runtime, url = both
    runtime.reset()
    with client(runtime, url, "tasks") as api:
        apollo = api.post("/projects", json={"name": "Apollo"}).json()["id"]
        gemini = api.post("/projects", json={"name": "Gemini"}).json()["id"]
        first = api.post(f"/projects/{apollo}/tasks", json={"title": "launch"})
        assert first.status_code == 201
        task = first.json()
        assert task["id"] == 1 and task["projectId"] == apollo and task["title"] == "launch"
        assert api.post(f"/projects/{apollo}/tasks", json={"title": "land"}).json()["id"] == 2
        api.post(f"/projects/{gemini}/tasks", json={"title": "orbit", "status": "doing"})

        listed = api.get(f"/projects/{apollo}/tasks").json()
        assert [t["title"] for t in listed["data"]] == ["launch", "land"]
        assert listed["total_count"] == 2
        doing = api.get(f"/projects/{gemini}/tasks", params={"status": "doing"}).json()
        assert [t["title"] for t in doing["data"]] == ["orbit"]

        replaced = api.put(
            f"/projects/{apollo}/tasks/1", json={"title": "lift off", "status": "done"}
        )
        assert replaced.json() == {
            "id": 1,
            "projectId": apollo,
            "title": "lift off",
            "status": "done",
        }
        assert api.get(f"/projects/{apollo}/tasks/1").json()["title"] == "lift off"
        assert api.get(f"/projects/{gemini}/tasks/1").status_code == 404  # another scope

        unknown = str(uuid.UUID(int=7))
        orphan = api.post(f"/projects/{unknown}/tasks", json={"title": "x"})
        assert orphan.status_code == 404 and orphan.json()["code"] == "not_found"

        assert api.delete(f"/projects/{apollo}").status_code == 204
        assert api.get(f"/projects/{apollo}/tasks/1").status_code == 404
        assert api.delete(f"/projects/{apollo}/tasks/2").status_code == 404


def test_an_invalid_create_gets_the_documented_error_body(both: tuple[Runtime, str]) -> None:
    runtime, url = both
    with client(runtime, url, "tasks") as api:
        refused = api.post("/projects", json={"title": "no name", "name": ""})
        assert refused.status_code == 400
        body = refused.json()
        assert body["code"] == "bad_request"
        assert "name" in body["message"]
        assert "x-draftmock-error" not in refused.headers  # the API's own envelope
        refused = api.post("/projects/not-a-uuid/tasks", json={"title": "x"})
        assert refused.status_code == 400 and "projectId" in refused.json()["message"]


def test_integer_ids_writeonly_members_and_default_errors_in_3_1(
    both: tuple[Runtime, str],
) -> None:
    runtime, url = both
    runtime.reset()
    with client(runtime, url, "pets", **{"x-api-key": "k"}) as api:
        added = api.post("/pets", json={"name": "Rex", "species": "dog", "microchip": "123"})
        assert added.status_code == 200  # the only success the operation documents
        rex = added.json()
        assert rex["petId"] == 1 and rex["name"] == "Rex" and "microchip" not in rex
        tom = api.post("/pets", json={"name": "Tom", "species": "cat", "tag": None}).json()
        assert tom["petId"] == 2 and tom["tag"] is None

        assert api.get("/pets/1").json() == rex
        assert [p["name"] for p in api.get("/pets").json()] == ["Rex", "Tom"]
        assert [p["name"] for p in api.get("/pets", params={"species": "cat"}).json()] == ["Tom"]
        assert len(api.get("/pets", params={"limit": 1}).json()) == 1

        renamed = api.patch("/pets/2", json={"name": "Thomas"}).json()
        assert renamed == {**tom, "name": "Thomas"}

        assert api.delete("/pets/2").status_code == 204
        missing = api.get("/pets/2")
        assert missing.status_code == 404  # under `default`
        assert missing.json()["status"] == 404

        invalid = api.post("/pets", json={"name": "", "species": "fish"})
        assert invalid.status_code == 422
        assert invalid.json()["status"] == 422 and "species" in invalid.json()["detail"]

    with client(runtime, url, "pets") as anonymous:
        refused = anonymous.post("/pets", json={"name": "Rex", "species": "dog"})
        assert refused.status_code == 401 and refused.json()["status"] == 401
