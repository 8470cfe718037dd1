"""A built-in-style vendor serving its whole document: its own operation, the rest generated.

A small vendor over ``remainder.yaml`` implements ``listThings`` only; the gadget operations
come from the generated tier, behind the vendor's key check, in its ``{error}`` envelope, with
each tenant's records apart and kept in the vendor's own backend (snapshots, state dumps).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from draftmock import state_codec
from draftmock.assembly import whole_vendor
from draftmock.clock import VirtualClock
from draftmock.fixtures import FixtureSource
from draftmock.ids import Ids
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.spec.document import load_document
from draftmock.spec.schema import Violation
from draftmock.testing import LiveServer
from draftmock.vendors._kit import (
    Admission,
    AuthInput,
    Call,
    Context,
    OperationTable,
    Reply,
    Vendor,
    VendorError,
    ok,
)
from tests.generated.conftest import DOCUMENTS, START

KEYS = {"key-a": "a", "key-b": "b"}


@dataclass
class Backend:
    things: dict[str, list[str]] = field(default_factory=dict)
    generated: dict[str, Any] = field(default_factory=dict)


state_codec.register("tests-remainder", Backend)
ops = OperationTable()


@ops("listThings")
def list_things(ctx: Context[Backend], call: Call) -> Reply:
    return ok(ctx.backend.things.get(call.principal, []))


def authenticate(ctx: Context[Backend], auth: AuthInput) -> Admission:
    tenant = KEYS.get(auth.headers.get("x-key", ""))
    if tenant is None:
        raise VendorError("unknown key", status=401)
    return Admission(tenant, {"x-tenant": tenant})


def render_error(error: VendorError, request_id: str) -> Reply:
    return Reply(error.status, {"error": error.message})


def render_violations(violations: list[Violation], request_id: str) -> Reply:
    return Reply(400, {"error": "invalid: " + violations[0].describe()})


def load_fixture(backend: Backend, data: dict[str, Any], ids: Ids, now: float) -> None:
    for tenant, things in data.get("things", {}).items():
        backend.things[tenant] = list(things)


VENDOR: Vendor[Backend] = Vendor(
    slug="gizmo",
    title="Gizmo",
    spec_file="remainder.yaml",
    operations=ops,
    new_backend=Backend,
    load_fixture=load_fixture,
    fixture_schema={
        "type": "object",
        "additionalProperties": False,
        "properties": {"things": {"type": "object"}},
    },
    authenticate=authenticate,
    render_error=render_error,
    render_violations=render_violations,
    render_no_route=lambda method, path, allowed, rid: Reply(404, {"error": "no route"}),
    tenant_of=str,
)

FIXTURE = {
    "things": {"a": ["hammer"]},
    "records": {"a": {"gadgets": [{"id": 7, "name": "lamp", "size": 3}]}},
}


def make_runtime() -> Runtime:
    document = load_document(DOCUMENTS / "remainder.yaml", "gizmo")
    vendor = whole_vendor(VENDOR, document, [], False)
    return Runtime(
        {"gizmo": vendor},
        {"gizmo": document},
        [FixtureSource("gizmo", "inline", FIXTURE)],
        clock=VirtualClock(start=START, frozen=True),
    )


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Runtime, str]]:
    runtime = make_runtime()
    with LiveServer(DraftmockApp(runtime)) as server:
        yield runtime, f"{server.url}/gizmo"


def client(url: str, key: str | None = "key-a", session: str = "default") -> httpx.Client:
    headers = {"x-draftmock-session": session}
    if key is not None:
        headers["x-key"] = key
    return httpx.Client(base_url=url, headers=headers, timeout=10)


def test_the_module_keeps_its_operation_and_the_rest_is_generated(
    served: tuple[Runtime, str],
) -> None:
    runtime, url = served
    with client(url, session="own") as a:
        assert a.get("/things").json() == ["hammer"]
        assert a.get("/gadgets/7").json() == {"id": 7, "name": "lamp", "size": 3}
        made = a.post("/gadgets", json={"name": "fan", "size": 2})
        assert made.status_code == 201, made.text
        gadget = made.json()
        assert gadget["name"] == "fan" and gadget["size"] == 2
        assert a.get(f"/gadgets/{gadget['id']}").json() == gadget
        listed = a.get("/gadgets").json()["gadgets"]
        assert [g["name"] for g in listed] == ["lamp", "fan"]
        assert a.delete(f"/gadgets/{gadget['id']}").status_code == 204
        gone = a.get(f"/gadgets/{gadget['id']}")
        assert gone.status_code == 404
        assert gone.json() == {"error": f"gadgets {gadget['id']} not found"}
        assert "x-draftmock-error" not in gone.headers
    world = runtime.world("own")
    backend = world.backends["gizmo"]
    assert isinstance(backend, Backend)
    assert set(backend.generated) == {"a"}


def test_the_vendors_authentication_and_envelope_answer_generated_operations(
    served: tuple[Runtime, str],
) -> None:
    _, url = served
    with client(url, key=None, session="auth") as anonymous:
        refused = anonymous.get("/gadgets")
        assert refused.status_code == 401
        assert refused.json() == {"error": "unknown key"}
    with client(url, session="auth") as a:
        assert a.get("/gadgets").headers["x-tenant"] == "a"
        bad = a.post("/gadgets", json={"size": 0})
        assert bad.status_code == 400
        assert bad.json()["error"].startswith("invalid: ")


def test_an_error_the_operation_does_not_document_is_the_mocks_own(
    served: tuple[Runtime, str],
) -> None:
    _, url = served
    with client(url, key="nobody", session="undocumented") as stranger:
        refused = stranger.post("/gadgets/7/render")
        assert refused.status_code == 401
        assert refused.headers["x-draftmock-error"] == "unknown key"


def test_tenants_see_only_their_own_generated_records(served: tuple[Runtime, str]) -> None:
    _, url = served
    with client(url, session="tenants") as a, client(url, "key-b", "tenants") as b:
        assert b.get("/gadgets/7").status_code == 404
        assert b.get("/gadgets").json() == {"gadgets": []}
        made = b.post("/gadgets", json={"name": "b's"}).json()
        assert [g["name"] for g in a.get("/gadgets").json()["gadgets"]] == ["lamp"]
        assert a.get(f"/gadgets/{made['id']}").status_code == 404


def test_snapshot_reset_and_state_dump_keep_generated_records(
    served: tuple[Runtime, str],
) -> None:
    runtime, url = served
    with client(url, session="state") as a:
        made = a.post("/gadgets", json={"name": "kept"}).json()
        world = runtime.world("state")
        saved = runtime.snapshot(world)
        dumped = state_codec.load(copy.deepcopy(state_codec.dump(world.state_parts())))
        runtime.reset_world(world)
        assert a.get(f"/gadgets/{made['id']}").status_code == 404
        assert a.get("/gadgets/7").status_code == 200  # the fixture's record is back
        runtime.restore(world, saved)
        assert a.get(f"/gadgets/{made['id']}").json()["name"] == "kept"
        runtime.reset_world(world)
        runtime.restore(world, dumped)
        assert a.get(f"/gadgets/{made['id']}").json()["name"] == "kept"


def test_a_fixture_record_that_breaks_the_schema_stops_start_up() -> None:
    document = load_document(DOCUMENTS / "remainder.yaml", "gizmo")
    vendor = whole_vendor(VENDOR, document, [], False)
    bad = {"records": {"a": {"gadgets": [{"id": 1}]}}}
    with pytest.raises(Exception, match="gadgets"):
        Runtime({"gizmo": vendor}, {"gizmo": document}, [FixtureSource("gizmo", "inline", bad)])
