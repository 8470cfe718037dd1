"""Sessions kept in a store are created and bounded as in memory: refused credentials create
none, and beyond ``--max-sessions`` the least recently used one leaves the store."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.store.conftest import Served

V2 = "/api/public/v2"


@pytest.fixture(params=["sqlite", "postgres"])
def durable_state(request: pytest.FixtureRequest) -> str:
    return str(request.getfixturevalue(f"{request.param}_state"))


@pytest.fixture
def sqlite_state(sqlite_path: str) -> str:
    return sqlite_path


@pytest.fixture
def postgres_state(postgres_url: str) -> str:
    return postgres_url


@pytest.fixture
def bounded(durable_state: str) -> Iterator[Served]:
    server = Served(durable_state, max_sessions=2)
    yield server
    server.stop()


def create_group(served: Served, session: str, name: str, key: str = "pl-demo-key") -> int:
    response = httpx.post(
        f"{served.url}/promptlayer{V2}/dataset-groups",
        json={"name": name},
        headers={"X-API-KEY": key, "X-Draftmock-Session": session},
        timeout=30,
    )
    return response.status_code


def sessions(served: Served) -> list[str]:
    listed: list[str] = served.control("GET", "sessions")["sessions"]
    return listed


def test_refused_credentials_create_no_session_in_the_store(bounded: Served) -> None:
    assert create_group(bounded, "intruder", "g", key="not-a-key") == 401
    assert sessions(bounded) == ["default"]
    bounded.restart()
    assert sessions(bounded) == ["default"]
    assert create_group(bounded, "intruder", "g") == 201  # admitted: now it exists
    assert sessions(bounded) == ["default", "intruder"]


def test_beyond_max_sessions_the_least_recently_used_leaves_the_store(bounded: Served) -> None:
    assert create_group(bounded, "s1", "kept in s1") == 201
    assert create_group(bounded, "s2", "kept in s2") == 201
    assert create_group(bounded, "s1", "used again") == 201  # s2 is now the least recently used
    assert create_group(bounded, "s3", "kept in s3") == 201
    assert sessions(bounded) == ["default", "s1", "s3"]
    bounded.restart()
    assert sessions(bounded) == ["default", "s1", "s3"]
    assert create_group(bounded, "s1", "kept in s1") == 400  # its state is there
    assert create_group(bounded, "s3", "kept in s3") == 400
    # s2 went with its state: used again, it starts afresh from the fixtures (and evicts s1).
    assert create_group(bounded, "s2", "kept in s2") == 201
    assert sessions(bounded) == ["default", "s2", "s3"]


def test_two_servers_share_the_bound(bounded: Served) -> None:
    other = Served(bounded.state, max_sessions=2)
    try:
        assert create_group(bounded, "a", "g") == 201
        assert create_group(other, "b", "g") == 201
        assert create_group(bounded, "c", "g") == 201  # evicts a, written by this server
        assert create_group(other, "d", "g") == 201  # evicts b
        assert sessions(other) == ["c", "d", "default"]
        assert create_group(other, "c", "g") == 400  # c's group, made by the other server
        assert create_group(bounded, "a", "g") == 201  # a starts afresh everywhere
    finally:
        other.stop()
