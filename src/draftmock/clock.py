"""Time, owned in one place.

``VirtualClock`` is the only clock behaviour code sees. It either follows real time from an offset
(``serve``) or stands still until told to move (tests, ``freeze``). It never goes backwards:
``set`` to an earlier instant is refused, so scheduled jobs stay in due order.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from functools import lru_cache
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Seconds since the epoch (UTC)."""
        ...


class ClockError(ValueError):
    """A clock operation that would move time backwards."""


class VirtualClock:
    """A clock that can follow real time, be frozen, set and advanced.

    While running, ``now() = monotonic() + offset``; frozen, ``now()`` returns the frozen instant.
    """

    def __init__(self, start: float | None = None, *, frozen: bool = False) -> None:
        self._lock = threading.Lock()
        real = time.time()
        start = real if start is None else start
        self._frozen_at: float | None = start if frozen else None
        self._offset = start - time.monotonic()

    @property
    def frozen(self) -> bool:
        return self._frozen_at is not None

    def now(self) -> float:
        frozen_at = self._frozen_at
        if frozen_at is not None:
            return frozen_at
        return time.monotonic() + self._offset

    def freeze(self) -> float:
        with self._lock:
            if self._frozen_at is None:
                self._frozen_at = time.monotonic() + self._offset
            return self._frozen_at

    def resume(self) -> float:
        """Let time flow again from the current instant."""
        with self._lock:
            if self._frozen_at is not None:
                self._offset = self._frozen_at - time.monotonic()
                self._frozen_at = None
            return self.now()

    def advance(self, seconds: float) -> float:
        if seconds < 0:
            raise ClockError("the clock cannot move backwards")
        with self._lock:
            if self._frozen_at is not None:
                self._frozen_at += seconds
            else:
                self._offset += seconds
            return self.now()

    def set(self, instant: float) -> float:
        with self._lock:
            current = self.now()
            if instant < current:
                raise ClockError(
                    f"cannot set the clock to {iso(instant)}, before its current time {iso(current)}"
                )
            if self._frozen_at is not None:
                self._frozen_at = instant
            else:
                self._offset += instant - current
            return self.now()

    def export(self) -> tuple[float | None, float]:
        """(frozen instant or None, offset from the wall clock): what another process needs to
        show the same time (``adopt``)."""
        with self._lock:
            return self._frozen_at, self._offset + time.monotonic() - time.time()

    def adopt(self, frozen_at: float | None, wall_offset: float) -> None:
        """Show the time another clock ``export``-ed."""
        with self._lock:
            self._frozen_at = frozen_at
            self._offset = wall_offset + time.time() - time.monotonic()


@lru_cache(maxsize=256)  # a reply writes the same few instants several times
def iso(instant: float) -> str:
    """ISO 8601 UTC with milliseconds and a Z suffix."""
    text = datetime.fromtimestamp(instant, UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")
