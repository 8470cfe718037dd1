"""Real server processes on a store: killed with SIGKILL under load and restarted, and racing
each other through ``--workers 2`` (SQLite) or two servers on one PostgreSQL database."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest

from draftmock.clock import iso
from tests.support.agentcore import FIXTURE_DATASET, client

PL = {"X-API-KEY": "pl-demo-key"}
V2 = "/api/public/v2"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``draftmock serve --state ...`` in its own process."""

    def __init__(self, state: str, *extra: str) -> None:
        self.state = state
        self.extra = extra
        self.port = _free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        command = [sys.executable, "-m", "draftmock", "serve", "--port", str(self.port)]
        command += ["--state", self.state, "--quiet", "--option", "omni.rate_limit=0", *self.extra]
        self.proc = subprocess.Popen(command, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(self.proc.stderr.read().decode() if self.proc.stderr else "")
            try:
                if httpx.get(f"{self.url}/__draftmock/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def control(self, method: str, path: str, json: Any = None) -> Any:
        response = httpx.request(method, f"{self.url}/__draftmock/{path}", json=json, timeout=30)
        assert response.status_code < 300, response.text
        return response.json()


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


@pytest.mark.slow
def test_every_acknowledged_write_survives_kill_9(sqlite_path: str, servers: list[Server]) -> None:
    server = Server(sqlite_path)
    servers.append(server)
    acknowledged: dict[str, int] = {}
    stop = threading.Event()

    def write(thread: int) -> None:
        with httpx.Client(base_url=f"{server.url}/promptlayer", headers=PL, timeout=10) as http:
            for i in range(100_000):
                if stop.is_set():
                    return
                name = f"load-{thread}-{i}"
                try:
                    reply = http.post(f"{V2}/dataset-groups", json={"name": name})
                except httpx.HTTPError:
                    return  # the server is gone
                assert reply.status_code == 201, reply.text
                acknowledged[name] = reply.json()["dataset_group"]["id"]

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 30
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    server.kill()  # SIGKILL in the middle of the load
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    assert len(acknowledged) >= 200
    server.start()
    with httpx.Client(base_url=f"{server.url}/promptlayer", headers=PL, timeout=10) as http:
        for name, group_id in acknowledged.items():
            again = http.post(f"{V2}/dataset-groups", json={"name": name})
            assert again.status_code == 400, f"{name} was acknowledged but is lost"
            listing = http.get(f"{V2}/datasets", params={"dataset_group_id": group_id})
            datasets = listing.json()["datasets"]
            # The group and its first draft were made by one request: both or neither.
            assert [d["version_number"] for d in datasets] == [-1], name
        # Nothing after the acknowledged ones is half there: the next group gets a fresh id.
        fresh = http.post(f"{V2}/dataset-groups", json={"name": "after-restart"})
        assert fresh.status_code == 201
        assert fresh.json()["dataset_group"]["id"] not in acknowledged.values()


@pytest.mark.slow
def test_a_job_pending_at_kill_9_runs_at_its_due_time_after_restart(
    sqlite_path: str, servers: list[Server]
) -> None:
    server = Server(sqlite_path)
    servers.append(server)
    server.control("POST", "clock/freeze")
    saved = httpx.post(
        f"{server.url}/promptlayer{V2}/dataset-versions/save-draft",
        json={"dataset_group_id": 124},
        headers=PL,
    )
    assert saved.status_code == 202
    (job,) = server.control("GET", "jobs")["jobs"]
    server.kill()
    server.start()
    assert server.control("GET", "jobs")["jobs"] == [job]
    clock = server.control("GET", "clock")
    assert clock["frozen"] is True
    ran = server.control("POST", "clock/advance", {"seconds": job["due"] - clock["now"]})["ran"]
    assert [j["id"] for j in ran] == [job["id"]]
    listing = httpx.get(
        f"{server.url}/promptlayer{V2}/datasets", params={"dataset_group_id": 124}, headers=PL
    ).json()["datasets"]
    (draft,) = [d for d in listing if d["id"] == job["payload"]["draft_id"]]
    assert draft["version_number"] == 3
    assert draft["updated_at"] == iso(job["due"])  # finished at its due time, not at restart


def _race(urls: list[str], call: Callable[[str], Any], count: int = 64) -> list[Any]:
    """``count`` calls leaving together, spread over ``urls``."""
    start = threading.Barrier(count)

    def one(index: int) -> Any:
        start.wait(timeout=60)
        return call(urls[index % len(urls)])

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(one, range(count)))


def _check_races(urls: list[str]) -> None:
    def create_draft(url: str) -> tuple[int, Any]:
        reply = httpx.post(
            f"{url}/promptlayer{V2}/dataset-versions/create-draft",
            json={"dataset_group_id": 123},
            headers=PL,
            timeout=60,
        )
        return reply.status_code, reply.json()

    replies = _race(urls, create_draft)
    statuses = sorted(status for status, _ in replies)
    assert statuses == [201] + [409] * 63
    conflict = next(body for status, body in replies if status == 409)
    assert conflict["success"] is False  # the documented 409 body

    def omni_draft(url: str) -> tuple[int, str]:
        reply = httpx.post(
            f"{url}/omni/v1/documents/93874a87/draft",
            headers={"Authorization": "Bearer omni-demo-editor"},
            timeout=60,
        )
        return reply.status_code, reply.json()["identifier"]

    drafts = _race(urls, omni_draft)
    assert {status for status, _ in drafts} == {200}
    assert len({identifier for _, identifier in drafts}) == 1

    clients = {url: client(url) for url in urls}
    token = "race-token-0123456789abcdef0123456789"

    def publish(url: str) -> str:
        reply = clients[url].create_dataset_version(datasetId=FIXTURE_DATASET, clientToken=token)
        version: str = reply["datasetVersion"]
        return version

    assert set(_race(urls, publish)) == {"2"}


@pytest.mark.slow
def test_races_over_two_workers_on_sqlite(sqlite_path: str, servers: list[Server]) -> None:
    server = Server(sqlite_path, "--workers", "2")
    servers.append(server)
    _check_races([server.url])


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:  # gone meanwhile
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _sockets_of(pid: int) -> set[str]:
    """The inodes of the sockets process ``pid`` holds open."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    return inodes


def _connections_to(port: int) -> set[str]:
    """The inodes of the established TCP connections whose local end is ``port``."""
    inodes = set()
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if int(fields[1].rpartition(":")[2], 16) == port and fields[3] == "01":
            inodes.add(fields[9])
    return inodes


@pytest.mark.slow
def test_the_workers_share_the_connections(sqlite_path: str, servers: list[Server]) -> None:
    server = Server(sqlite_path, "--workers", "2")
    servers.append(server)
    assert server.proc is not None
    clients = [httpx.Client(base_url=server.url, timeout=30) for _ in range(16)]
    try:
        for each in clients:  # 16 keep-alive connections, each kept open
            assert each.get("/__draftmock/health").status_code == 200
        children = _children(server.proc.pid)
        assert len(children) == 3  # two workers and the state process
        accepted = _connections_to(server.port)
        assert len(accepted) == 16
        # Each worker accepts on a socket of its own: neither is left without connections
        # (all 16 on one would happen once in 2**15 starts). The state process holds none.
        shares = sorted(len(_sockets_of(pid) & accepted) for pid in children)
        assert sum(shares) == 16 and shares[0] == 0 and shares[1] > 0, shares
    finally:
        for each in clients:
            each.close()


@pytest.mark.slow
@pytest.mark.parametrize("store", ["postgres_url", "sqlite_path"])
def test_races_over_two_servers_on_one_store(
    store: str, request: pytest.FixtureRequest, servers: list[Server]
) -> None:
    """Two servers, each running requests itself on one store (PostgreSQL, or one SQLite
    file): the store's lock and log keep the rules across them."""
    state = request.getfixturevalue(store)
    first = Server(state)
    servers.append(first)
    second = Server(state)
    servers.append(second)
    _check_races([first.url, second.url])
    assert first.control("GET", "state") == second.control("GET", "state")


def test_workers_need_a_store() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "draftmock", "serve", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ},
    )
    assert done.returncode == 2
    assert "--workers" in done.stderr and "--state" in done.stderr
