"""Identifiers and randomness, owned in one place and seedable.

Every id a vendor hands out comes from an ``Ids`` instance, so a fixed seed reproduces a run.
Secrets (the keys that sign download URLs) are the exception: ``secret_token`` draws them from
the operating system, never from a seeded stream, so no seed makes them predictable.
"""

from __future__ import annotations

import random
import secrets
import string
import threading
import uuid
from collections import defaultdict

_ALPHANUM = string.ascii_lowercase + string.digits

# The random source handed to value generators; only this module creates one.
Rng = random.Random


def seeded_rng(*key: object) -> Rng:
    """A random source determined by ``key`` alone (e.g. the run's seed, an API, an operation):
    the same key gives the same sequence in every process, whatever else was drawn before."""
    return random.Random("\x1f".join(str(part) for part in key))


class Ids:
    def __init__(self, seed: int | None = 0) -> None:
        self._random = random.Random(seed)
        self._counters: defaultdict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, object]:
        with self._lock:
            return {"random": self._random.getstate(), "counters": dict(self._counters)}

    def __setstate__(self, state: dict[str, object]) -> None:
        self._random = random.Random()
        self._random.setstate(_as_tuples(state["random"]))  # type: ignore[arg-type]
        self._counters = defaultdict(int, state["counters"])  # type: ignore[call-overload]
        self._lock = threading.Lock()

    def next_int(self, kind: str, *, start: int = 1) -> int:
        """The next integer of a sequence; sequences are independent per ``kind``."""
        with self._lock:
            value = max(self._counters[kind] + 1, start)
            self._counters[kind] = value
            return value

    def reserve(self, kind: str, used: int) -> None:
        """Make sure the sequence ``kind`` never hands out ``used`` or anything below it."""
        with self._lock:
            self._counters[kind] = max(self._counters[kind], used)

    def uuid(self) -> str:
        with self._lock:
            return str(uuid.UUID(int=self._random.getrandbits(128), version=4))

    def token(self, length: int = 8, alphabet: str = _ALPHANUM) -> str:
        with self._lock:
            return "".join(self._random.choice(alphabet) for _ in range(length))

    def random(self) -> float:
        """A float in [0, 1), for probabilistic behaviour."""
        with self._lock:
            return self._random.random()


def secret_token(nbytes: int = 32) -> str:
    """An unguessable URL-safe token (``nbytes`` of the operating system's randomness)."""
    return secrets.token_urlsafe(nbytes)


def _as_tuples(value: object) -> object:
    """``random.getstate()`` is nested tuples; a JSON round trip turns them into lists."""
    if isinstance(value, list | tuple):
        return tuple(_as_tuples(v) for v in value)
    return value
