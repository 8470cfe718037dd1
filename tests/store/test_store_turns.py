"""Processes sharing one store take turns: SQLite's lock goes to the process that waited for
it, not back to the one that let go of it; and a process that missed a few requests while
another checkpointed the world replays them, where loading the whole checkpoint would cost
O(state). A checkpoint a control call wrote cannot be replayed: it is loaded."""

from __future__ import annotations

import asyncio
import fcntl
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.server import pipeline as pipeline_module
from draftmock.server.app import DraftmockApp
from draftmock.store import durable as durable_module
from draftmock.store import open_store
from draftmock.store.base import StoreBusy
from draftmock.store.durable import Durable
from draftmock.store.sqlite import SqliteStore

GROUPS = "/promptlayer/api/public/v2/dataset-groups"
PL = {"x-api-key": "pl-demo-key"}


def _queue_taken(path: Path) -> bool:
    fd = os.open(f"{path}-queue", os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing lets go of the lock if it was taken
    return False


def test_the_lock_goes_to_the_process_that_waited_for_it(tmp_path: Path) -> None:
    path = tmp_path / "state.db"
    first, second = SqliteStore(path), SqliteStore(path)  # two open files: two holders
    try:
        # Another process waits in the queue: the lock is free, yet not for one that did not.
        queued = os.open(f"{path}-queue", os.O_RDWR)
        fcntl.flock(queued, fcntl.LOCK_EX)
        with pytest.raises(StoreBusy), first.transaction("default", wait=False):
            pass
        os.close(queued)
        with first.transaction("default", wait=False):
            pass

        handed = threading.Event()

        def wait_for_turn() -> None:
            second.take_turn("default")
            handed.set()

        with first.transaction("default"):
            waiter = threading.Thread(target=wait_for_turn)
            waiter.start()
            deadline = time.monotonic() + 10
            while not _queue_taken(path):  # the second is queued behind the lock
                assert time.monotonic() < deadline
                time.sleep(0.01)
            assert not handed.is_set()
        # The first lets go and asks again at once: the waiting process has its turn first.
        with pytest.raises(StoreBusy), first.transaction("default", wait=False):
            pass
        waiter.join(10)
        assert handed.is_set()
        with second.transaction("default", wait=False) as tx:  # handed over: no waiting
            tx.set_meta("by", "second")
        with first.transaction("default", wait=False) as tx:
            assert tx.meta("by") == "second"
        # A turn no transaction used is given back.
        second.take_turn("default")
        with pytest.raises(StoreBusy), first.transaction("default", wait=False):
            pass
        second.release_turn()
        with first.transaction("default", wait=False):
            pass
    finally:
        first.close()
        second.close()


def _app(state: Path) -> DraftmockApp:
    runtime = build_runtime(apis=["promptlayer"], clock=VirtualClock(0, frozen=True))
    return DraftmockApp(runtime, durable=Durable(runtime, open_store(str(state))))


async def _call(app: DraftmockApp, method: str, path: str, **kwargs: Any) -> httpx.Response:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        return await client.request(method, path, **kwargs)


async def _create(app: DraftmockApp, name: str) -> int:
    """201 for a new group name, 400 for one the world already holds."""
    reply = await _call(app, "POST", GROUPS, headers=PL, json={"name": name})
    assert reply.status_code in (201, 400), reply.text
    return reply.status_code


def _count_loads(app: DraftmockApp) -> list[str]:
    durable: Any = app.durable
    loaded: list[str] = []
    original = durable._load_checkpoint

    def counted(tx: Any, row: Any) -> Any:
        loaded.append(row.name)
        return original(tx, row)

    durable._load_checkpoint = counted
    return loaded


def test_missed_entries_are_replayed_and_a_control_checkpoint_is_loaded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.db"

    async def scenario() -> None:
        writer, reader = _app(state), _app(state)
        loads = _count_loads(reader)
        assert await _create(reader, "first") == 201
        store: Any = writer.durable.store  # type: ignore[union-attr]
        names = [f"g{n}" for n in range(4)]
        for name in names:
            if name == names[-1]:  # the writer checkpoints the world after this one, itself
                monkeypatch.setattr(durable_module, "FORKING", False)
                monkeypatch.setattr(durable_module, "MIN_LOG_BYTES", 0)
                monkeypatch.setattr(durable_module, "CHECKPOINT_RATIO", 0)
            assert await _create(writer, name) == 201
        monkeypatch.undo()
        with store.transaction(None) as tx:
            row = tx.world("default")
            assert row.checkpoint_seq == row.head  # a checkpoint of what the entries made
            kept = tx.entries(row, 0)
        assert [e.seq for e in kept][-len(names) :] == list(range(row.head - 3, row.head + 1))
        assert [await _create(reader, name) for name in names] == [400] * len(names)
        assert loads == []  # the reader replayed the four entries it missed

        reply = await _call(writer, "POST", "/__draftmock/reset", json={})
        assert reply.status_code in (200, 204), reply.text
        assert await _create(reader, "first") == 201
        assert loads == ["default"]  # a reset cannot be replayed: its checkpoint is loaded

    asyncio.run(scenario())


def test_a_replay_does_not_check_again_a_reply_that_met_the_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    state = tmp_path / "state.db"
    checked: list[str] = []
    original = pipeline_module.reply_problems

    def counted(op: Any, reply: Any) -> list[str]:
        checked.append(op.operation_id)
        return original(op, reply)

    monkeypatch.setattr(pipeline_module, "reply_problems", counted)

    async def scenario() -> None:
        writer, reader = _app(state), _app(state)
        assert await _create(reader, "first") == 201
        for name in ("a", "b", "c"):
            assert await _create(writer, name) == 201
        checked.clear()
        assert await _create(reader, "d") == 201  # after replaying the writer's three
        assert checked == ["createDatasetGroup"]

    asyncio.run(scenario())


def test_requests_that_waited_for_the_lock_share_the_batch_it_opens(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    waiting, other = _app(state), SqliteStore(state)
    store: Any = waiting.durable.store  # type: ignore[union-attr]
    opened: list[str | None] = []
    original = store.transaction

    @contextmanager
    def counted(scope: str | None, **kwargs: Any) -> Iterator[Any]:
        with original(scope, **kwargs) as tx:
            opened.append(scope)  # opened, not only tried
            yield tx

    store.transaction = counted
    holding, release = threading.Event(), threading.Event()

    def hold_the_lock() -> None:  # another process's transaction, until told
        with other.transaction("default"):
            holding.set()
            release.wait(10)

    async def scenario() -> list[int]:
        holder = threading.Thread(target=hold_the_lock)
        holder.start()
        holding.wait(10)
        opened.clear()
        names = [f"w{n}" for n in range(6)]
        replies = asyncio.gather(*(_create(waiting, name) for name in names))
        await asyncio.sleep(0.3)  # every request is read, and waits for the lock
        release.set()
        statuses = await replies
        holder.join(10)
        return statuses

    try:
        assert asyncio.run(scenario()) == [201] * 6
    finally:
        other.close()
    assert opened == ["default"]  # one batch: the lock was waited for once
