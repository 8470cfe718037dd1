"""Schemathesis against the running mock with specs/lunary.yaml: zero failures on every check,
error paths included. (Seed 002's fragment runs in tests/contracts/test_lunary_seed.py.)"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from draftmock.conformance.config import config_for, excluded_checks
from draftmock.paths import specs_dir
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conformance.runner import assert_cases_ran, schemathesis
from tests.conftest import frozen_runtime

pytestmark = pytest.mark.conformance

HEADERS = {"X-API-Key": "11111111-1111-4111-8111-111111111111"}


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    # A run sends far more than 150 requests a minute; the limit has its own scenario tests.
    runtime = frozen_runtime(options={"lunary": {"rate_limit": 0}})
    with LiveServer(DraftmockApp(runtime)) as live:
        yield live


@pytest.mark.slow
def test_our_spec_has_no_failures(server: LiveServer) -> None:
    result = schemathesis(
        specs_dir() / "lunary.yaml",
        f"{server.url}/lunary",
        headers=HEADERS,
        config=config_for("lunary"),
        max_examples=5,  # the whole document: 90 operations
        # the checks `draftmock conform lunary` leaves out, each with its reason
        extra=["--exclude-checks", ",".join(excluded_checks("lunary"))],
    )
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"[-8000:]
    assert_cases_ran(result.stdout)
