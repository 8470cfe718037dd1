"""Stores for tests: a SQLite file per test, a PostgreSQL database per test (on a throwaway
cluster, or the server DRAFTMOCK_TEST_POSTGRES_URL names), and servers over them."""

from __future__ import annotations

import functools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from draftmock.clock import VirtualClock
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.store import open_store
from draftmock.store.durable import Durable
from draftmock.testing import LiveServer
from tests.conftest import FROZEN_START, frozen_runtime
from tests.support import postgres

KINDS = ["memory", "sqlite", "postgres"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The URL of a PostgreSQL server's ``postgres`` database, for creating test databases."""
    url = os.environ.get(postgres.ENV)
    if url:
        yield url
        return
    if postgres.binaries() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL is not installed: .ci/run installs it")
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    directory = postgres.new_directory()
    try:
        yield postgres.start(directory)
    finally:
        postgres.stop(directory)
        shutil.rmtree(directory, ignore_errors=True)


def new_database(server_url: str) -> str:
    import psycopg

    name = f"draftmock_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server_url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    return server_url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture
def postgres_url(postgres_server: str) -> str:
    return new_database(postgres_server)


@pytest.fixture
def sqlite_path(tmp_path: Path) -> str:
    return str(tmp_path / "state.db")


@pytest.fixture(params=KINDS)
def state(request: pytest.FixtureRequest, tmp_path: Path) -> str | None:
    """None (in memory), a SQLite path or a PostgreSQL URL."""
    if request.param == "memory":
        return None
    if request.param == "sqlite":
        return str(tmp_path / "state.db")
    return new_database(request.getfixturevalue("postgres_server"))


@functools.cache
def _template() -> Runtime:
    """Documents and fixtures loaded once: each server starts from them as a new process would."""
    return frozen_runtime()


class Served:
    """An in-process server (real socket) over ``state``; ``restart`` starts a new runtime on it,
    as a new process would."""

    def __init__(self, state: str | None, max_sessions: int | None = 1000) -> None:
        self.state = state
        self.max_sessions = max_sessions
        self.server: LiveServer | None = None
        self.durable: Durable | None = None
        self.start()

    def start(self) -> None:
        template = _template()
        runtime = Runtime(
            template.vendors,
            template.documents,
            template.fixtures,
            clock=VirtualClock(start=FROZEN_START, frozen=True),
            settings=template.settings,
            max_sessions=self.max_sessions,
        )
        self.durable = Durable(runtime, open_store(self.state)) if self.state else None
        self.runtime = runtime
        self.server = LiveServer(DraftmockApp(runtime, durable=self.durable)).start()

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.durable is not None:
            self.durable.store.close()

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def url(self) -> str:
        assert self.server is not None
        return self.server.url

    def control(self, method: str, path: str, json: Any = None, **headers: str) -> Any:
        response = httpx.request(
            method, f"{self.url}/__draftmock/{path}", json=json, headers=headers, timeout=30
        )
        assert response.status_code < 300, response.text
        return response.json()


@pytest.fixture
def served(state: str | None) -> Iterator[Served]:
    server = Served(state)
    yield server
    server.stop()
