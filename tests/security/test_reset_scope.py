"""``POST /__draftmock/reset`` resets the state it names, and never stalls other requests.

It used to reset *every* session when no session was named (while answering
``{"reset": "all", "world": "default"}``), on the event loop: 19.7 s at 3,002 sessions, with
``/health`` waiting all along.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import Mock, frozen_runtime

CREATE = "/promptlayer/api/public/v2/dataset-versions/create-draft"
KEY = {"X-API-KEY": "pl-demo-key"}


def draft(url: str, session: str | None = None) -> int:
    headers = {**KEY, **({"X-Draftmock-Session": session} if session else {})}
    return httpx.post(f"{url}{CREATE}", json={"dataset_group_id": 123}, headers=headers).status_code


def reset(url: str, session: str | None = None, **body: Any) -> httpx.Response:
    headers = {"X-Draftmock-Session": session} if session else {}
    return httpx.post(f"{url}/__draftmock/reset", json=body, headers=headers, timeout=120)


def test_reset_without_a_session_resets_the_default_state_only(mock: Mock) -> None:
    assert draft(mock.url) == 201
    assert draft(mock.url, "colleague") == 201
    answer = reset(mock.url)
    assert answer.json() == {"reset": "all", "world": "default", "worlds": 1}
    assert draft(mock.url) == 201  # the default state is back to the fixtures
    assert draft(mock.url, "colleague") == 409  # the colleague's draft is still there
    httpx.delete(f"{mock.url}/__draftmock/sessions/colleague")


def test_reset_with_a_session_resets_that_session_only(mock: Mock) -> None:
    assert draft(mock.url) == 201
    assert draft(mock.url, "mine") == 201
    assert draft(mock.url, "theirs") == 201
    answer = reset(mock.url, "mine", api="promptlayer")
    assert answer.json() == {"reset": "promptlayer", "world": "mine", "worlds": 1}
    assert draft(mock.url, "mine") == 201
    assert draft(mock.url, "theirs") == 409
    assert draft(mock.url) == 409
    for name in ("mine", "theirs"):
        httpx.delete(f"{mock.url}/__draftmock/sessions/{name}")


def test_resetting_everything_is_explicit(mock: Mock) -> None:
    for session in (None, "one", "two"):
        assert draft(mock.url, session) == 201
    refused = reset(mock.url, "one", all=True)
    assert refused.status_code == 400
    assert "without X-Draftmock-Session" in refused.json()["message"]
    answer = reset(mock.url, all=True)
    assert answer.status_code == 200
    assert answer.json() == {"reset": "all", "world": None, "worlds": len(mock.runtime.worlds())}
    for session in (None, "one", "two"):
        assert draft(mock.url, session) == 201
    for name in ("one", "two"):
        httpx.delete(f"{mock.url}/__draftmock/sessions/{name}")


@pytest.fixture
def crowded() -> Iterator[tuple[Runtime, str]]:
    runtime = frozen_runtime()
    for i in range(60):
        runtime.world(f"s{i:02}")
    with LiveServer(DraftmockApp(runtime)) as live:
        yield runtime, live.url


def test_reset_all_of_many_sessions_does_not_stall_other_requests(
    crowded: tuple[Runtime, str],
) -> None:
    """While the sweep waits on one busy session, every other request is answered."""
    runtime, url = crowded
    assert draft(url) == 201
    held, release = threading.Event(), threading.Event()

    def busy_session() -> None:  # e.g. a seed or a long request in session s30
        with runtime.world("s30").lock:
            held.set()
            release.wait(60)

    holder = threading.Thread(target=busy_session)
    holder.start()
    assert held.wait(30)
    answers: list[httpx.Response] = []
    sweep = threading.Thread(target=lambda: answers.append(reset(url, all=True)))
    sweep.start()
    try:
        deadline = time.monotonic() + 60
        while draft(url) != 201:  # the default state comes first in the sweep, then s00...
            assert time.monotonic() < deadline, "the sweep never reached the default state"
            time.sleep(0.05)
        assert httpx.get(f"{url}/__draftmock/health", timeout=10).status_code == 200
        assert draft(url, "s59") == 201  # a session the sweep has not reached yet
        assert httpx.get(f"{url}/__draftmock/sessions", timeout=10).status_code == 200
        assert sweep.is_alive() and not answers  # still waiting for s30's own share
    finally:
        release.set()
        holder.join()
        sweep.join(120)
    assert answers[0].json() == {"reset": "all", "world": None, "worlds": 61}
    assert draft(url, "s59") == 201  # reset after the draft above
