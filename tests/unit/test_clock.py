from __future__ import annotations

import pytest

from draftmock.clock import ClockError, VirtualClock, iso


def test_frozen_clock_moves_only_when_told() -> None:
    clock = VirtualClock(start=1000.0, frozen=True)
    assert clock.now() == 1000.0
    assert clock.advance(2.5) == 1002.5
    assert clock.set(2000.0) == 2000.0
    assert clock.now() == 2000.0


def test_clock_never_goes_backwards() -> None:
    clock = VirtualClock(start=1000.0, frozen=True)
    with pytest.raises(ClockError):
        clock.advance(-1)
    with pytest.raises(ClockError):
        clock.set(999.0)


def test_running_clock_follows_real_time_from_its_start() -> None:
    clock = VirtualClock(start=1000.0)
    first = clock.now()
    assert 1000.0 <= first < 1010.0
    assert clock.advance(60) >= first + 60
    frozen_at = clock.freeze()
    assert clock.now() == frozen_at
    assert clock.resume() >= frozen_at


def test_iso_is_utc_with_milliseconds() -> None:
    assert iso(0) == "1970-01-01T00:00:00.000Z"
