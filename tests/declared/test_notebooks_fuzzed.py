"""Schemathesis against the worked example served with its declarations: every phase and the
four contract checks; nothing off-contract comes out of the declared rules.

(``--checks all`` is not used: its semantic checks assume no such rules. A reused idempotency key
with another body is "a schema-valid request rejected", and a notebook's draft read right after
the notebook was created is "a created resource not found", both exactly as declared.)"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.declared.test_notebooks_e2e import DOC, OVERLAY

CHECKS = [
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_schema_conformance",
]


@pytest.mark.slow
def test_the_declared_notebooks_api_passes_schemathesis(tmp_path: Path) -> None:
    runtime = build_runtime(documents=[(None, DOC)], overlays={None: [OVERLAY]})
    served = tmp_path / "notebooks.json"
    served.write_text(json.dumps(runtime.documents["notebooks"].raw))
    with LiveServer(DraftmockApp(runtime)) as server:
        command = [sys.executable, "-m", "schemathesis.cli", "run", str(served)]
        command += ["--url", server.url, "--checks", ",".join(CHECKS), "--max-examples", "15"]
        command += ["--seed", "1", "--workers", "1", "--no-color"]
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, check=False)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " passed" in result.stdout
