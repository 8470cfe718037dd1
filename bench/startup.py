"""Start-up of ``draftmock serve DOC``: wall time and the server's CPU time until it answers,
then the first requests (the first one to an operation compiles its validators).

    .venv/bin/python bench/startup.py DOC [PATH ...]      # e.g. DOC /meta /users/octocat
    .venv/bin/python bench/startup.py --builtin           # the four built-in APIs, for reference

CPU time is the honest figure on a shared machine: wall time grows with everyone else's load.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

DRAFTMOCK = Path(sys.executable).with_name("draftmock")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("document", nargs="?")
    parser.add_argument("paths", nargs="*")
    parser.add_argument("--builtin", action="store_true")
    args = parser.parse_args()
    port = _free_port()
    command = [str(DRAFTMOCK), "serve", "--port", str(port), "--quiet"]
    if not args.builtin:
        command.insert(2, args.document)
    started = time.perf_counter()
    server = subprocess.Popen(command, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        while True:
            try:
                httpx.get(f"{base}/__draftmock/health", timeout=1)
                break
            except httpx.TransportError:
                if server.poll() is not None:
                    raise SystemExit("the server exited") from None
                time.sleep(0.02)
        ready = time.perf_counter() - started
        print(f"ready after {ready:.2f} s wall, {_cpu_seconds(server.pid):.2f} s CPU")
        for path in args.paths:
            before = time.perf_counter()
            reply = httpx.get(f"{base}{path}", timeout=60)
            took = (time.perf_counter() - before) * 1000
            print(f"GET {path} -> {reply.status_code} in {took:.0f} ms")
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
