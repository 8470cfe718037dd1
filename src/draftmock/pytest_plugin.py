"""pytest fixtures for testing against draftmock.

    def test_second_draft_conflicts(draftmock):
        pl = draftmock.client("promptlayer")
        assert pl.post("/api/public/v2/dataset-versions/create-draft",
                       json={"dataset_group_id": 123}).status_code == 201
        draftmock.advance(2)

Fixtures: ``draftmock_server`` (one server per test session, on a free loopback port, frozen
clock), ``draftmock`` (per test: state reset, fault rules and progressions cleared, the
plugin's own server's clock frozen again; clients, clock control), ``draftmock_session``
(per test: an isolated session instead of a reset, so tests can share a server in parallel).
Options: ``--draftmock-url URL`` uses an already running server instead of starting one; there
``draftmock`` works in a session of this run's own (deleted at the end), so a shared server's
default state and other people's sessions are never reset.

This module is imported by every pytest run where draftmock is installed, so it imports nothing
heavy at module level.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import httpx

# Default credentials of the bundled fixtures, as request headers.
DEFAULT_HEADERS: dict[str, dict[str, str]] = {
    "promptlayer": {"X-API-KEY": "pl-demo-key"},
    "lunary": {"Authorization": "Bearer 11111111-1111-4111-8111-111111111111"},
    "omni": {"Authorization": "Bearer omni-demo-editor"},
}


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("draftmock")
    group.addoption("--draftmock-url", default=None, help="use a running draftmock at this URL")
    parser.addini("draftmock_async_delay", "seconds of clock time async work takes", default="2")


@dataclass
class DraftmockServer:
    url: str
    runtime: Any = None  # the in-process runtime, when the plugin started the server
    # On a server the plugin did not start (``--draftmock-url``, perhaps shared with others),
    # this run's tests use a session of their own and never touch anyone else's state.
    session: str | None = None
    run_id: str = ""


@dataclass
class Draftmock:
    """One test's handle on the mock: clients per API and control of time and state."""

    url: str
    session: str | None = None
    _clients: list[httpx.Client] = field(default_factory=list)

    def _headers(self) -> dict[str, str]:
        return {"X-Draftmock-Session": self.session} if self.session else {}

    def base_url(self, api: str) -> str:
        return f"{self.url}/{api}"

    def client(self, api: str, **headers: str) -> httpx.Client:
        """An httpx client on ``api`` with its default credentials (override via ``headers``)."""
        import httpx

        merged = {**DEFAULT_HEADERS.get(api, {}), **self._headers()}
        merged.update({name.replace("_", "-"): value for name, value in headers.items()})
        client = httpx.Client(base_url=self.base_url(api), headers=merged, timeout=30)
        self._clients.append(client)
        return client

    def boto3_client(self, service: str = "bedrock-agentcore-control", **kwargs: Any) -> Any:
        """A boto3 client for the AgentCore mock with the default fixture's credentials."""
        import boto3

        options = {
            "endpoint_url": self.base_url("agentcore"),
            "region_name": "us-east-1",
            "aws_access_key_id": "draftmock",
            "aws_secret_access_key": "draftmock",
            **kwargs,
        }
        client = boto3.client(service, **options)
        if self.session:
            session = self.session
            client.meta.events.register(
                "before-send.*",
                lambda request, **_: request.headers.__setitem__("X-Draftmock-Session", session),
            )
        return client

    def control(self, method: str, path: str, json: Any = None) -> Any:
        import httpx

        response = httpx.request(
            method, f"{self.url}/__draftmock/{path}", json=json, headers=self._headers(), timeout=30
        )
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float) -> Any:
        """Move the virtual clock forward; due jobs run. Returns the clock and the jobs that ran."""
        return self.control("POST", "clock/advance", {"seconds": seconds})

    def freeze(self) -> Any:
        return self.control("POST", "clock/freeze")

    def resume(self) -> Any:
        return self.control("POST", "clock/resume")

    def now(self) -> float:
        return float(self.control("GET", "clock")["now"])

    def jobs(self, api: str | None = None) -> list[dict[str, Any]]:
        path = f"jobs?api={api}" if api else "jobs"
        jobs: list[dict[str, Any]] = self.control("GET", path)["jobs"]
        return jobs

    def run_jobs(self, api: str | None = None) -> list[dict[str, Any]]:
        ran: list[dict[str, Any]] = self.control("POST", "jobs/run", {"api": api} if api else {})[
            "ran"
        ]
        return ran

    def reset(self, api: str | None = None) -> None:
        """Back to the fixtures: this handle's own state only (its session, or the default
        state of the plugin's own server)."""
        self.control("POST", "reset", {"api": api} if api else {})

    def close(self) -> None:
        for client in self._clients:
            client.close()


@pytest.fixture(scope="session")
def draftmock_server(pytestconfig: pytest.Config) -> Iterator[DraftmockServer]:
    import secrets

    run_id = secrets.token_hex(4)
    external = pytestconfig.getoption("--draftmock-url")
    if external:
        server = DraftmockServer(
            url=str(external).rstrip("/"), session=f"pytest-{run_id}", run_id=run_id
        )
        yield server
        # Never used by a test, or the server is gone: then there is nothing to leave behind.
        with contextlib.suppress(Exception):
            Draftmock(server.url).control("DELETE", f"sessions/{server.session}")
        return
    from draftmock.assembly import build_runtime
    from draftmock.clock import VirtualClock
    from draftmock.server.app import DraftmockApp
    from draftmock.testing import LiveServer
    from draftmock.vendors._kit import Settings

    delay = float(pytestconfig.getini("draftmock_async_delay"))
    runtime = build_runtime(clock=VirtualClock(frozen=True), settings=Settings(async_delay=delay))
    with LiveServer(DraftmockApp(runtime)) as live:
        yield DraftmockServer(url=live.url, runtime=runtime, run_id=run_id)


@pytest.fixture
def draftmock(draftmock_server: DraftmockServer) -> Iterator[Draftmock]:
    handle = Draftmock(draftmock_server.url, session=draftmock_server.session)
    handle.reset()
    handle.control("DELETE", "faults")
    handle.control("DELETE", "progression")
    if draftmock_server.runtime is not None:  # a server of our own: time stands still again
        handle.freeze()
    yield handle
    handle.close()


@pytest.fixture
def draftmock_session(
    draftmock_server: DraftmockServer, request: pytest.FixtureRequest
) -> Iterator[Draftmock]:
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid)[-110:]
    name = f"{draftmock_server.run_id}-{test}"  # two runs of one suite never share a session
    handle = Draftmock(draftmock_server.url, session=name)
    handle.reset()
    yield handle
    handle.control("DELETE", f"sessions/{name}")  # long suites do not pile up states
    handle.close()
