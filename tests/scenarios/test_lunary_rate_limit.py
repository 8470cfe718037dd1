"""Lunary's rate limit: 150 requests per 60 s per API key, with Rate-Limit-* headers, then 429."""

from __future__ import annotations

import math
from collections.abc import Iterator

import httpx
import pytest

from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import Mock, frozen_runtime

KEY_A = "11111111-1111-4111-8111-111111111111"
KEY_B = "33333333-3333-4333-8333-333333333333"
BASE = "/v1/datasets-v2"


def test_the_151st_request_in_a_window_is_429_until_the_window_moves(mock: Mock) -> None:
    start = mock.runtime.clock.now()  # frozen: every request below arrives at this instant
    with httpx.Client(base_url=f"{mock.url}/lunary", headers={"X-API-Key": KEY_A}) as plain:
        statuses = [plain.get(BASE).status_code for _ in range(149)]
    assert statuses == [200] * 149

    lu = mock.client("lunary", {"X-API-Key": KEY_A})
    last = lu.get(BASE)
    assert last.status_code == 200
    assert last.headers["Rate-Limit-Remaining"] == "0"
    assert last.headers["Rate-Limit-Total"] == "150"
    assert int(last.headers["Rate-Limit-Reset"]) == math.ceil(start + 60)

    refused = lu.get(BASE)
    assert refused.status_code == 429
    assert refused.json() == {"message": "Sometimes You Just Have to Slow Down."}
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["Rate-Limit-Remaining"] == "0"

    # Another key has its own window.
    other = mock.client("lunary", {"X-API-Key": KEY_B}).get(BASE)
    assert other.status_code == 200
    assert other.headers["Rate-Limit-Remaining"] == "149"

    mock.advance(59)
    assert lu.get(BASE).status_code == 429
    mock.advance(1)
    again = lu.get(BASE)
    assert again.status_code == 200
    assert again.headers["Rate-Limit-Remaining"] == "149"


def test_refused_credentials_are_not_counted(mock: Mock) -> None:
    anonymous = mock.client("lunary", {})
    unknown = mock.client("lunary", {"X-API-Key": "00000000-0000-4000-8000-000000000000"})
    for _ in range(3):
        assert anonymous.get(BASE).status_code == 404  # no answer from the auth middleware
        assert unknown.get(BASE).status_code == 401
    first = mock.client("lunary", {"X-API-Key": KEY_A}).get(BASE)
    assert first.headers["Rate-Limit-Remaining"] == "149"


def test_a_reset_clears_the_windows(mock: Mock) -> None:
    lu = mock.client("lunary", {"X-API-Key": KEY_A})
    lu.get(BASE)
    assert lu.get(BASE).headers["Rate-Limit-Remaining"] == "148"
    mock.admin("reset", {"api": "lunary"})
    assert lu.get(BASE).headers["Rate-Limit-Remaining"] == "149"


def test_windows_survive_a_state_dump_and_restore(mock: Mock) -> None:
    lu = mock.client("lunary", {"X-API-Key": KEY_A})
    lu.get(BASE)
    state = httpx.get(f"{mock.url}/__draftmock/state", timeout=30).json()
    lu.get(BASE)
    restored = httpx.put(f"{mock.url}/__draftmock/state", json=state, timeout=30)
    assert restored.status_code == 200
    assert lu.get(BASE).headers["Rate-Limit-Remaining"] == "148"


def test_error_replies_carry_the_rate_limit_headers_too(mock: Mock) -> None:
    lu = mock.client("lunary", {"X-API-Key": KEY_A})
    missing = lu.get(f"{BASE}/00000000-0000-4000-8000-000000000000/items")
    assert missing.status_code == 404
    assert missing.headers["Rate-Limit-Total"] == "150"
    assert missing.headers["Rate-Limit-Remaining"] == "149"


@pytest.fixture(scope="module")
def limited() -> Iterator[LiveServer]:
    """A mock whose settings set the limit to 3 requests per window."""
    runtime = frozen_runtime(options={"lunary": {"rate_limit": 3}})
    with LiveServer(DraftmockApp(runtime)) as live:
        yield live


def test_the_settings_option_sets_the_limit(limited: LiveServer) -> None:
    with httpx.Client(base_url=f"{limited.url}/lunary", headers={"X-API-Key": KEY_A}) as lu:
        answers = [lu.get(BASE) for _ in range(4)]
    assert [r.status_code for r in answers] == [200, 200, 200, 429]
    assert [r.headers["Rate-Limit-Remaining"] for r in answers] == ["2", "1", "0", "0"]
    assert {r.headers["Rate-Limit-Total"] for r in answers} == {"3"}


def test_a_fixture_sets_or_removes_the_limit_on_a_running_mock(mock: Mock) -> None:
    lu = mock.client("lunary", {"X-API-Key": KEY_A})
    mock.admin("seed", {"api": "lunary", "fixture": {"rate_limit": 2}})
    assert [lu.get(BASE).status_code for _ in range(3)] == [200, 200, 429]
    assert lu.get(BASE).headers["Rate-Limit-Total"] == "2"

    mock.admin("seed", {"api": "lunary", "fixture": {"rate_limit": 0}})  # off: no headers
    answers = [lu.get(BASE) for _ in range(5)]
    assert [r.status_code for r in answers] == [200] * 5
    assert not any(h.lower().startswith("rate-limit-") for r in answers for h in r.headers)

    mock.admin("reset", {"api": "lunary"})  # back to the default fixture's 150
    assert lu.get(BASE).headers["Rate-Limit-Total"] == "150"


def test_an_option_of_zero_turns_the_limit_off() -> None:
    runtime = frozen_runtime(options={"lunary": {"rate_limit": 0}})
    with (
        LiveServer(DraftmockApp(runtime)) as live,
        httpx.Client(base_url=f"{live.url}/lunary", headers={"X-API-Key": KEY_A}) as lu,
    ):
        answers = [lu.get(BASE) for _ in range(160)]
    assert {r.status_code for r in answers} == {200}
    assert "Rate-Limit-Total" not in answers[-1].headers
