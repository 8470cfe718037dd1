"""``draftmock serve`` as a real process on a free loopback port, for tests of the command line;
and one document served in-process over a real socket (``served_document``)."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Served:
    url: str
    process: subprocess.Popen[str]
    stderr: str = ""  # what the process wrote, once it has stopped


@contextmanager
def serve_process(*arguments: str, start_timeout: float = 90) -> Iterator[Served]:
    """Run ``draftmock serve ARGUMENTS --port P``, wait until it answers, stop it with SIGINT."""
    port = free_port()
    command = [sys.executable, "-m", "draftmock", "serve", *arguments, "--port", str(port)]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    served = Served(f"http://127.0.0.1:{port}", process)
    try:
        _wait_until_answering(served, start_timeout)
        yield served
    finally:
        process.send_signal(signal.SIGINT)
        _, served.stderr = process.communicate(timeout=60)


def _wait_until_answering(served: Served, timeout: float) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while True:
        try:
            httpx.get(f"{served.url}/__draftmock/health", timeout=2)
            return
        except httpx.TransportError:
            if served.process.poll() is not None:
                raise AssertionError(
                    served.process.stderr.read() if served.process.stderr else "exited"
                ) from None
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.1)


@contextmanager
def served_document(path: Path) -> Iterator[httpx.Client]:
    """The OpenAPI document at ``path`` served at the root of a live server, and a client of it."""
    runtime = build_runtime(documents=[(None, path)])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as client:
        yield client
