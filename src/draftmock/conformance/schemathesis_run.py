"""Schemathesis' phases (examples, coverage, fuzzing, stateful) against a spec and a base URL.

Why the ``schemathesis`` command in a subprocess rather than its Python engine:

- The command line and its config file are Schemathesis' documented, stable interface; the
  engine (``schemathesis.engine``) is internal and changes between minor releases.
- Its JSON and JUnit reports, exit codes and per-phase statuses come for free and are exactly
  what a user running ``schemathesis run`` by hand would see, so a failure reproduces outside
  draftmock with the command line we print.
- Isolation: Hypothesis keeps global state (settings profiles, the example database), and a
  run must not leak into the caller (pytest, or another API's run). A child process also runs
  on its own core while the in-process mock serves requests from the parent.
- SigV4 signing (AgentCore) plugs in through Schemathesis' ``SCHEMATHESIS_HOOKS`` mechanism
  (``draftmock.conformance.sigv4_hooks``), which the command supports.

The child runs in a scratch directory so Schemathesis' ``.schemathesis/`` cache (replayed crashes)
never lands in, or is replayed from, the user's working directory.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SCHEMATHESIS_PHASES = ("examples", "coverage", "fuzzing", "stateful")


@dataclass
class SchemathesisResult:
    command: list[str]
    exit_code: int
    duration: float
    phases: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> status, skip_reason
    failures: list[dict[str, Any]] = field(default_factory=list)
    errors: list[Any] = field(default_factory=list)
    test_cases: dict[str, Any] = field(default_factory=dict)
    warnings: dict[str, list[Any]] = field(default_factory=dict)
    junit_xml: str | None = None
    output: str = ""
    artifacts: list[str] = field(default_factory=list)  # HAR / VCR files kept for replay

    @property
    def passed(self) -> bool:
        return self.exit_code == 0

    def phase_details(self) -> dict[str, str]:
        """What each phase did, from Schemathesis' own output: its counts and, for the
        stateful phase, the scenarios run and the OpenAPI links covered."""
        return phase_details(self.output)

    @property
    def ran(self) -> bool:
        """False when Schemathesis stopped before testing (bad config, unreadable spec...)."""
        return bool(self.phases)

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "exit_code": self.exit_code,
            "duration": round(self.duration, 3),
            "phases": self.phases,
            "failures": self.failures,
            "errors": self.errors,
            "test_cases": self.test_cases,
            "warnings": {k: v for k, v in self.warnings.items() if v},
            "artifacts": self.artifacts,
        }


UNIT_PHASES = ("examples", "coverage", "fuzzing")
FAILED = ("failure", "error")


@dataclass
class EventCounts:
    """Where a run is, from Schemathesis' event stream (its NDJSON report): per phase, the
    operations done out of those selected (the stateful phase: scenarios run), and the
    operations failing so far."""

    operations: int = 0
    phase: str | None = None
    done: dict[str, int] = field(default_factory=dict)
    failing: set[str] = field(default_factory=set)  # "METHOD /path" labels

    def feed(self, event: dict[str, Any]) -> bool:
        """Take one event; True when what ``text`` says changed."""
        name, body = next(iter(event.items()), (None, None))
        if not isinstance(body, dict):
            return False
        if name == "LoadingFinished":
            operations = body.get("statistic", {}).get("operations", {})
            self.operations = int(operations.get("selected", operations.get("total", 0)))
            return True
        if name == "SuiteStarted":
            self.phase = str(body.get("phase"))
            self.done.setdefault(self.phase, 0)
            return True
        if name == "ScenarioFinished" and not body.get("is_final", False):
            phase = str(body.get("phase"))
            self.phase = phase
            self.done[phase] = self.done.get(phase, 0) + 1
            if body.get("status") in FAILED:
                self.failing.add(str((body.get("recorder") or {}).get("label", "?")))
            return True
        return False

    def text(self) -> str:
        if self.phase is None:
            return "loading the document"
        done = self.done.get(self.phase, 0)
        if self.phase in UNIT_PHASES:
            where = f"{self.phase} {done}/{self.operations} operations"
        else:
            where = f"{self.phase} {done} scenarios"
        failing = len(self.failing)
        return f"{where}, {failing} failing operation{'' if failing == 1 else 's'}"

    def phase_complete(self) -> bool:
        return (
            self.phase in UNIT_PHASES
            and self.operations > 0
            and self.done.get(self.phase, 0) >= self.operations
        )


class _EventTail:
    """Reads a growing NDJSON file in a thread, handing each complete event to ``on_event``."""

    def __init__(self, path: Path, on_event: Callable[[dict[str, Any]], None]) -> None:
        self.path = path
        self.on_event = on_event
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, name="schemathesis-events", daemon=True)
        self.offset = 0
        self.pending = b""

    def __enter__(self) -> _EventTail:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(timeout=10)
        self._read()  # what was written after the last poll

    def _run(self) -> None:
        while not self.stop.wait(0.25):
            self._read()

    def _read(self) -> None:
        try:
            with self.path.open("rb") as stream:
                stream.seek(self.offset)
                chunk = stream.read()
        except OSError:
            return  # not written yet
        self.offset += len(chunk)
        *lines, self.pending = (self.pending + chunk).split(b"\n")
        for line in lines:
            try:
                event = json.loads(line)
            except ValueError:
                continue
            if isinstance(event, dict):
                self.on_event(event)


PHASE_LINE = re.compile(r"^\s*\S+\s+(Examples|Coverage|Fuzzing|Stateful) \(in ([\d.]+)s\)\s*$")
COUNTS = re.compile(r"(\d+) (passed|failed|skipped|errored)")
LINKS = re.compile(r"API Links:\s+(.+?)\s*$")
SCENARIOS = re.compile(r"Scenarios:\s+(\d+)")


def phase_details(output: str) -> dict[str, str]:
    """``{"stateful": "4 scenarios: 4 passed; API links 3 covered / 25 selected ..."}``: the
    lines Schemathesis prints under each phase it ran (the command's output is its interface)."""
    details: dict[str, list[str]] = {}
    current: str | None = None
    for line in output.splitlines():
        header = PHASE_LINE.match(line)
        if header:
            current = header.group(1).lower()
            details[current] = [f"{header.group(2)} s"]
            continue
        if current is None:
            continue
        if line.lstrip().startswith("="):  # the next section (warnings, summary)
            current = None
            continue
        if scenarios := SCENARIOS.search(line):
            details[current].append(f"{scenarios.group(1)} scenarios")
        elif links := LINKS.search(line):
            details[current].append(f"API links {links.group(1)}")
        elif counts := COUNTS.findall(line):
            details[current].append(", ".join(f"{n} {what}" for n, what in counts))
    return {phase: "; ".join([*parts[1:], parts[0]]) for phase, parts in details.items()}


def schemathesis_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("schemathesis") is not None


def run_schemathesis(
    spec: Path,
    base_url: str,
    *,
    phases: Sequence[str] = SCHEMATHESIS_PHASES,
    headers: Mapping[str, str] | None = None,
    config: Path | None = None,
    max_examples: int = 25,
    seed: int = 1,
    hooks: str | None = None,
    env: Mapping[str, str] | None = None,
    mode: str | None = None,
    exclude_checks: Sequence[str] = (),
    operation_ids: Sequence[str] | None = None,
    timeout: float = 1800,
    on_line: Callable[[str], None] | None = None,
    on_event: Callable[[dict[str, Any]], None] | None = None,
    artifacts: Path | None = None,
    artifact_name: str = "schemathesis",
) -> SchemathesisResult:
    """One ``schemathesis run`` with every check enabled; the reports are parsed back.

    Every check: Schemathesis' default (since 4.0), so no ``--checks`` is passed. ``--checks all``
    would override what ``config`` turns off, for an operation (an ``[[operations]]`` entry with
    ``checks.<name>.enabled = false``) or for all; ``exclude_checks`` leaves checks out for every
    operation (``--exclude-checks``, which wins over the config file).

    ``operation_ids``: only these operations (None: every operation of the document).
    ``on_event``: each of Schemathesis' events as it happens (its NDJSON report, read while it
    is written). ``artifacts``: a directory where the run's HAR file and VCR cassette are kept
    (``<artifact_name>.har.json``, ``<artifact_name>.vcr.yaml``), to replay its requests."""
    with tempfile.TemporaryDirectory(prefix="draftmock-st-") as scratch:
        reports = Path(scratch) / "reports"
        events = Path(scratch) / "events.ndjson"
        kept: list[Path] = []
        formats = ["junit", "json", "ndjson"]
        extra: list[str] = ["--report-ndjson-path", str(events)]
        if artifacts is not None:
            kept = [
                artifacts / f"{artifact_name}.har.json",
                artifacts / f"{artifact_name}.vcr.yaml",
            ]
            formats += ["har", "vcr"]
            extra += ["--report-har-path", str(kept[0]), "--report-vcr-path", str(kept[1])]
        command = [sys.executable, "-m", "schemathesis.cli"]
        if config is not None:
            command += ["--config-file", str(config.resolve())]
        command += [
            "run",
            str(spec.resolve()),
            "--url",
            base_url,
            "--phases",
            ",".join(phases),
            "--max-examples",
            str(max_examples),
            "--seed",
            str(seed),
            "--continue-on-failure",
            "--workers",
            "1",
            "--no-color",
            "--report",
            ",".join(formats),
            "--report-dir",
            str(reports),
            *extra,
        ]
        if exclude_checks:
            command += ["--exclude-checks", ",".join(exclude_checks)]
        if mode is not None:
            command += ["--mode", mode]
        for operation_id in operation_ids or ():
            command += ["--include-operation-id", operation_id]
        for name, value in (headers or {}).items():
            command += ["--header", f"{name}: {value}"]
        child_env = {**os.environ, **(env or {}), "NO_COLOR": "1"}
        if hooks is not None:
            child_env["SCHEMATHESIS_HOOKS"] = hooks
        started = time.monotonic()
        lines: list[str] = []
        tail = _EventTail(events, on_event) if on_event is not None else contextlib.nullcontext()
        with (
            tail,
            subprocess.Popen(
                command,
                cwd=scratch,
                env=child_env,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
                encoding="utf-8",
                errors="replace",
            ) as proc,
        ):
            assert proc.stdout is not None
            for line in proc.stdout:
                lines.append(line)
                if on_line is not None:
                    on_line(line.rstrip("\n"))
            try:
                exit_code = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                exit_code = proc.wait()
        result = SchemathesisResult(
            command=_printable(command, headers or {}),
            exit_code=exit_code,
            duration=time.monotonic() - started,
            output="".join(lines),
        )
        found = sorted(reports.glob("json-*.json"))
        if found:
            data = json.loads(found[-1].read_text())
            result.phases = data.get("phases", {})
            result.failures = data.get("failures", [])
            result.errors = data.get("errors", [])
            result.test_cases = data.get("test_cases", {})
            result.warnings = data.get("warnings", {})
        junit = sorted(reports.glob("junit-*.xml"))
        if junit:
            result.junit_xml = junit[-1].read_text()
        result.artifacts = [str(path) for path in kept if path.exists()]
        return result


def _printable(command: list[str], headers: Mapping[str, str]) -> list[str]:
    """The command as a user can rerun it; header values (credentials) masked."""
    secret = {f"{name}: {value}" for name, value in headers.items()}
    shown = ["schemathesis", *command[3:]]
    return [
        f"{arg.split(':', 1)[0]}: ***"
        if arg in secret
        else ("REPORT_DIR" if "/draftmock-st-" in arg else arg)
        for arg in shown
    ]
