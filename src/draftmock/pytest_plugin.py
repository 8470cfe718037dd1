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

The server the plugin starts is configured in the ini file (``pytest.ini``, ``[tool.pytest.ini_options]``)::

    draftmock_apis = promptlayer lunary            # the APIs served (default: all)
    draftmock_fixtures = tests/mock-data           # fixture files or directories, instead of
                                                   # the bundled ones (relative to the ini file)
    draftmock_options = lunary.rate_limit=0        # settings, as ``serve --option`` (one a line)
    draftmock_async_delay = 2                      # seconds of clock time async work takes

and per test (or module, with ``pytestmark``) with the ``draftmock`` marker, whose arguments
replace the ini's: ``@pytest.mark.draftmock(apis=["omni"], fixtures=["data/omni.yaml"],
options={"omni": {"rate_limit": 0}})`` (marker paths are relative to the test's file). Each
distinct configuration gets one server for the whole run, shared by the tests that ask for it.

This module is imported by every pytest run where draftmock is installed, so it imports nothing
heavy at module level.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
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
    parser.addini("draftmock_apis", "APIs the plugin's server serves (default: all)", type="args")
    parser.addini(
        "draftmock_fixtures",
        "fixture files or directories the plugin's server loads instead of the bundled ones",
        type="paths",
    )
    parser.addini(
        "draftmock_options", "API.NAME=VALUE settings of the plugin's server", type="linelist"
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "draftmock(apis=None, fixtures=None, options=None): the draftmock server this test uses "
        "(APIs served, fixture files, API.NAME=VALUE settings or {api: {name: value}})",
    )


@dataclass(frozen=True)
class ServerConfig:
    """What a server the plugin starts serves: one server per distinct value in a run."""

    apis: tuple[str, ...] | None
    fixtures: tuple[str, ...] | None
    options: tuple[tuple[str, str, str], ...]  # (api, name, value as JSON)
    async_delay: float

    def describe(self) -> str:
        return f"apis={self.apis}, fixtures={self.fixtures}, options={self.options}"


def _options(value: Any, origin: str) -> tuple[tuple[str, str, str], ...]:
    """``["omni.rate_limit=0"]`` or ``{"omni": {"rate_limit": 0}}`` -> sorted triples."""
    import json

    triples: list[tuple[str, str, str]] = []
    if isinstance(value, dict):
        for api, settings in value.items():
            if not isinstance(settings, dict):
                raise pytest.UsageError(f"{origin}: options[{api!r}] must be a dict of settings")
            triples.extend((api, name, json.dumps(v)) for name, v in settings.items())
        return tuple(sorted(triples))
    for pair in [value] if isinstance(value, str) else list(value or []):
        key, sep, raw = str(pair).partition("=")
        api, dot, name = key.strip().partition(".")
        if not sep or not dot or not api or not name:
            raise pytest.UsageError(f"{origin}: {pair!r}: expected API.NAME=VALUE")
        try:
            parsed: Any = json.loads(raw)
        except ValueError:
            parsed = raw.strip()
        triples.append((api, name, json.dumps(parsed)))
    return tuple(sorted(triples))


def _ini_config(config: pytest.Config) -> ServerConfig:
    apis = [str(a) for a in config.getini("draftmock_apis")]
    fixtures = [str(p) for p in config.getini("draftmock_fixtures")]
    return ServerConfig(
        apis=tuple(apis) if apis else None,
        fixtures=tuple(fixtures) if fixtures else None,
        options=_options(config.getini("draftmock_options"), "draftmock_options"),
        async_delay=float(config.getini("draftmock_async_delay")),
    )


def _marked_config(base: ServerConfig, marker: pytest.Mark, test_file: Path) -> ServerConfig:
    unknown = set(marker.kwargs) - {"apis", "fixtures", "options"}
    if marker.args or unknown:
        raise pytest.UsageError(
            f"{test_file}: @pytest.mark.draftmock takes only apis=, fixtures= and options="
        )

    def names(value: Any) -> tuple[str, ...]:
        return tuple(value.split()) if isinstance(value, str) else tuple(str(v) for v in value)

    apis = marker.kwargs.get("apis")
    fixtures = marker.kwargs.get("fixtures")
    return ServerConfig(
        apis=names(apis) if apis is not None else base.apis,
        fixtures=(
            tuple(str(test_file.parent / f) for f in names(fixtures))
            if fixtures is not None
            else base.fixtures
        ),
        options=(
            _options(marker.kwargs["options"], f"{test_file}: draftmock marker")
            if "options" in marker.kwargs
            else base.options
        ),
        async_delay=base.async_delay,
    )


class _Servers:
    """The servers the plugin started in this run, by configuration."""

    def __init__(self) -> None:
        self.started: dict[ServerConfig, DraftmockServer] = {}
        self.stack = contextlib.ExitStack()

    def get(self, config: ServerConfig, run_id: str) -> DraftmockServer:
        if config not in self.started:
            self.started[config] = self._start(config, run_id)
        return self.started[config]

    def _start(self, config: ServerConfig, run_id: str) -> DraftmockServer:
        import json

        from draftmock.assembly import build_runtime
        from draftmock.clock import VirtualClock
        from draftmock.errors import ConfigError, FixtureError
        from draftmock.server.app import DraftmockApp
        from draftmock.testing import LiveServer
        from draftmock.vendors._kit import Settings

        options: dict[str, dict[str, Any]] = {}
        for api, name, value in config.options:
            options.setdefault(api, {})[name] = json.loads(value)
        try:
            runtime = build_runtime(
                apis=config.apis,
                fixtures=[Path(f) for f in config.fixtures] if config.fixtures else None,
                clock=VirtualClock(frozen=True),
                settings=Settings(async_delay=config.async_delay, options=options),
            )
        except (ConfigError, FixtureError) as error:
            raise pytest.UsageError(f"draftmock ({config.describe()}): {error}") from None
        live = self.stack.enter_context(LiveServer(DraftmockApp(runtime)))
        return DraftmockServer(url=live.url, runtime=runtime, run_id=run_id)


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
def _draftmock_servers() -> Iterator[_Servers]:
    servers = _Servers()
    with servers.stack:
        yield servers


@pytest.fixture(scope="session")
def draftmock_server(
    pytestconfig: pytest.Config, _draftmock_servers: _Servers
) -> Iterator[DraftmockServer]:
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
    yield _draftmock_servers.get(_ini_config(pytestconfig), run_id)


def _server_for(request: pytest.FixtureRequest) -> DraftmockServer:
    """The ini's server, or the one the test's ``draftmock`` marker asks for."""
    default: DraftmockServer = request.getfixturevalue("draftmock_server")
    marker = request.node.get_closest_marker("draftmock")
    if marker is None:
        return default
    if default.runtime is None:
        pytest.fail(
            "@pytest.mark.draftmock configures a server the plugin starts; with "
            "--draftmock-url, seed data through draftmock.control('POST', 'seed', ...)",
            pytrace=False,
        )
    servers: _Servers = request.getfixturevalue("_draftmock_servers")
    config = _marked_config(_ini_config(request.config), marker, Path(str(request.path)))
    return servers.get(config, default.run_id)


@pytest.fixture
def draftmock(request: pytest.FixtureRequest) -> Iterator[Draftmock]:
    server = _server_for(request)
    handle = Draftmock(server.url, session=server.session)
    handle.reset()
    handle.control("DELETE", "faults")
    handle.control("DELETE", "progression")
    if server.runtime is not None:  # a server of our own: time stands still again
        handle.freeze()
    yield handle
    handle.close()


@pytest.fixture
def draftmock_session(request: pytest.FixtureRequest) -> Iterator[Draftmock]:
    server = _server_for(request)
    test = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.nodeid)[-110:]
    name = f"{server.run_id}-{test}"  # two runs of one suite never share a session
    handle = Draftmock(server.url, session=name)
    handle.reset()
    yield handle
    handle.control("DELETE", f"sessions/{name}")  # long suites do not pile up states
    handle.close()
