"""Schemathesis against the running mock for specs/agentcore.yaml: zero failures on every check,
error paths included. Requests are signed with SigV4 as the gate signs them
(``draftmock.conformance.sigv4_hooks``), for the fixture's access key ``draftmock``."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from draftmock.conformance.config import config_for, excluded_checks
from draftmock.conformance.schemathesis_run import run_schemathesis
from draftmock.conformance.sigv4 import FIXTURE_ACCESS_KEY, FIXTURE_SECRET, SigV4Signing
from draftmock.paths import specs_dir
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conformance.runner import assert_cases_ran
from tests.conftest import frozen_runtime

pytestmark = pytest.mark.conformance

SIGNING = SigV4Signing("bedrock-agentcore", "us-east-1", FIXTURE_ACCESS_KEY, FIXTURE_SECRET)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    with LiveServer(DraftmockApp(frozen_runtime())) as live:
        yield live


@pytest.mark.slow
@pytest.mark.timeout(1500)  # the whole document, every check: 5 to 6 minutes on 2 busy cores
def test_our_spec_has_no_failures(server: LiveServer) -> None:
    result = run_schemathesis(
        specs_dir() / "agentcore.yaml",
        f"{server.url}/agentcore",
        config=config_for("agentcore"),
        # 175 operations: five examples each (with the coverage phase's boundary cases) keep the
        # whole document's run to about six minutes on two shared cores.
        max_examples=5,
        hooks="draftmock.conformance.sigv4_hooks",
        env=SIGNING.child_env(),
        # missing_required_header: Schemathesis hard-codes 401 for a request without its
        # Authorization header; AWS answers 403, which every operation documents (the reason is
        # recorded in draftmock.conformance.config). ignored_auth still verifies that requests
        # without valid credentials are refused.
        exclude_checks=list(excluded_checks("agentcore")),
    )
    assert result.exit_code == 0, result.output[-8000:]
    assert_cases_ran(result.output)
