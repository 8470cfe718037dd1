"""Schemathesis against the running mock: our spec, and seed 000's fragment as an independent
contract. Zero failures on every check, error paths included."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from draftmock.conformance.config import config_for
from draftmock.paths import specs_dir
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conformance.runner import assert_cases_ran, schemathesis
from tests.conftest import frozen_runtime
from tests.contracts.test_promptlayer_seed import corrected_fragment

pytestmark = pytest.mark.conformance

HEADERS = {"X-API-KEY": "pl-demo-key"}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(DraftmockApp(frozen_runtime())) as live:
        yield live


def _assert_clean(result: subprocess.CompletedProcess[str]) -> None:
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"[-6000:]
    assert_cases_ran(result.stdout)


@pytest.mark.slow
@pytest.mark.timeout(1500)  # the whole document, every check: 5 to 6 minutes on 2 busy cores
def test_our_spec_has_no_failures(server: LiveServer) -> None:
    result = schemathesis(
        specs_dir() / "promptlayer.yaml",
        f"{server.url}/promptlayer",
        headers=HEADERS,
        config=config_for("promptlayer"),
        # the whole document: 143 operations; every check, but negative_data_rejection for the
        # two file forms (config/promptlayer.toml says why)
        max_examples=5,
    )
    _assert_clean(result)


@pytest.mark.slow
def test_seed_fragment_has_no_failures(server: LiveServer, tmp_path: Path) -> None:
    fragment = tmp_path / "seed-000.yaml"
    fragment.write_text(yaml.safe_dump(corrected_fragment()))
    result = schemathesis(fragment, f"{server.url}/promptlayer", headers=HEADERS, max_examples=50)
    _assert_clean(result)
