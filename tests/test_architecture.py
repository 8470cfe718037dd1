"""The layers written in ARCHITECTURE.md, checked by import-linter (contracts in pyproject.toml)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from draftmock.vendors import VENDORS

ROOT = Path(__file__).resolve().parents[1]


def test_import_contracts_hold() -> None:
    command = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert command is not None, "import-linter is a test dependency"
    result = subprocess.run([command], cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "0 broken" in result.stdout


def test_every_vendor_is_in_the_independence_contract() -> None:
    config = (ROOT / "pyproject.toml").read_text()
    for slug in VENDORS:
        assert f'"draftmock.vendors.{slug}"' in config, slug


def test_every_operation_in_the_specs_has_a_handler() -> None:
    from draftmock.assembly import build_runtime
    from draftmock.server.app import DraftmockApp

    app = DraftmockApp(build_runtime())
    missing = {
        slug: sorted(p.unimplemented) for slug, p in app.pipelines.items() if p.unimplemented
    }
    assert missing == {}
