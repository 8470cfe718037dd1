"""What happened: a bounded journal of recent requests, and contract coverage.

Coverage answers "which documented statuses of each operation has the client driving the mock
exercised since the last reset" — the contract coverage of that client.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from draftmock.errors import ConfigError


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

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Journal:
    def __init__(self, limit: int = 1000) -> None:
        if limit < 0:
            raise ConfigError(f"the journal cannot keep {limit} requests (--journal-size)")
        self._entries: deque[Entry] = deque(maxlen=limit)
        self._ids = itertools.count(1)

    @property
    def limit(self) -> int:
        return self._entries.maxlen or 0

    def record(self, **fields: Any) -> Entry:
        entry = Entry(id=next(self._ids), **fields)
        self._entries.append(entry)
        return entry

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
