"""Throughput, latency and memory of draftmock beside Stoplight Prism, in one run.

    python bench/run.py [--scenario create-draft|create-group|create-group-sessions] [--duration 10] [--connections 32]
                        [--rounds 3] [--servers draftmock,sqlite,sqlite-w2,postgres,prism]

Needs `wrk` (Debian package) and Prism (`npm ci --prefix bench`). Both servers serve
specs/promptlayer.yaml on loopback and receive the same requests. Prism answers its static 201
example; draftmock does the full stateful path: authentication, request validation, the vendor's
rule under the world lock, the reply built by the vendor module and validated against the spec.

- `create-draft` (default): the seed 000 request (`POST /api/public/v2/dataset-versions/create-draft`,
  `{"dataset_group_id": 123}`, X-API-KEY), as the perf baseline measured it. After the first 201
  every draftmock reply is the documented 409 (the one-draft rule), counted as non-2xx.
- `create-group`: `POST /api/public/v2/dataset-groups` with a new name each request, so every
  draftmock request writes a group and its draft (201); RSS then includes the state it built.
- `create-group-sessions`: the same, spread round-robin over 8 sessions (`X-Draftmock-Session`),
  as a team or a parallel test suite sharing one mock sends them (Prism ignores the header).

Rounds are interleaved, a fresh server process each round; medians are reported, with the
1-minute load average when each measurement began (the machine may be shared). `sqlite`,
`sqlite-w2` and `postgres` are draftmock keeping its state with `--state` (a new SQLite file or
PostgreSQL database per round; `-w2`: `--workers 2`). PostgreSQL: the server
DRAFTMOCK_BENCH_POSTGRES_URL names, or a throwaway cluster started for the run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
SPEC = ROOT / "specs" / "promptlayer.yaml"
SCENARIOS = {  # name: (path, wrk script)
    "create-draft": ("/api/public/v2/dataset-versions/create-draft", "create_draft.lua"),
    "create-group": ("/api/public/v2/dataset-groups", "create_group.lua"),
    "create-group-sessions": ("/api/public/v2/dataset-groups", "create_group_sessions.lua"),
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, timeout: float = 30) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.monotonic() - started
        except OSError:
            time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {port}")


def tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (npx starts node as a child)."""
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        try:
            status = Path(f"/proc/{current}/status").read_text()
            total += int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
            todo.extend(int(c) for c in children)
        except (OSError, AttributeError):
            continue
    return total / 1024


def draftmock(*extra: str) -> Any:
    return lambda port: [
        sys.executable,
        "-m",
        "draftmock",
        "serve",
        "--port",
        str(port),
        "--quiet",
        *extra,
    ]


class Stores:
    """A new, empty store for each measured server: a SQLite file, a PostgreSQL database."""

    def __init__(self) -> None:
        self.directory = Path(tempfile.mkdtemp(prefix="draftmock-bench-"))
        self.postgres_server = os.environ.get("DRAFTMOCK_BENCH_POSTGRES_URL")
        self.postgres_dir: Path | None = None

    def sqlite(self) -> str:
        return str(self.directory / f"state-{time.monotonic_ns()}.db")

    def postgres(self) -> str:
        if self.postgres_server is None:  # a throwaway cluster for this run
            sys.path.insert(0, str(ROOT))
            from tests.support import postgres

            self.postgres_dir = postgres.new_directory()
            self.postgres_server = postgres.start(self.postgres_dir)
        import psycopg

        name = f"bench_{time.monotonic_ns()}"
        with psycopg.connect(self.postgres_server, autocommit=True) as admin:
            admin.execute(f"CREATE DATABASE {name}")
        return self.postgres_server.rsplit("/", 1)[0] + f"/{name}"

    def close(self) -> None:
        if self.postgres_dir is not None:
            from tests.support import postgres

            postgres.stop(self.postgres_dir)
            shutil.rmtree(self.postgres_dir, ignore_errors=True)
        shutil.rmtree(self.directory, ignore_errors=True)


