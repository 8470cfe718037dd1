"""The report's per-phase summary: what each Schemathesis phase did, read from its output, and
the stateful phase's walk along the specs' OpenAPI links."""

from __future__ import annotations

import io
import re

import pytest

from draftmock.conformance.gate import ConformOptions, conform
from draftmock.conformance.schemathesis_run import phase_details

pytestmark = pytest.mark.conformance

# Schemathesis 4's console output for two phases (blank lines and all).
OUTPUT = """\
   ✅  Loaded specification from /work/main/specs/omni.yaml (in 1.23s)

   ✅  Examples (in 5.70s)

       ✅  8 passed  ⏭   7 skipped

   ❌  Coverage (in 2.00s)

       ❌  1 failed  ✅  3 passed

   ✅  Stateful (in 1.84s)

       Scenarios:    4
       API Links:    3 covered / 25 selected / 25 total (9 inferred)

       ✅ 4 passed

  =================================== SUMMARY ====================================

  Test cases:
    43 generated, 43 passed, 4 skipped
"""


def test_phase_details_are_read_from_the_output() -> None:
    assert phase_details(OUTPUT) == {
        "examples": "8 passed, 7 skipped; 5.70 s",
        "coverage": "1 failed, 3 passed; 2.00 s",
        "stateful": (
            "4 scenarios; API links 3 covered / 25 selected / 25 total (9 inferred); "
            "4 passed; 1.84 s"
        ),
    }


def test_the_stateful_phase_walks_the_links() -> None:
    report = conform(
        ConformOptions(api="lunary", phases=["examples", "stateful"], max_examples=5),
        stream=io.StringIO(),
    )
    assert report.exit_code == 0, report.to_json()["summary"]
    rows = {phase: detail for phase, _, detail in report.phase_rows()}
    assert "passed" in rows["examples"], rows
    assert "API links" in rows["stateful"], rows
    covered = int(rows["stateful"].split("API links ")[1].split(" covered")[0])
    assert covered >= 3, rows["stateful"]
    summary = report.to_json()["summary"]
    assert [row["detail"] for row in summary] == [rows["examples"], rows["stateful"]]


def test_progress_is_coloured_on_a_terminal_and_plain_elsewhere() -> None:
    from rich.console import Console

    from draftmock.conformance.behaviour import ScenarioResult
    from draftmock.conformance.progress import Progress

    failed = ScenarioResult("omni", "roles", "t", status="failed", reason="a [bracketed] reason")
    plain = io.StringIO()
    Progress(plain).scenario(failed)
    assert plain.getvalue() == "  [FAIL] roles (0.00s) — a [bracketed] reason\n"

    terminal = io.StringIO()
    progress = Progress(terminal)
    progress.console = Console(
        file=terminal, force_terminal=True, color_system="standard", highlight=False
    )
    with progress.working("omni: behaviour 0/1 scenarios") as status:
        progress.scenario(failed)
        status("omni: behaviour 1/1 scenarios")
    shown = terminal.getvalue()
    assert "\x1b[1;31m" in shown  # styled
    shown = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown)
    assert "[FAIL]" in shown and "a [bracketed] reason" in shown
    assert "behaviour 1/1 scenarios" in shown  # the spinner's text


def test_schemathesis_warnings_are_printed_in_the_summary() -> None:
    from draftmock.conformance.report import GateReport
    from draftmock.conformance.schemathesis_run import SchemathesisResult

    report = GateReport(
        api="agentcore",
        target="in-process mock",
        spec="specs/agentcore.yaml",
        draftmock=True,
        phases=["examples"],
        seed=1,
        max_examples=1,
        schemathesis=SchemathesisResult(
            command=["schemathesis"],
            exit_code=0,
            duration=1.0,
            phases={"examples": {"status": "success"}},
            warnings={
                "missing_test_data": [f"GET /datasets/{{id}}/v{n}" for n in range(10)],
                "base_url_mismatch": [{"label": "GET /v1/documents"}],
                "validation_mismatch": [],
            },
        ),
    )
    out = io.StringIO()
    report.print_summary(out)
    text = out.getvalue()
    assert "warning: schemathesis base url mismatch: GET /v1/documents" in text
    assert "warning: schemathesis missing test data: GET /datasets/{id}/v0, " in text
    assert "and 2 more" in text
    assert "validation mismatch" not in text


def test_schemathesis_test_cases_get_a_classname_in_junit() -> None:
    from draftmock.conformance.report import GateReport
    from draftmock.conformance.schemathesis_run import SchemathesisResult

    theirs = (
        '<testsuites><testsuite name="schemathesis" tests="1">'
        '<testcase name="GET /datasets"/></testsuite></testsuites>'
    )
    report = GateReport(
        api="omni",
        target="in-process mock",
        spec="specs/omni.yaml",
        draftmock=True,
        phases=["examples"],
        seed=1,
        max_examples=1,
        schemathesis=SchemathesisResult(
            command=["schemathesis"], exit_code=0, duration=1.0, junit_xml=theirs
        ),
    )
    [case] = report.junit().iter("testcase")
    assert (case.get("classname"), case.get("name")) == ("omni.schemathesis", "GET /datasets")
