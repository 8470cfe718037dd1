"""Sessions are created only by requests that reach an operation, and their number is bounded.

20,000 distinct ``X-Draftmock-Session`` values used to keep 20,000 worlds (RSS 77 -> 993 MB),
including sessions named by unauthenticated (401) and unknown-route (404) requests.
"""

from __future__ import annotations

import gc
import logging
import threading
import tracemalloc
from collections.abc import Iterator

import httpx
import pytest

from draftmock.runtime import Runtime, World
from draftmock.server.app import DraftmockApp
from draftmock.server.pipeline import Request
from draftmock.testing import LiveServer
from tests.conftest import Mock, frozen_runtime

V2 = "/promptlayer/api/public/v2"
KEY = {"X-API-KEY": "pl-demo-key"}


def sessions(runtime: Runtime) -> set[str]:
    return set(runtime.worlds()) - {"default"}


def test_refused_and_unrouted_requests_create_no_session(mock: Mock) -> None:
    before = sessions(mock.runtime)
    for i in range(10):
        named = {"X-Draftmock-Session": f"ghost-{i}"}
        assert httpx.get(f"{mock.url}{V2}/datasets", headers=named).status_code == 401
        bad_key = {**named, "X-API-KEY": "nope"}
        assert httpx.get(f"{mock.url}{V2}/datasets", headers=bad_key).status_code == 401
        assert (
            httpx.get(f"{mock.url}{V2}/no-such-route", headers={**named, **KEY}).status_code == 404
        )
        assert httpx.get(f"{mock.url}/nowhere/at/all", headers=named).status_code == 404
    assert sessions(mock.runtime) == before
    # The refusals are journaled in the default state, under the session they named.
    journal = httpx.get(f"{mock.url}/__draftmock/requests", params={"limit": 3}).json()
    assert {e["session"] for e in journal["requests"]} == {"ghost-9"}
    # A request its credentials admit creates the session, with the request in its journal.
    admitted = {"X-Draftmock-Session": "ghost-0", **KEY}
    assert httpx.get(f"{mock.url}{V2}/datasets", headers=admitted).status_code == 200
    assert sessions(mock.runtime) == before | {"ghost-0"}
    own = httpx.get(f"{mock.url}/__draftmock/requests", headers=admitted).json()
    assert [e["status"] for e in own["requests"]] == [200]
    httpx.delete(f"{mock.url}/__draftmock/sessions/ghost-0")


def test_control_reads_create_no_session(mock: Mock) -> None:
    before = sessions(mock.runtime)
    peek = {"X-Draftmock-Session": "peek"}
    for path in ("jobs", "requests", "coverage", "faults", "progression", "state", "snapshots"):
        assert httpx.get(f"{mock.url}/__draftmock/{path}", headers=peek).status_code == 200
    assert httpx.get(f"{mock.url}/__draftmock/blobs/nothing", headers=peek).status_code in (
        403,
        404,
    )
    assert sessions(mock.runtime) == before
    assert (
        httpx.post(
            f"{mock.url}/__draftmock/snapshots", json={"name": "s"}, headers=peek
        ).status_code
        == 201
    )
    assert sessions(mock.runtime) == before | {"peek"}  # a change creates it
    httpx.delete(f"{mock.url}/__draftmock/sessions/peek")


def test_a_first_request_that_changes_state_keeps_its_change(mock: Mock) -> None:
    named = {"X-Draftmock-Session": "first-write", **KEY}
    made = httpx.post(
        f"{mock.url}{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123},
        headers=named,
    )
    assert made.status_code == 201
    again = httpx.post(
        f"{mock.url}{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123},
        headers=named,
    )
    assert again.status_code == 409  # the first request's draft was kept with the new session
    httpx.delete(f"{mock.url}/__draftmock/sessions/first-write")


@pytest.fixture
def small() -> Iterator[tuple[DraftmockApp, str]]:
    app = DraftmockApp(frozen_runtime_with(max_sessions=3))
    with LiveServer(app) as live:
        yield app, live.url


def frozen_runtime_with(max_sessions: int) -> Runtime:
    runtime = frozen_runtime()
    runtime.max_sessions = max_sessions
    return runtime


def test_the_least_recently_used_session_is_evicted_and_logged(
    small: tuple[DraftmockApp, str], caplog: pytest.LogCaptureFixture
) -> None:
    app, url = small

    def use(name: str) -> int:
        headers = {"X-Draftmock-Session": name, **KEY}
        return httpx.get(f"{url}{V2}/datasets", headers=headers).status_code

    caplog.set_level(logging.INFO, logger="draftmock.runtime")
    for name in ("a", "b", "c"):
        assert use(name) == 200
    assert use("a") == 200  # a is now the most recently used: b is the oldest
    assert use("d") == 200
    assert sessions(app.runtime) == {"a", "c", "d"}
    assert "session 'b' evicted" in caplog.text
    listed = httpx.get(f"{url}/__draftmock/sessions").json()["sessions"]
    assert set(listed) == {"default", "a", "c", "d"}
    # The default state is never evicted, and an evicted session starts again from the fixtures.
    assert use("b") == 200
    assert sessions(app.runtime) == {"a", "d", "b"}
    assert "default" in app.runtime.worlds()


def test_a_busy_session_is_not_evicted() -> None:
    runtime = frozen_runtime_with(max_sessions=2)
    busy = runtime.world("busy")
    runtime.world("idle")
    held, done = threading.Event(), threading.Event()

    def request_in_progress() -> None:
        with busy.lock:
            held.set()
            done.wait(30)

    worker = threading.Thread(target=request_in_progress)
    worker.start()
    try:
        assert held.wait(30)
        runtime.world("idle")  # busy is now the least recently used, but it is busy
        runtime.world("new")
    finally:
        done.set()
        worker.join()
    assert sessions(runtime) == {"busy", "new"}


def _live_worlds() -> int:
    return sum(1 for obj in gc.get_objects() if isinstance(obj, World))


def test_session_churn_stays_bounded() -> None:
    """A bounded loop of distinct sessions: world count and traced memory stop growing."""
    runtime = frozen_runtime_with(max_sessions=20)
    app = DraftmockApp(runtime)
    pipeline = app.pipelines["promptlayer"]

    def request(i: int, key: str = "pl-demo-key") -> int:
        outcome = pipeline.handle(
            Request(
                method="GET",
                path="/api/public/v2/datasets",
                query_string="",
                headers={"x-api-key": key},
                body=b"",
                request_id=f"r{i}",
                session=f"churn-{i}",
            )
        )
        return outcome.reply.status

    gc.collect()
    worlds_before = _live_worlds()
    tracemalloc.start()
    try:
        for i in range(40):
            assert request(i) == 200
        gc.collect()
        warm, _ = tracemalloc.get_traced_memory()
        for i in range(40, 200):
            assert request(i) == 200
        for i in range(200, 300):
            assert request(i, key="wrong") == 401
        gc.collect()
        after, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(sessions(runtime)) == 20
    assert _live_worlds() - worlds_before <= 21
    # 260 more sessions were opened (160 admitted); kept, they would cost several MB.
    assert after - warm < 1_000_000, f"grew by {after - warm} bytes"
