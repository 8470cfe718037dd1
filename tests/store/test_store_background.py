"""A checkpoint due on the request path is written by a forked copy of the serving process once
its batch is committed: the server does not encode the world (O(state)) while requests wait,
and the store ends up as if it had."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.server.app import DraftmockApp
from draftmock.store import codec, open_store
from draftmock.store import durable as durable_module
from draftmock.store.durable import Durable

GROUPS = "/promptlayer/api/public/v2/dataset-groups"
PL = {"x-api-key": "pl-demo-key"}


def _app(state: Path) -> DraftmockApp:
    runtime = build_runtime(apis=["promptlayer"], clock=VirtualClock(0, frozen=True))
    return DraftmockApp(runtime, durable=Durable(runtime, open_store(str(state))))


async def _create(app: DraftmockApp, name: str) -> int:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        reply = await client.post(GROUPS, headers=PL, json={"name": name})
    assert reply.status_code in (201, 400), reply.text
    return reply.status_code


def test_a_due_checkpoint_is_written_by_a_forked_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.db"
    encoded: list[int] = []  # by this process; the copy counts in its own memory
    original = codec.world_checkpoint

    def counted(world: Any, last_now: float) -> bytes:
        encoded.append(os.getpid())
        return original(world, last_now)

    monkeypatch.setattr(codec, "world_checkpoint", counted)
    app = _app(state)
    durable: Any = app.durable
    names = [f"g{n}" for n in range(4)]

    async def scenario() -> None:
        for name in names:
            if name == names[-1]:  # a checkpoint is due after this one
                monkeypatch.setattr(durable_module, "MIN_LOG_BYTES", 0)
                monkeypatch.setattr(durable_module, "CHECKPOINT_RATIO", 0)
            assert await _create(app, name) == 201

    encoded.clear()
    asyncio.run(scenario())
    monkeypatch.setattr(durable_module, "CHECKPOINT_RATIO", 4)
    assert encoded == []  # not on the request path
    encoding = durable._encodings["default"]
    deadline = time.monotonic() + 60
    while not encoding.done():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert encoding.data is not None
    assert list(encoding.worlds) == ["default"]
    assert asyncio.run(_create(app, "after")) == 201  # its batch writes the checkpoint
    assert encoded == []
    with durable.store.transaction(None) as tx:
        row = tx.world("default")
        _, seq = encoding.worlds["default"]
        assert row.checkpoint_seq == seq == row.head - 1  # as of the fourth entry
        assert row.checkpoint_bytes == len(encoding.data["default"])
        assert [e.seq for e in tx.entries(row, row.checkpoint_seq)] == [row.head]
    durable.store.close()

    again = _app(state)  # loads that checkpoint, then replays the entry after it
    assert asyncio.run(_create(again, names[-1])) == 400
    assert asyncio.run(_create(again, "after")) == 400
    assert asyncio.run(_create(again, "new")) == 201


def test_worlds_due_together_are_encoded_by_one_copy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = _app(tmp_path / "state.db")
    durable: Any = app.durable
    sessions = ["team-a", "team-b", "team-c"]

    async def create(session: str, name: str) -> None:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            headers = {**PL, "x-draftmock-session": session}
            reply = await client.post(GROUPS, headers=headers, json={"name": name})
        assert reply.status_code == 201, reply.text

    async def each(name: str) -> None:  # one request per session, in one turn of the loop
        await asyncio.gather(*(create(session, name) for session in sessions))

    asyncio.run(each("first"))
    monkeypatch.setattr(durable_module, "MIN_LOG_BYTES", 0)
    monkeypatch.setattr(durable_module, "CHECKPOINT_RATIO", 0)
    asyncio.run(each("second"))  # every session's checkpoint falls due in the same batch
    copies = {id(durable._encodings[session]) for session in sessions}
    assert len(copies) == 1
    encoding = durable._encodings[sessions[0]]
    asyncio.run(create("team-a", "third"))  # due again, but a copy is at work: no second one
    assert durable._encodings["team-a"] is encoding or encoding.done()
    deadline = time.monotonic() + 60
    while not encoding.done():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    monkeypatch.setattr(durable_module, "CHECKPOINT_RATIO", 4)
    monkeypatch.setattr(durable_module, "MIN_LOG_BYTES", 1 << 20)
    asyncio.run(each("fourth"))  # their batch writes the three checkpoints
    with durable.store.transaction(None) as tx:
        for session in sessions[1:]:
            row = tx.world(session)
            _, seq = encoding.worlds[session]
            assert row.checkpoint_seq == seq
            assert row.checkpoint_bytes == len(encoding.data[session])
        _, seq = encoding.worlds["team-a"]  # or a later copy's, if it was done before "third"
        assert tx.world("team-a").checkpoint_seq >= seq
    durable.store.close()


def test_checkpoints_encoded_together_are_written_a_batch_at_a_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each checkpoint may be megabytes: a batch writes up to ``PUT_BYTES_PER_BATCH`` of them
    (at least one), the next batches the rest, so no single batch's replies wait for all."""
    app = _app(tmp_path / "state.db")
    durable: Any = app.durable
    sessions = ["team-a", "team-b", "team-c"]

    async def each(name: str) -> None:  # one request per session, in one turn of the loop
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            replies = await asyncio.gather(
                *(
                    client.post(
                        GROUPS, headers={**PL, "x-draftmock-session": s}, json={"name": name}
                    )
                    for s in sessions
                )
            )
        assert [r.status_code for r in replies] == [201] * 3

    def checkpointed() -> int:
        with durable.store.transaction(None) as tx:
            return sum(tx.world(s).checkpoint_seq > 0 for s in sessions)

    asyncio.run(each("first"))
    monkeypatch.setattr(durable_module, "MIN_LOG_BYTES", 0)
    monkeypatch.setattr(durable_module, "CHECKPOINT_RATIO", 0)
    asyncio.run(each("second"))  # all three fall due in one batch: one copy encodes them
    monkeypatch.setattr(durable_module, "CHECKPOINT_RATIO", 4)
    monkeypatch.setattr(durable_module, "MIN_LOG_BYTES", 1 << 20)
    encoding = durable._encodings[sessions[0]]
    deadline = time.monotonic() + 60
    while not encoding.done():
        assert time.monotonic() < deadline
        time.sleep(0.02)
    monkeypatch.setattr(durable_module, "PUT_BYTES_PER_BATCH", 1)
    written = []
    for name in ("third", "fourth", "fifth"):
        asyncio.run(each(name))
        written.append(checkpointed())
    assert written == [1, 2, 3]
    durable.store.close()
