"""``draftmock conform`` and ``draftmock diff`` as a user runs them: exit codes, reports, diffs."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from draftmock.conformance.behaviour import Exchange, ScenarioResult
from draftmock.conformance.diff import compare, diff, normalise, shape
from draftmock.conformance.gate import ConformOptions
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conformance.test_gate_mutants import MUTANTS, broken_runtime
from tests.conftest import frozen_runtime

pytestmark = pytest.mark.conformance


def draftmock(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "draftmock", *args],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_conform_checks_the_in_process_mock_and_writes_reports(tmp_path: Path) -> None:
    report, junit = tmp_path / "report.json", tmp_path / "junit.xml"
    done = draftmock(
        "conform",
        "promptlayer",
        "--phases",
        "examples,behaviour",
        "--max-examples",
        "3",
        "--report",
        str(report),
        "--junit-xml",
        str(junit),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(report.read_text())
    assert [row["phase"] for row in data["summary"]] == ["examples", "behaviour"]
    assert {row["status"] for row in data["summary"]} == {"success"}
    assert data["draftmock"] is True
    names = {r["name"] for r in data["behaviour"]}
    assert {"one_draft_per_group", "draft_copy_is_asynchronous"} <= names
    suites = {s.get("name"): s for s in ET.parse(junit).getroot().iter("testsuite")}
    assert set(suites) == {"promptlayer.schemathesis", "promptlayer.behaviour"}
    assert suites["promptlayer.behaviour"].get("failures") == "0"
    assert int(suites["promptlayer.behaviour"].get("tests", "0")) == len(names)
    assert "behaviour" in done.stdout and "all passed" in done.stdout
    # what is left out, for which operations, and why (config/promptlayer.toml)
    (left_out,) = [note for note in data["notes"] if "left out" in note]
    assert left_out.startswith(
        "schemathesis check negative_data_rejection left out for operation-id "
        "createSkillCollectionPublic, saveSkillCollectionVersionPublic: "
    )
    assert left_out in done.stdout


def test_an_unreachable_target_is_exit_2() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    done = draftmock("conform", "promptlayer", "--base-url", f"http://127.0.0.1:{port}")
    assert done.returncode == 2, done.stdout + done.stderr
    assert "cannot reach" in done.stdout
    compared = draftmock("diff", "promptlayer", "--base-url", f"http://127.0.0.1:{port}")
    assert compared.returncode == 2, compared.stdout + compared.stderr
    assert "cannot reach" in compared.stdout


def test_usage_errors_are_exit_2() -> None:
    assert draftmock("conform", "promptlayer", "--phases", "nonsense").returncode == 2
    assert draftmock("conform", "no-such-api", "--phases", "behaviour").returncode == 2
    stopped = draftmock(
        "conform", "promptlayer", "--phases", "examples", "--schemathesis-config", "/nonexistent"
    )
    assert stopped.returncode == 2, stopped.stdout + stopped.stderr


@pytest.mark.slow
def test_an_unwritable_report_is_a_usage_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    for option in ("--report", "--junit-xml"):
        done = draftmock(
            "conform", "promptlayer", "--phases", "behaviour", option, str(blocker / "r")
        )
        assert done.returncode == 2, done.stdout + done.stderr
        assert "cannot write" in done.stderr and "Traceback" not in done.stderr, done.stderr


BAD_URLS = ["http://[::1", "http://", "ftp://example.test", "http://example.test:99999"]
BAD_NUMBERS = [["--poll-interval", "0"], ["--timeout", "-1"]]


@pytest.mark.parametrize(
    "args",
    [
        *(["--base-url", url] for url in BAD_URLS),
        *BAD_NUMBERS,
        ["--max-examples", "0"],
    ],
)
def test_bad_conform_arguments_are_usage_errors(args: list[str]) -> None:
    done = draftmock("conform", "promptlayer", "--phases", "behaviour", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and args[0] in done.stderr, done.stderr


@pytest.mark.parametrize(
    "args",
    [
        *(["--base-url", url] for url in BAD_URLS),
        *([*n, "--base-url", "http://x.test"] for n in BAD_NUMBERS),
    ],
)
def test_bad_diff_arguments_are_usage_errors(args: list[str]) -> None:
    done = draftmock("diff", "promptlayer", *args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr and args[0] in done.stderr, done.stderr


@pytest.mark.slow
def test_a_published_fragment_is_checked_as_an_independent_contract(tmp_path: Path) -> None:
    """Seed 000 as published (``oneOf``) rejects FastAPI's own 422 body: the gate says so."""
    fragment = Path(__file__).resolve().parents[1] / "contracts" / "promptlayer-seed-000.yaml"
    done = draftmock(
        "conform",
        "promptlayer",
        "--spec",
        str(fragment),
        "--phases",
        "coverage",
        "--max-examples",
        "5",
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ST108" in done.stdout  # response violates schema


@pytest.mark.slow
def test_a_contract_failure_is_exit_1_against_a_served_mock(tmp_path: Path) -> None:
    """A broken mock served elsewhere (as a remote server would be) fails the gate with 1."""
    mutant = next(m for m in MUTANTS if m.name == "second-draft-allowed")
    with LiveServer(DraftmockApp(broken_runtime(mutant))) as server:
        done = draftmock(
            "conform",
            "promptlayer",
            "--base-url",
            f"{server.url}/promptlayer",
            "--phases",
            "behaviour",
            "--api-key",
            "pl-demo-key",
        )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "one draft per group: a second draft is 409" in done.stdout


@pytest.mark.slow
@pytest.mark.parametrize("api", ["promptlayer", "lunary", "omni", "agentcore"])
def test_diff_of_the_mock_with_itself_is_empty(api: str) -> None:
    with LiveServer(DraftmockApp(frozen_runtime())) as server:
        result = diff(ConformOptions(api=api, base_url=f"{server.url}/{api}"), stream=io.StringIO())
    assert result.target_report.draftmock
    ran = [r for r in result.target_report.behaviour if r.status == "passed"]
    assert len(ran) == len(result.mock_report.behaviour) > 0
    assert result.differences == [], [d.describe() for d in result.differences]
    assert result.exit_code == 0


@pytest.mark.slow
def test_diff_reports_status_check_and_transition_differences() -> None:
    wrong_numbers = next(m for m in MUTANTS if m.name == "versions-skip-a-number")
    with LiveServer(DraftmockApp(broken_runtime(wrong_numbers))) as server:
        result = diff(
            ConformOptions(api="promptlayer", base_url=f"{server.url}/promptlayer"),
            stream=io.StringIO(),
        )
    kinds = {(d.scenario, d.kind) for d in result.differences}
    assert ("save_draft_numbers_versions", "transition") in kinds
    assert ("save_draft_numbers_versions", "check") in kinds
    assert result.exit_code == 1
    out = io.StringIO()
    result.print(out)
    assert "difference(s)" in out.getvalue()


def test_volatile_values_are_normalised_and_shapes_compared() -> None:
    a = {"id": 7, "created_at": "2026-01-01T00:00:00Z", "name": "x", "rows": [[1, "a"]]}
    b = {"id": 9, "created_at": "2027-02-02T00:00:00Z", "name": "y", "rows": [[2, "b"]]}
    assert normalise(a)["id"] == normalise(b)["id"] == 0
    assert normalise(a)["created_at"] == "<timestamp>"
    assert normalise({"datasetId": "ds-1"}) == {"datasetId": "<datasetId>"}
    assert shape(normalise(a)) == shape(normalise(b))
    assert shape({"id": 1}) != shape({"id": "1"})
    # Normalising keeps each value's type: a changed type is still a difference.
    assert shape(normalise({"id": 1})) != shape(normalise({"id": "1"}))
    epoch = {**a, "created_at": 1767225600.0}
    assert shape(normalise(a)) != shape(normalise(epoch))
    mock, target = ScenarioResult("pl", "s", "t"), ScenarioResult("pl", "s", "t")
    target.status = "failed"
    assert [d.kind for d in compare(mock, target)] == ["scenario"]
    target.status = "passed"
    mock.exchanges.append(Exchange("create", "op", "POST", "/x", 201, {"dataset": a}))
    target.exchanges.append(Exchange("create", "op", "POST", "/x", 201, {"dataset": b}))
    assert compare(mock, target) == []  # other ids, times and names: the same shape
    target.exchanges.append(
        Exchange("create", "op", "POST", "/x", 201, {"dataset": {**b, "id": "9"}})
    )
    assert [(d.step, d.kind) for d in compare(mock, target)] == [("create", "shape")]


@pytest.mark.slow
def test_schemathesis_and_behaviour_get_their_own_in_process_mocks() -> None:
    """Schemathesis runs with Omni's rate limit off; the behaviour phase meets the real one."""
    from draftmock.conformance.gate import conform

    report = conform(
        ConformOptions(api="omni", phases=["examples", "behaviour"], max_examples=2),
        stream=io.StringIO(),
    )
    assert report.exit_code == 0, [(r.name, r.reason) for r in report.behaviour]
    assert "schemathesis phases: the mock ran with omni.rate_limit=0" in report.notes
    assert [row[0] for row in report.phase_rows()] == ["examples", "behaviour"]
    (limited,) = [r for r in report.behaviour if r.name == "rate_limit"]
    assert limited.status == "passed" and limited.exchanges[-1].status == 429
