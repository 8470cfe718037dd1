"""Omni's rate limit set the way the README tells local users to: `draftmock serve --option
omni.rate_limit=N`, on a real process and port. The option wins over a seeded fixture."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx

VIEWER = {"Authorization": "Bearer omni-demo-viewer"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(*options: str) -> Iterator[str]:
    port = _free_port()
    command = [sys.executable, "-m", "draftmock", "serve", "--port", str(port), "--quiet"]
    for option in options:
        command += ["--option", option]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    root = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                httpx.get(f"{root}/__draftmock/health", timeout=1)
                break
            except httpx.TransportError:
                assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        yield root
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=60)


def test_a_lower_limit_answers_429_naming_it_and_wins_over_fixtures() -> None:
    with serving("omni.rate_limit=3") as root:
        models = f"{root}/omni/v1/models"
        for _ in range(3):
            assert httpx.get(models, headers=VIEWER).status_code == 200
        limited = httpx.get(models, headers=VIEWER)
        assert limited.status_code == 429
        assert limited.json() == {
            "error": "Too Many Requests",
            "message": "Too Many Requests - Rate limit exceeded (3 requests/minute)",
        }
        assert 50 <= int(limited.headers["Retry-After"]) <= 60  # counted from the first call
        seeded = httpx.post(
            f"{root}/__draftmock/seed", json={"api": "omni", "fixture": {"rate_limit": 0}}
        )
        assert seeded.status_code == 200
        assert httpx.get(models, headers=VIEWER).status_code == 429


def test_zero_turns_the_limit_off() -> None:
    with serving("omni.rate_limit=0") as root:
        with httpx.Client(base_url=f"{root}/omni", headers=VIEWER) as client:
            statuses = {client.get("/v1/models").status_code for _ in range(75)}
        assert statuses == {200}
