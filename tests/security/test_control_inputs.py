"""Bad control input is a documented 400, never a 500 (the clock outside what ISO 8601 dates
and the virtual clock can hold)."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Mock


@pytest.mark.parametrize("now", [-1e12, -1, -1e308])
def test_setting_the_clock_before_1970_is_a_400(mock: Mock, now: float) -> None:
    before = httpx.get(f"{mock.url}/__draftmock/clock").json()
    reply = httpx.post(f"{mock.url}/__draftmock/clock/set", json={"now": now})
    assert reply.status_code == 400, reply.text
    assert reply.json()["error"] == "draftmock"
    assert "1970-01-01" in reply.json()["message"] or "minimum" in reply.json()["message"]
    assert httpx.get(f"{mock.url}/__draftmock/clock").json() == before


def test_setting_the_clock_past_9999_or_backwards_is_a_400(mock: Mock) -> None:
    now = httpx.get(f"{mock.url}/__draftmock/clock").json()["now"]
    for instant in (1e12, 253_402_300_800, now - 1):
        reply = httpx.post(f"{mock.url}/__draftmock/clock/set", json={"now": instant})
        assert reply.status_code == 400, reply.text
    assert "before its current time" in reply.json()["message"]
