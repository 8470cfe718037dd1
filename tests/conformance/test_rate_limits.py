"""Rate-limit scenarios: a session of their own on a draftmock, opt-in elsewhere (they burn the
credentials' quota)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from draftmock.conformance.behaviour import Target
from draftmock.conformance.gate import spec_path
from draftmock.conformance.referee import Referee
from draftmock.conformance.scenarios import suite_for
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.spec.document import load_document
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime

pytestmark = pytest.mark.conformance

KEYS = {"omni": "omni-demo-manager", "lunary": "11111111-1111-4111-8111-111111111111"}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Runtime, LiveServer]]:
    runtime = frozen_runtime()
    with LiveServer(DraftmockApp(runtime)) as live:
        yield runtime, live


@pytest.fixture
def server(served: tuple[Runtime, LiveServer]) -> LiveServer:
    return served[1]


def sessions(runtime: Runtime, api: str) -> set[str]:
    """The worlds that served ``api`` requests, from every world's journal."""
    found = set()
    for name in runtime.worlds():
        found |= {e.session for e in runtime.world(name).journal.query(api=api, limit=10_000)}
    return found


def run_rate_limit(server: LiveServer, api: str, *, draftmock: bool, destructive: bool) -> Any:
    suite = suite_for(api)
    assert suite is not None
    target = Target(
        api=api,
        base_url=f"{server.url}/{api}",
        headers={"Authorization": f"Bearer {KEYS[api]}"},
        draftmock_root=server.url if draftmock else None,
        destructive=destructive,
    )
    try:
        referee = Referee(load_document(spec_path(api), api))
        (result,) = suite.run(target, referee, only=iter(["rate_limit"]))
    finally:
        target.close()
    return result


@pytest.mark.parametrize("api", ["omni", "lunary"])
def test_against_a_real_endpoint_it_needs_destructive(server: LiveServer, api: str) -> None:
    result = run_rate_limit(server, api, draftmock=False, destructive=False)
    assert result.status == "skipped"
    assert "--destructive" in result.reason
    assert result.exchanges == []


@pytest.mark.parametrize("api", ["omni", "lunary"])
def test_with_destructive_it_spends_the_credentials_quota(
    served: tuple[Runtime, LiveServer], api: str
) -> None:
    """No session of its own: the default world's quota, spent until the 429."""
    runtime, server = served
    before = sessions(runtime, api)
    result = run_rate_limit(server, api, draftmock=False, destructive=True)
    assert result.status == "passed", result.reason
    assert result.exchanges[-1].status == 429
    assert sessions(runtime, api) - before <= {"default"}


@pytest.mark.parametrize("api", ["omni", "lunary"])
def test_against_a_draftmock_a_session_of_its_own(
    served: tuple[Runtime, LiveServer], api: str
) -> None:
    # Twice: each run starts from a fresh quota, whatever the last one (or the test above) spent.
    runtime, server = served
    for _ in range(2):
        before = sessions(runtime, api)
        result = run_rate_limit(server, api, draftmock=True, destructive=False)
        assert result.status == "passed", result.reason
        (new,) = sessions(runtime, api) - before
        assert new.startswith("conform-rate-limit")
