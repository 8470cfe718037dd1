"""Group commit across sessions: requests the event loop handles in one turn share one store
transaction even when they name different sessions, each is answered only once it is committed,
and ``--max-sessions`` may evict a session the open batch holds (what it logged goes with it)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.server.app import DraftmockApp
from draftmock.store import open_store
from draftmock.store.durable import Durable

GROUPS = "/promptlayer/api/public/v2/dataset-groups"
PL = {"x-api-key": "pl-demo-key"}


def _app(state: Path, max_sessions: int | None = None) -> DraftmockApp:
    runtime = build_runtime(
        apis=["promptlayer"], clock=VirtualClock(0, frozen=True), max_sessions=max_sessions
    )
    return DraftmockApp(runtime, durable=Durable(runtime, open_store(str(state))))


def _count_transactions(app: DraftmockApp) -> list[str | None]:
    """The scope of every store transaction the app opens from now on."""
    store: Any = app.durable.store  # type: ignore[union-attr]
    opened: list[str | None] = []
    original = store.transaction

    @contextmanager
    def counted(scope: str | None, **kwargs: Any) -> Iterator[Any]:
        opened.append(scope)
        with original(scope, **kwargs) as tx:
            yield tx

    store.transaction = counted
    return opened


async def _create_groups(app: DraftmockApp, named: list[tuple[str, str]]) -> list[int]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        replies = await asyncio.gather(
            *(
                client.post(GROUPS, json={"name": name}, headers={**PL, "x-draftmock-session": s})
                for s, name in named
            )
        )
    return [r.status_code for r in replies]


def test_interleaved_sessions_share_one_commit_and_all_are_kept(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    app = _app(state)
    opened = _count_transactions(app)
    named = [(f"s{i % 3}", f"group {i}") for i in range(12)]  # s0, s1, s2, s0, ...
    assert asyncio.run(_create_groups(app, named)) == [201] * 12
    # One transaction for the twelve requests on three sessions (before: one per switch).
    assert len(opened) == 1, opened
    app.durable.store.close()  # type: ignore[union-attr]

    again = _app(state)  # a new process reads every change back from the store
    # Each name is taken in its session: creating it again is the documented 400.
    assert asyncio.run(_create_groups(again, named)) == [400] * 12


def test_beyond_max_sessions_a_session_of_the_open_batch_can_leave(tmp_path: Path) -> None:
    state = tmp_path / "state.db"
    app = _app(state, max_sessions=1)
    opened = _count_transactions(app)
    # a's request is in the batch when b's creates a second session beyond the bound: a leaves
    # the store (what it logged in the batch with it), b stays.
    named = [("a", "kept in a"), ("b", "kept in b")]
    assert asyncio.run(_create_groups(app, named)) == [201, 201]
    assert len(opened) == 1, opened
    app.durable.store.close()  # type: ignore[union-attr]
    again = _app(state, max_sessions=1)
    assert asyncio.run(_create_groups(again, [("b", "kept in b")])) == [400]  # b kept its state
    assert asyncio.run(_create_groups(again, [("a", "kept in a")])) == [201]  # a starts afresh