STORES = Stores()
SERVERS = {
    "draftmock": draftmock(),
    "sqlite": lambda port: draftmock("--state", STORES.sqlite())(port),
    "sqlite-w2": lambda port: draftmock("--state", STORES.sqlite(), "--workers", "2")(port),
    "postgres": lambda port: draftmock("--state", STORES.postgres())(port),
    "prism": lambda port: [
        str(BENCH / "node_modules" / ".bin" / "prism"),
        "mock",
        str(SPEC),
        "-p",
        str(port),
        "-h",
        "127.0.0.1",
        "-v",
        "silent",
    ],
}
BASE = dict.fromkeys(SERVERS, "/promptlayer") | {"prism": ""}


def wrk(url: str, script: str, duration: int, connections: int) -> dict[str, float]:
    out = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{duration}s",
            "--latency",
            "-s",
            str(BENCH / script),
            url,
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout

    def latency(label: str) -> float:
        value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),  # type: ignore[union-attr]
        "p50_ms": latency("50%"),
        "p99_ms": latency("99%"),
        "non_2xx": float(non2xx.group(1)) if non2xx else 0.0,
    }


def measure(name: str, scenario: str, duration: int, connections: int) -> dict[str, float]:
    path, script = SCENARIOS[scenario]
    port = free_port()
    proc = subprocess.Popen(
        SERVERS[name](port),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        cold = wait_for(port)
        url = f"http://127.0.0.1:{port}{BASE[name]}{path}"
        wrk(url, script, 3, connections)  # warm-up
        load = os.getloadavg()[0]  # the machine is shared: say how busy it was
        result = wrk(url, script, duration, connections)
        result["load"] = load
        result["rss_mb"] = tree_rss_mb(proc.pid)
        result["cold_start_s"] = cold
        return result
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--scenario", choices=sorted(SCENARIOS), default="create-draft")
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--servers",
        default="draftmock,prism",
        help=f"comma-separated, from {', '.join(SERVERS)} (default draftmock,prism); "
        "sqlite, sqlite-w2 and postgres are draftmock with --state (w2: --workers 2)",
    )
    args = parser.parse_args()
    names = args.servers.split(",")
    if unknown := set(names) - set(SERVERS):
        parser.error(f"unknown server(s): {', '.join(sorted(unknown))}")
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in names}
    try:
        for _ in range(args.rounds):
            for name in names:
                runs[name].append(measure(name, args.scenario, args.duration, args.connections))
    finally:
        STORES.close()
    summary = {
        name: {key: statistics.median(r[key] for r in results) for key in results[0]}
        for name, results in runs.items()
    }
    print(
        f"scenario {args.scenario}, {args.rounds} round(s) of {args.duration} s at c{args.connections}"
    )
    print(
        f"{'server':<10} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'RSS MB':>8} {'start s':>8}"
        f" {'non-2xx':>9} {'load':>6}"
    )
    for name, s in summary.items():
        print(
            f"{name:<10} {s['rps']:>9.0f} {s['p50_ms']:>8.2f} {s['p99_ms']:>8.2f} "
            f"{s['rss_mb']:>8.1f} {s['cold_start_s']:>8.2f} {s['non_2xx']:>9.0f} {s['load']:>6.1f}"
        )
    if "draftmock" in summary and "prism" in summary:
        print(
            f"throughput ratio draftmock/prism: {summary['draftmock']['rps'] / summary['prism']['rps']:.2f}"
        )
    for name in ("sqlite", "sqlite-w2", "postgres"):
        if name in summary and "draftmock" in summary:
            ratio = summary[name]["rps"] / summary["draftmock"]["rps"]
            print(f"throughput ratio {name}/in-memory: {ratio:.2f}")
    out = BENCH / "results"
    out.mkdir(exist_ok=True)
    (out / f"{args.scenario}-{int(time.time())}.json").write_text(
        json.dumps({"scenario": args.scenario, "runs": runs, "median": summary}, indent=2)
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
