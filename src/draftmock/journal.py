"""What happened: a bounded journal of recent requests, and contract coverage.

Each entry keeps the request and the reply (headers, and the first ``BODY_LIMIT`` bytes of each
body), so a person can see what a client sent and what it got. Listeners (the live stream of
the control API) are told when an entry is added.

Coverage answers "which documented statuses of each operation has the client driving the mock
exercised since the last reset" — the contract coverage of that client.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from draftmock.errors import ConfigError

BODY_LIMIT = 4096  # bytes of each body kept per entry
REDACTED = frozenset({"x-draftmock-admin-token"})


class Message(NamedTuple):
    """A request or reply as journaled: headers, the start of the body, the body's size.
    (A tuple: one is built twice per request, so it must cost next to nothing.)"""

    headers: Mapping[str, str]
    body: bytes
    size: int

    @classmethod
    def of(cls, headers: Mapping[str, str], body: bytes) -> Message:
        return cls(headers, body[:BODY_LIMIT], len(body))

    def to_json(self) -> dict[str, Any]:
        return {
            "headers": {
                name: "(redacted)" if name.lower() in REDACTED else value
                for name, value in self.headers.items()
            },
            "body": self.body.decode("utf-8", errors="replace"),
            "size": self.size,
            "truncated": self.size > len(self.body),
        }


@dataclass(frozen=True, slots=True)
class Entry:
    id: int
    at: float  # virtual time
    method: str
    path: str
    api: str
    operation_id: str | None
    status: int
    duration_ms: float
    session: str
    fault: str | None = None
    query: str = ""
    request: Message | None = None
    reply: Message | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": self.at,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "api": self.api,
            "operation_id": self.operation_id,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "session": self.session,
            "fault": self.fault,
            "request": self.request.to_json() if self.request else None,
            "reply": self.reply.to_json() if self.reply else None,
        }


class Journal:
    def __init__(self, limit: int = 1000) -> None:
        if limit < 0:
            raise ConfigError(f"the journal cannot keep {limit} requests (--journal-size)")
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._ids = itertools.count(1)
        self._listeners: list[Callable[[], None]] = []

    @property
    def limit(self) -> int:
        return self._entries.maxlen or 0

    def record(self, **fields: Any) -> Entry:
        entry = Entry(id=next(self._ids), **fields)
        self._entries.append(entry)
        for listener in self._listeners:
            listener()
        return entry

    def listen(self, listener: Callable[[], None]) -> Callable[[], None]:
        """Call ``listener`` after each new entry; returns the function that stops it."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    @property
    def last_id(self) -> int:
        return self._entries[-1].id if self._entries else 0

    def since(self, after: int) -> list[Entry]:
        """Entries newer than id ``after``, oldest first."""
        newer: list[Entry] = []
        for entry in reversed(self._entries):
            if entry.id <= after:
                break
            newer.append(entry)
        newer.reverse()
        return newer

    def __len__(self) -> int:
        return len(self._entries)

    def query(
        self,
        *,
        api: str | None = None,
        operation_id: str | None = None,
        status: int | None = None,
        session: str | None = None,
        limit: int = 100,
    ) -> list[Entry]:
        """Newest first."""
        found: list[Entry] = []
        for entry in reversed(self._entries):
            if (
                (api is None or entry.api == api)
                and (operation_id is None or entry.operation_id == operation_id)
                and (status is None or entry.status == status)
                and (session is None or entry.session == session)
            ):
                found.append(entry)
                if len(found) >= limit:
                    break
        return found

    def clear(self) -> None:
        self._entries.clear()


class Coverage:
    """(api, operationId) -> statuses seen."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str], set[int]] = {}

    def record(self, api: str, operation_id: str, status: int) -> None:
        self._seen.setdefault((api, operation_id), set()).add(status)

    def clear(self, api: str | None = None) -> None:
        if api is None:
            self._seen.clear()
        else:
            self._seen = {k: v for k, v in self._seen.items() if k[0] != api}

    def report(self, documented: Mapping[str, Mapping[str, Iterable[str]]]) -> dict[str, Any]:
        """``documented``: api -> operationId -> documented status keys ("200", "4XX", ...)."""
        apis: dict[str, Any] = {}
        total = covered = 0
        for api, operations in sorted(documented.items()):
            rows = {}
            for op_id, statuses in sorted(operations.items()):
                keys = sorted(statuses)
                seen = self._seen.get((api, op_id), set())
                hit = sorted(k for k in keys if any(_matches(k, s) for s in seen))
                total += len(keys)
                covered += len(hit)
                rows[op_id] = {
                    "documented": keys,
                    "exercised": hit,
                    "missing": [k for k in keys if k not in hit],
                    "seen": sorted(seen),
                }
            apis[api] = rows
        share = covered / total if total else 0.0
        return {"covered": covered, "documented": total, "share": round(share, 4), "apis": apis}


def _matches(key: str, status: int) -> bool:
    if key == "default":
        return True
    if key.endswith("XX"):
        return str(status)[0] == key[0]
    return key == str(status)
