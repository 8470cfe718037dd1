"""``conform``'s progress during the Schemathesis phases (operations done out of those selected,
failing operations so far) and the HAR file and VCR cassette it keeps to replay a run."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from draftmock.conformance.schemathesis_run import EventCounts

pytestmark = pytest.mark.conformance


def scenario(phase: str, label: str, status: str = "success") -> dict[str, object]:
    return {
        "ScenarioFinished": {
            "phase": phase,
            "status": status,
            "is_final": False,
            "recorder": {"label": label},
        }
    }


def test_counts_follow_schemathesis_events() -> None:
    counts = EventCounts()
    assert counts.text() == "loading the document"
    assert counts.feed(
        {"LoadingFinished": {"statistic": {"operations": {"total": 4, "selected": 3}}}}
    )
    assert counts.feed({"SuiteStarted": {"phase": "examples"}})
    assert counts.text() == "examples 0/3 operations, 0 failing operations"
    counts.feed(scenario("examples", "GET /a"))
    counts.feed(scenario("examples", "POST /a", "failure"))
    assert counts.text() == "examples 2/3 operations, 1 failing operation"
    assert not counts.phase_complete()
    counts.feed(scenario("examples", "GET /b", "error"))
    assert counts.phase_complete()
    counts.feed({"SuiteStarted": {"phase": "fuzzing"}})
    counts.feed(scenario("fuzzing", "POST /a", "failure"))  # the same operation again
    assert counts.text() == "fuzzing 1/3 operations, 2 failing operations"
    counts.feed({"SuiteStarted": {"phase": "stateful"}})
    counts.feed(scenario("stateful", "Stateful tests"))
    assert counts.text() == "stateful 1 scenarios, 2 failing operations"
    final = {"ScenarioFinished": {"phase": "stateful", "status": "success", "is_final": True}}
    assert not counts.feed(final)  # the phase's closing event is no scenario
    assert not counts.feed({"EngineFinished": {}})


def test_conform_shows_progress_and_keeps_har_and_vcr(tmp_path: Path) -> None:
    artifacts = tmp_path / "replay"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "draftmock",
            "conform",
            "omni",
            "--phases",
            "examples,fuzzing",
            "--max-examples",
            "2",
            "--artifacts",
            str(artifacts),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode in (0, 1), done.stdout + done.stderr
    # stderr is not a terminal: a progress line when each phase has every operation done.
    for phase in ("examples", "fuzzing"):
        assert re.search(rf"{phase} (\d+)/\1 operations, \d+ failing", done.stderr), done.stderr
    har = artifacts / "omni.schemathesis.har.json"
    vcr = artifacts / "omni.schemathesis.vcr.yaml"
    entries = json.loads(har.read_text())["log"]["entries"]
    assert any("/v1/documents" in e["request"]["url"] for e in entries)
    cassette = yaml.safe_load(vcr.read_text())
    assert cassette["http_interactions"]
    assert f"replay: {har}" in done.stdout and f"replay: {vcr}" in done.stdout
