"""The one-draft rule under truly parallel callers: the pipeline is entered from many threads at
once (the socket test in tests/scenarios serialises on one event loop), so only the world's lock
stands between check and act. Handing out the new draft's id is made slow, which widens the gap
between "no draft yet" and "draft stored" far enough that an unguarded pipeline lets several
callers through."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from draftmock.server.app import DraftmockApp
from draftmock.server.pipeline import Request
from tests.conftest import frozen_runtime

CALLERS = 50


@pytest.fixture
def tight_switching() -> Iterator[None]:
    """Switch threads as often as the interpreter allows, so an unguarded race shows."""
    before = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        yield
    finally:
        sys.setswitchinterval(before)


def create_draft(n: int, session: str | None = None) -> Request:
    return Request(
        method="POST",
        path="/api/public/v2/dataset-versions/create-draft",
        query_string="",
        headers={"x-api-key": "pl-demo-key", "content-type": "application/json"},
        body=orjson.dumps({"dataset_group_id": 123}),
        request_id=f"r{n}",
        session=session,
    )


@pytest.mark.usefixtures("tight_switching")
@pytest.mark.parametrize("session", [None, "parallel-job"])
def test_fifty_parallel_create_drafts_one_wins(
    session: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    pipeline = DraftmockApp(frozen_runtime()).pipelines["promptlayer"]
    ids = pipeline.runtime.world(session).ids
    next_int = ids.next_int

    def slow_next_int(kind: str, **options: Any) -> int:
        time.sleep(0.002)
        return next_int(kind, **options)

    monkeypatch.setattr(ids, "next_int", slow_next_int)
    start = threading.Barrier(CALLERS)
    statuses: list[int] = []

    def call(n: int) -> None:
        start.wait()
        statuses.append(pipeline.handle(create_draft(n, session)).reply.status)

    threads = [threading.Thread(target=call, args=(n,)) for n in range(CALLERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [201] + [409] * (CALLERS - 1)
    world = pipeline.runtime.world(session)
    drafts = [d for d in world.backends["promptlayer"].workspace(1).datasets.values() if d.is_draft]
    assert [d.group_id for d in drafts if d.group_id == 123] == [123]
