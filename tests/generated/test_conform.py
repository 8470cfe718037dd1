"""``draftmock conform --spec DOC`` gates a generated API: Schemathesis' phases against the
document served in-process, the stateful phase chaining the links inferred for its resources."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.generated.conftest import DOCUMENTS

pytestmark = pytest.mark.conformance


def test_conform_spec_checks_a_generated_api_with_inferred_links(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "draftmock",
            "conform",
            "--spec",
            str(DOCUMENTS / "tasks.yaml"),
            "--phases",
            "fuzzing,stateful",
            "--max-examples",
            "5",
            "--report",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads(report.read_text())
    assert data["api"] == "tasks" and data["draftmock"] is True
    assert {row["status"] for row in data["summary"]} == {"success"}
    stateful = next(row for row in data["summary"] if row["phase"] == "stateful")
    assert "links" in stateful["detail"] and "0 covered" not in stateful["detail"]
