"""``--workers``: a worker hands each API request to the state process over a socket pair and
sends back what it answered; the state process holds the worlds, the store's batches and the
journal, so no worker replays another's requests."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.server import stream
from draftmock.server.app import DraftmockApp
from draftmock.server.state_link import StateLink, _Frames, serve_state
from draftmock.store import open_store
from draftmock.store.durable import Durable

GROUPS = "/promptlayer/api/public/v2/dataset-groups"
PL = {"x-api-key": "pl-demo-key"}


def _app(state: Path, link: StateLink | None = None) -> DraftmockApp:
    runtime = build_runtime(apis=["promptlayer"], clock=VirtualClock(0, frozen=True))
    durable = Durable(runtime, open_store(str(state)))
    return DraftmockApp(runtime, durable=durable, state_link=link)


def _groups(app: DraftmockApp) -> list[str]:
    backend: Any = app.runtime.world().backends["promptlayer"]
    return sorted(g.name for ws in backend.workspaces.values() for g in ws.groups.values())


async def _through_worker(
    tmp_path: Path, requests: list[tuple[str, str, Any, dict[str, str]]]
) -> tuple[DraftmockApp, DraftmockApp, list[httpx.Response]]:
    state_end, worker_end = socket.socketpair()
    state_app = _app(tmp_path / "state.db")
    worker_app = _app(tmp_path / "state.db", StateLink(worker_end))
    serving = asyncio.create_task(serve_state(state_app, [state_end]))
    transport = httpx.ASGITransport(app=worker_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        replies = await asyncio.gather(
            *(client.request(m, p, json=body, headers={**PL, **h}) for m, p, body, h in requests)
        )
    serving.cancel()
    return state_app, worker_app, list(replies)


def test_the_state_process_answers_and_keeps_what_a_worker_relays(tmp_path: Path) -> None:
    named = [f"relayed-{n}" for n in range(12)]
    requests = [("POST", GROUPS, {"name": name}, {}) for name in named]
    requests.append(("POST", GROUPS, {"name": "in-a-session"}, {"x-draftmock-session": "s1"}))
    state_app, worker_app, replies = asyncio.run(_through_worker(tmp_path, requests))

    assert [r.status_code for r in replies] == [201] * 13
    assert {r.json()["dataset_group"]["name"] for r in replies} == {*named, "in-a-session"}
    assert replies[0].headers["content-type"] == "application/json"
    # The state process holds the change, and journaled it; the worker ran none of it.
    assert set(named) <= set(_groups(state_app))
    assert not set(named) & set(_groups(worker_app))
    journal = state_app.runtime.world().journal.since(0)
    assert sum(e.operation_id == "createDatasetGroup" for e in journal) == 12
    assert worker_app.runtime.world().journal.since(0) == []
    assert "in-a-session" in [
        g.name
        for ws in state_app.runtime.world("s1").backends["promptlayer"].workspaces.values()
        for g in ws.groups.values()
    ]
    # Committed before the replies: a process opening the store now finds every group.
    assert set(named) <= set(_groups(_app(tmp_path / "state.db")))


def test_errors_and_unknown_paths_come_back_in_the_apis_envelope(tmp_path: Path) -> None:
    requests = [
        ("POST", GROUPS, {"name": 5}, {}),  # invalid body: PromptLayer's 422
        ("GET", "/promptlayer/no/such/path", None, {}),
        ("POST", GROUPS, {"name": "x"}, {"x-api-key": "wrong"}),
    ]
    _, _, replies = asyncio.run(_through_worker(tmp_path, requests))
    direct = _app(tmp_path / "direct.db")

    async def alone() -> list[httpx.Response]:
        transport = httpx.ASGITransport(app=direct)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            return [
                await client.request(m, p, json=b, headers={**PL, **h}) for m, p, b, h in requests
            ]

    expected = asyncio.run(alone())
    assert [r.status_code for r in replies] == [r.status_code for r in expected]
    assert [r.status_code for r in replies] == [422, 404, 401]
    for got, want in zip(replies, expected, strict=True):
        assert _without_ids(got.json()) == _without_ids(want.json())


def _without_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_ids(v) for k, v in value.items() if "id" not in k.lower()}
    if isinstance(value, list):
        return [_without_ids(v) for v in value]
    return value


def test_a_worker_whose_state_process_is_gone_answers_a_store_failure(tmp_path: Path) -> None:
    state_end, worker_end = socket.socketpair()
    state_end.close()
    worker = _app(tmp_path / "state.db", StateLink(worker_end))

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=worker)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            await client.post(GROUPS, json={"name": "first"}, headers=PL)  # finds it closed
            return await client.post(GROUPS, json={"name": "lost"}, headers=PL)

    reply = asyncio.run(post())
    assert reply.status_code == 500
    assert reply.json()["draftmock_error"] == "state store"
    assert "state process" in reply.json()["message"]
    assert "x-draftmock-violation" in reply.headers


class _Collect(_Frames):
    def __init__(self) -> None:
        super().__init__()
        self.got: list[tuple[int, Any, bytes]] = []

    def on_frame(self, number: int, meta: Any, body: bytes) -> None:
        self.got.append((number, meta, body))


@pytest.mark.parametrize("piece", [1, 7, 1000])
def test_frames_cut_anywhere_arrive_whole_and_in_order(piece: int) -> None:
    sent = [(n, ["meta", n, {"h": "v" * n}], bytes([n]) * (n * 3)) for n in range(1, 9)]
    stream = b"".join(
        n.to_bytes(4, "big")
        + len(orjson.dumps(m)).to_bytes(4, "big")
        + len(b).to_bytes(4, "big")
        + orjson.dumps(m)
        + b
        for n, m, b in sent
    )
    frames = _Collect()
    for at in range(0, len(stream), piece):
        frames.data_received(stream[at : at + piece])
    assert frames.got == sent


def test_a_relayed_request_waits_while_another_process_holds_the_store(tmp_path: Path) -> None:
    """A control call in a worker holds the store's lock: the state process waits for its
    turn (the loop keeps reading) and answers once the lock is let go."""
    state_end, worker_end = socket.socketpair()
    state_app = _app(tmp_path / "state.db")
    worker_app = _app(tmp_path / "state.db", StateLink(worker_end))
    elsewhere = open_store(str(tmp_path / "state.db"))

    async def main() -> tuple[bool, httpx.Response]:
        serving = asyncio.create_task(serve_state(state_app, [state_end]))
        transport = httpx.ASGITransport(app=worker_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            with elsewhere.transaction("default"):
                pending = asyncio.create_task(
                    client.post(GROUPS, json={"name": "waited"}, headers=PL)
                )
                await asyncio.sleep(0.5)
                answered_while_held = pending.done()
            reply = await pending
        serving.cancel()
        return answered_while_held, reply

    answered_while_held, reply = asyncio.run(main())
    assert not answered_while_held
    assert reply.status_code == 201
    assert "waited" in _groups(state_app)


def test_a_workers_journal_stream_shows_what_the_state_process_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard's live journal, opened on a worker: the requests the state process ran
    arrive as events (the worker catches its copy up with the store at each check)."""
    monkeypatch.setattr(stream, "CHECK_SECONDS", 0.1)
    monkeypatch.setattr(stream, "STREAM_SECONDS", 1.5)
    state_end, worker_end = socket.socketpair()
    state_app = _app(tmp_path / "state.db")
    worker_app = _app(tmp_path / "state.db", StateLink(worker_end))

    async def main() -> str:
        serving = asyncio.create_task(serve_state(state_app, [state_end]))
        transport = httpx.ASGITransport(app=worker_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            watching = asyncio.create_task(client.get("/__draftmock/requests/stream"))
            await asyncio.sleep(0.3)
            for name in ("seen-1", "seen-2"):
                reply = await client.post(GROUPS, json={"name": name}, headers=PL)
                assert reply.status_code == 201
            events = (await watching).text
        serving.cancel()
        return events

    events = asyncio.run(main())
    assert events.count("event: request") == 2
    assert "createDatasetGroup" in events
