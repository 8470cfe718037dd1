"""The declared rules over plain state, with a shaper that hands records back as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from draftmock.declared.declarations import read_declarations
from draftmock.declared.rules import JOB_KIND, Rules
from draftmock.ids import Ids
from draftmock.jobs import Scheduler
from draftmock.progression import Progression, Progressions
from draftmock.vendors._kit import Blobs, Call, Context, Jobs, Reply, Settings


@dataclass
class Backend:
    declared: dict[str, Any] = field(default_factory=dict)


class EchoShaper:
    """Records go out as they are; errors are {"error": message}."""

    responses: dict[str, set[int]] = {}

    def new_record(self, operation_id: str, ctx: Context[Any], call: Call) -> dict[str, Any]:
        body = dict(call.body) if isinstance(call.body, dict) else {}
        return {**body, "made_by": operation_id}

    def reply(self, operation_id: str, status: int, record: Any, ctx: Context[Any]) -> Reply:
        return Reply(status, record)

    def error(self, operation_id: str, status: int, message: str, ctx: Context[Any]) -> Reply:
        return Reply(status, {"error": message})

    def success(self, operation_id: str) -> int:
        return min(self.responses[operation_id])

    def documents(self, operation_id: str, status: int) -> bool:
        return status in self.responses[operation_id]

    def parent_exists(
        self, operation_id: str, parent: tuple[str, ...], ctx: Context[Any], call: Call
    ) -> bool:
        return call.path.get(parent[-1]) != "gone"

    def new_id(
        self, operation_id: str, record: dict[str, Any], field: str, ctx: Context[Any]
    ) -> Any:
        return ctx.ids.uuid()


def op(
    path: str,
    method: str,
    op_id: str,
    statuses: list[int],
    block: dict[str, Any],
    params: list[str] = (),
) -> dict[str, Any]:
    return {
        path: {
            method: {
                "operationId": op_id,
                "parameters": [
                    {
                        "name": p,
                        "in": "path" if "{" + p + "}" in path else "query",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                    for p in params
                ],
                "responses": {str(s): {"description": "x"} for s in statuses},
                "x-draftmock": block,
            }
        }
    }


def document(*ops: dict[str, Any]) -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for entry in ops:
        for path, item in entry.items():
            paths.setdefault(path, {}).update(item)
    return {"openapi": "3.1.0", "paths": paths}


DRAFTS = "/books/{bookId}/draft"
DOC = document(
    op(
        DRAFTS,
        "post",
        "createDraft",
        [201, 409, 422],
        {
            "draft": {"action": "create", "parent": "bookId"},
            "idempotency": {"header": "Idempotency-Key", "mismatchStatus": 422},
        },
        ["bookId"],
    ),
    op(
        DRAFTS,
        "put",
        "openDraft",
        [200, 201],
        {"draft": {"action": "create", "parent": "bookId", "existing": "return"}},
        ["bookId"],
    ),
    op(
        DRAFTS,
        "get",
        "getDraft",
        [200, 404],
        {"draft": {"action": "get", "parent": "bookId"}},
        ["bookId"],
    ),
    op(
        DRAFTS,
        "patch",
        "editDraft",
        [200, 404],
        {"draft": {"action": "update", "parent": "bookId"}},
        ["bookId"],
    ),
    op(
        DRAFTS,
        "delete",
        "dropDraft",
        [204, 404],
        {"draft": {"action": "delete", "parent": "bookId"}},
        ["bookId"],
    ),
    op(
        DRAFTS + "/publish",
        "post",
        "publish",
        [202, 404],
        {
            "draft": {"action": "publish", "parent": "bookId"},
            "async": {
                "field": "status",
                "states": ["publishing", "live"],
                "failed": "broken",
                "seconds": 5,
            },
        },
        ["bookId"],
    ),
    op(
        "/books/{bookId}/versions",
        "get",
        "listVersions",
        [200],
        {"versions": {"action": "list", "parent": "bookId"}},
        ["bookId"],
    ),
    op(
        "/books/{bookId}/versions/{n}",
        "get",
        "getVersion",
        [200, 404],
        {"versions": {"action": "get", "parent": "bookId", "number": "n"}},
        ["bookId", "n"],
    ),
    op(
        "/exports",
        "post",
        "startExport",
        [202],
        {
            "task": {"action": "start", "name": "exports"},
            "async": {"field": "state", "states": ["queued", "running", "done"], "polls": 2},
        },
    ),
    op(
        "/exports/{exportId}",
        "get",
        "getExport",
        [200, 404],
        {"task": {"action": "get", "name": "exports", "id": "exportId"}},
        ["exportId"],
    ),
)


class World:
    def __init__(self) -> None:
        self.now = 1000.0
        self.ids = Ids(1)
        self.scheduler = Scheduler()
        self.progressions = Progressions()
        self.backend = Backend()
        declarations = read_declarations(DOC)
        shaper = EchoShaper()
        shaper.responses = {
            info_id: {int(s) for s in DOC["paths"][p][m]["responses"]}
            for p, item in DOC["paths"].items()
            for m, o in item.items()
            for info_id in [o["operationId"]]
        }
        self.rules = Rules(declarations, shaper)
        self.handlers = {op_id: self.rules.handler(op_id, self.generic) for op_id in declarations}

    @staticmethod
    def generic(ctx: Context[Any], call: Call) -> Reply:
        return Reply(200, {"generic": True})

    def ctx(self, operation: str | None = None, failure: str | None = None) -> Context[Any]:
        jobs = Jobs(
            self.scheduler, "books", self.now, operation=operation, progressions=self.progressions
        )
        return Context(
            "books",
            self.now,
            self.ids,
            self.backend,
            jobs,
            Settings(async_delay=2.0),
            "r",
            Blobs({}, self.ids),
            failure,
        )

    def call(
        self,
        op_id: str,
        path: dict[str, Any] | None = None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        principal: Any = None,
    ) -> Reply:
        call = Call(op_id, path or {}, {}, headers or {}, body, principal)
        if op_id in self.rules.status_operations():
            self.scheduler.polled("books", self.now)
        self.tick()
        return self.handlers[op_id](self.ctx(op_id), call)

    def tick(self) -> None:
        while (job := self.scheduler.pop_due(self.now)) is not None:
            assert job.kind == JOB_KIND
            self.rules.advance(self.ctx(job.operation, job.failure), job.payload)


@pytest.fixture
def world() -> World:
    return World()


def test_one_draft_per_parent_and_the_documented_conflict(world: World) -> None:
    first = world.call("createDraft", {"bookId": "b1"}, {"title": "One"})
    assert (first.status, first.body["title"]) == (201, "One")
    second = world.call("createDraft", {"bookId": "b1"}, {"title": "Two"})
    assert second.status == 409 and "b1 already has a draft" in second.body["error"]
    other = world.call("createDraft", {"bookId": "b2"}, {"title": "Other"})
    assert other.status == 201
    assert world.call("getDraft", {"bookId": "b1"}).body["title"] == "One"


def test_get_or_create_returns_the_existing_draft(world: World) -> None:
    made = world.call("openDraft", {"bookId": "b1"}, {"title": "One"})
    again = world.call("openDraft", {"bookId": "b1"}, {"title": "Ignored"})
    assert (made.status, again.status) == (201, 200)  # made, then the existing one
    assert again.body["title"] == "One"


def test_a_parent_that_does_not_exist_is_the_documented_404(world: World) -> None:
    assert world.call("getDraft", {"bookId": "gone"}).body == {"error": "no parent bookId gone"}
    assert world.call("createDraft", {"bookId": "gone"}, {"title": "x"}).status == 201  # no 404


def test_update_delete_and_missing(world: World) -> None:
    assert world.call("getDraft", {"bookId": "b9"}).status == 404
    assert world.call("editDraft", {"bookId": "b9"}, {"title": "x"}).status == 404
    world.call("createDraft", {"bookId": "b1"}, {"title": "One"})
    edited = world.call("editDraft", {"bookId": "b1"}, {"title": "Uno"})
    assert (edited.status, edited.body["title"]) == (200, "Uno")
    assert world.call("dropDraft", {"bookId": "b1"}).status == 204
    assert world.call("getDraft", {"bookId": "b1"}).status == 404
    assert world.call("createDraft", {"bookId": "b1"}, {"title": "Again"}).status == 201


def test_publish_snapshots_the_draft_as_version_n_plus_one_then_moves_its_status(
    world: World,
) -> None:
    assert world.call("publish", {"bookId": "b1"}).status == 404
    world.call("createDraft", {"bookId": "b1"}, {"title": "One"})
    first = world.call("publish", {"bookId": "b1"})
    assert first.status == 202
    assert (first.body["version"], first.body["status"], first.body["title"]) == (
        1,
        "publishing",
        "One",
    )
    assert world.call("getDraft", {"bookId": "b1"}).status == 404  # the draft became the version
    world.call("createDraft", {"bookId": "b1"}, {"title": "Two"})
    assert world.call("publish", {"bookId": "b1"}).body["version"] == 2
    listed = world.call("listVersions", {"bookId": "b1"}).body
    assert [(v["version"], v["title"], v["status"]) for v in listed] == [
        (1, "One", "publishing"),
        (2, "Two", "publishing"),
    ]
    world.now += 5
    assert world.call("getVersion", {"bookId": "b1", "n": "1"}).body["status"] == "live"
    assert world.call("getVersion", {"bookId": "b1", "n": "3"}).status == 404
    assert world.call("getVersion", {"bookId": "b1", "n": "x"}).status == 404
    assert world.call("listVersions", {"bookId": "b2"}).body == []


def test_a_failed_job_ends_in_the_failed_state(world: World) -> None:
    world.call("createDraft", {"bookId": "b1"}, {"title": "One"})
    world.call("publish", {"bookId": "b1"})
    job = world.scheduler.pending()[0]
    job.failure = "asked"
    world.now += 5
    assert world.call("getVersion", {"bookId": "b1", "n": "1"}).body["status"] == "broken"


def test_a_task_moves_through_its_states_after_n_polls(world: World) -> None:
    started = world.call("startExport", body={"format": "pdf"})
    assert (started.status, started.body["state"]) == (202, "queued")
    task = started.body["id"]
    states = [world.call("getExport", {"exportId": task}).body["state"] for _ in range(5)]
    assert states == ["queued", "running", "running", "done", "done"]
    assert world.call("getExport", {"exportId": "nope"}).status == 404


def test_the_control_plane_progression_wins_over_the_declared_one(world: World) -> None:
    world.progressions.set("books", "startExport", Progression("manual"))
    task = world.call("startExport", body={}).body["id"]
    for _ in range(4):
        assert world.call("getExport", {"exportId": task}).body["state"] == "queued"


def test_idempotency_replays_the_first_answer_and_refuses_another_payload(world: World) -> None:
    key = {"idempotency-key": "k1"}
    first = world.call("createDraft", {"bookId": "b1"}, {"title": "One"}, key)
    replay = world.call("createDraft", {"bookId": "b1"}, {"title": "One"}, key)
    assert (first.status, replay.status) == (201, 201)
    assert replay.body == first.body
    mismatch = world.call("createDraft", {"bookId": "b1"}, {"title": "Two"}, key)
    assert mismatch.status == 422 and "k1" in mismatch.body["error"]
    without = world.call("createDraft", {"bookId": "b1"}, {"title": "One"})
    assert without.status == 409  # no key: the rule itself answers


def test_state_is_plain_data(world: World) -> None:
    import json

    world.call("createDraft", {"bookId": "b1"}, {"title": "One"}, {"idempotency-key": "k"})
    world.call("publish", {"bookId": "b1"})
    world.call("startExport", body={})
    assert json.loads(json.dumps(world.backend.declared)) == world.backend.declared


def test_an_idempotency_key_on_a_body_with_huge_integers(world: World) -> None:
    key = {"idempotency-key": "big"}
    body = {"title": "One", "n": 2**80}
    first = world.call("createDraft", {"bookId": "b1"}, body, key)
    assert world.call("createDraft", {"bookId": "b1"}, dict(body), key).body == first.body
    assert world.call("createDraft", {"bookId": "b1"}, {**body, "n": 2**80 + 1}, key).status == 422


def test_without_a_failed_state_a_failed_step_leaves_the_record_where_it_is(world: World) -> None:
    task = world.call("startExport", body={}).body["id"]
    world.scheduler.pending()[0].failure = "asked"
    states = [world.call("getExport", {"exportId": task}).body["state"] for _ in range(3)]
    assert states == ["queued", "queued", "queued"]
    assert world.scheduler.pending() == []


def test_an_update_takes_only_what_the_record_declares(world: World) -> None:
    world.call("createDraft", {"bookId": "b1"}, {"title": "One"})
    edited = world.call("editDraft", {"bookId": "b1"}, {"title": "Uno", "extra": 1})
    assert edited.body["title"] == "Uno"


def test_a_parent_named_in_the_body() -> None:
    doc = document(
        op(
            "/drafts",
            "post",
            "draftFor",
            [201, 409],
            {"draft": {"action": "create", "parent": "group"}},
        )
    )
    doc["paths"]["/drafts"]["post"]["requestBody"] = {
        "content": {
            "application/json": {
                "schema": {"type": "object", "properties": {"group": {"type": "integer"}}}
            }
        }
    }
    shaper = EchoShaper()
    shaper.responses = {"draftFor": {201, 409}}
    rules = Rules(read_declarations(doc), shaper)
    handle = rules.handler("draftFor", World.generic)
    world = World()
    ctx = world.ctx("draftFor")
    assert handle(ctx, Call("draftFor", {}, {}, {}, {"group": 7}, None)).status == 201
    assert handle(ctx, Call("draftFor", {}, {}, {}, {"group": 7}, None)).status == 409
    assert handle(ctx, Call("draftFor", {}, {}, {}, {"group": 8}, None)).status == 201


def test_idempotency_keys_belong_to_their_caller(world: World) -> None:
    key = {"idempotency-key": "shared"}
    alice = world.call("createDraft", {"bookId": "b1"}, {"title": "A"}, key, {"api_key": "a"})
    bob = world.call("createDraft", {"bookId": "b2"}, {"title": "B"}, key, {"api_key": "b"})
    assert (alice.status, bob.status) == (201, 201)  # not a mismatch: another caller's key
    again = world.call("createDraft", {"bookId": "b1"}, {"title": "A"}, key, {"api_key": "a"})
    assert again.body == alice.body
