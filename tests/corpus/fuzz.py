"""One document served by a mock, then fuzzed by Schemathesis: the figures of the corpus run.

The server (draftmock or Prism) serves the document at the root of a free loopback port;
Schemathesis runs in positive mode, examples and fuzzing phases, with a fixed seed and the checks
``not_a_server_error``, ``status_code_conformance``, ``content_type_conformance`` and
``response_schema_conformance``. A document is *clean* when the server started, Schemathesis
finished and no check failed.

One complaint is set aside, for either server: a 204 sent without content (as HTTP requires,
RFC 9110 §15.3.5) on an operation whose document describes a body for its 204 (AWS' converted
documents do). Schemathesis then reports a missing Content-Type and unparsable JSON; no reply
can be both a valid 204 and carry that body, so such a failure is counted as ``no_content``
(the document's defect), not against the server — only when every failing case behind it was
such a 204.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.corpus.corpus import name_of

ROOT = Path(__file__).resolve().parents[2]
PRISM = ROOT / "bench" / "node_modules" / ".bin" / "prism"
# Beside the running interpreter: the virtual environment's console scripts.
DRAFTMOCK = Path(sys.executable).parent / "draftmock"
SCHEMATHESIS = Path(sys.executable).parent / "st"
CHECKS = "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance"
# Schemathesis failure titles, by the figure they count towards.
KINDS = {
    "Server error": "server_error",
    "Undocumented status code": "undocumented_status",
    "Response violates schema": "off_schema",
    "JSON deserialization error": "off_schema",
    "Undocumented Content-Type": "content_type",
    "Missing Content-Type header": "content_type",
    "Malformed media type": "content_type",
}


@dataclass
class Result:
    document: str
    server: str
    started: bool = False
    start_seconds: float | None = None
    failures: dict[str, list[str]] = field(default_factory=dict)  # kind -> operations
    errors: list[str] = field(default_factory=list)  # Schemathesis' own errors (network, schema)
    # kind -> operations whose only failing replies were 204s without content (set aside)
    no_content: dict[str, list[str]] = field(default_factory=dict)
    exit_code: int | None = None
    seconds: float = 0.0
    note: str = ""

    @property
    def clean(self) -> bool:
        return self.started and not self.failures and self.exit_code is not None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(port: int, process: subprocess.Popen[bytes], timeout: float) -> float | None:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if process.poll() is not None:
            return None
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.monotonic() - started
        except OSError:
            time.sleep(0.05)
    return None


def server_command(server: str, document: Path, port: int) -> list[str]:
    if server == "prism":
        return [str(PRISM), "mock", str(document), "-h", "127.0.0.1", "-p", str(port)]
    return [str(DRAFTMOCK), "serve", str(document), "--port", str(port), "--seed", "1", "--quiet"]


def run_one(
    server: str, document: Path, *, max_examples: int, budget: float, start_timeout: float
) -> Result:
    result = Result(name_of(document), server)
    port = free_port()
    began = time.monotonic()
    with tempfile.TemporaryDirectory() as scratch:
        log = Path(scratch) / "server.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                server_command(server, document, port),
                stdout=sink,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            result.start_seconds = wait_for(port, process, start_timeout)
            if result.start_seconds is None:
                result.note = log.read_text(errors="replace")[-600:]
                return result
            result.started = True
            report = Path(scratch) / "report.json"
            events = Path(scratch) / "events.ndjson"
            command = [
                str(SCHEMATHESIS), "run", str(document),
                "--url", f"http://127.0.0.1:{port}",
                "--phases", "examples,fuzzing", "--mode", "positive", "--checks", CHECKS,
                "--max-examples", str(max_examples), "--seed", "1", "--workers", "1",
                "--request-timeout", "20", "--no-color",
                "--generation-database", "none",
                "--report", "json,ndjson", "--report-json-path", str(report),
                "--report-ndjson-path", str(events),
            ]  # fmt: skip
            try:
                done = subprocess.run(command, capture_output=True, timeout=budget, cwd=scratch)
                result.exit_code = done.returncode
            except subprocess.TimeoutExpired:
                result.note = f"Schemathesis did not finish within {budget:.0f} s"
            parsed = _report(report)
            if parsed is not None:
                bodiless = _only_on_bodiless_204(events)
                for failure in parsed.get("failures", []):
                    title = failure.get("title", "")
                    kind = KINDS.get(title, title or "other")
                    for operation in failure.get("operations", []):
                        aside = (title, operation) in bodiless
                        target = result.no_content if aside else result.failures
                        target.setdefault(kind, []).append(operation)
                result.errors = [
                    f"{e['title']} x{e.get('count', 1)}" for e in parsed.get("errors", [])
                ]
            elif not result.note:
                result.note = (done.stdout + done.stderr).decode(errors="replace")[-600:]
        finally:
            _stop(process)
    result.seconds = time.monotonic() - began
    return result


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End the server and whatever it started (its own process group), if still running."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except ProcessLookupError:
        process.wait()
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def _report(path: Path) -> dict[str, Any] | None:
    """Schemathesis' JSON report; None when it was not written (a run cut short)."""
    try:
        parsed = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return parsed if isinstance(parsed, dict) else None


# The complaints a 204 without content draws where the document describes a body for it.
_NO_CONTENT_TITLES = frozenset({"Missing Content-Type header", "JSON deserialization error"})


def _only_on_bodiless_204(events: Path) -> set[tuple[str, str]]:
    """(failure title, operation) pairs whose every failing check, in Schemathesis' NDJSON event
    report, judged a 204 reply without content."""
    bodiless: set[tuple[str, str]] = set()
    other: set[tuple[str, str]] = set()
    try:
        lines = events.read_text().splitlines()
    except OSError:
        return set()
    for line in lines:
        try:
            event = json.loads(line).get("ScenarioFinished")
        except (ValueError, AttributeError):
            continue
        if not isinstance(event, dict):
            continue
        recorder = event.get("recorder") or {}
        interactions = recorder.get("interactions") or {}
        for case_id, checks in (recorder.get("checks") or {}).items():
            response = (interactions.get(case_id) or {}).get("response") or {}
            empty = response.get("status_code") == 204 and not (
                (response.get("content") or {}).get("$base64")
            )
            for check in checks:
                failure = (check.get("failure_info") or {}).get("failure")
                if check.get("status") != "failure" or not isinstance(failure, dict):
                    continue
                key = (str(failure.get("title")), str(failure.get("operation")))
                (bodiless if empty and key[0] in _NO_CONTENT_TITLES else other).add(key)
    return bodiless - other


def summary(results: list[Result], server: str) -> dict[str, int]:
    mine = [r for r in results if r.server == server]
    return {
        "documents": len(mine),
        "started": sum(r.started for r in mine),
        "clean": sum(r.clean for r in mine),
        "server_error": sum("server_error" in r.failures for r in mine),
        "off_schema": sum("off_schema" in r.failures for r in mine),
        "undocumented_status": sum("undocumented_status" in r.failures for r in mine),
        "content_type": sum("content_type" in r.failures for r in mine),
        "no_content_set_aside": sum(bool(r.no_content) for r in mine),
        "schemathesis_errors": sum(bool(r.errors) for r in mine),
    }
