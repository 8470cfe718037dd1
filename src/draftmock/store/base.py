"""What every store offers: transactions over worlds, their logs and checkpoints, the clock,
named snapshots and a little metadata.

A store keeps, per world (an isolated state, ``default`` or a session), an append-only log of the
inputs that changed it and, now and then, a checkpoint of the whole world. Rebuilding a world is
loading its newest checkpoint and replaying the entries after it; the log holds nothing older.

Every read and write happens inside ``transaction``: exclusive for one world (``scope`` = its
name) or for the whole store (``scope`` = None). Transactions nest within a thread (the inner one
is the outer one), so a control call that saves a snapshot inside its own transaction works.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

from draftmock.errors import ConfigError

# Bumped whenever the layout of the tables or of what they hold changes. A store of format 1 is
# migrated when opened (``sql.prepare``); one written with any other format is refused with a
# message naming both.
FORMAT = 2


class StoreError(ConfigError):
    """The store cannot be used: unreachable, locked, or written by another format."""


class StoreBusy(Exception):
    """``transaction(..., wait=False)``: another process holds the lock it needs."""


@dataclass(slots=True)
class WorldRow:
    id: int
    name: str
    head: int  # sequence number of the newest entry (or checkpoint)
    checkpoint_seq: int  # the checkpoint covers every entry up to and including this one
    log_bytes: int  # size of the entries written since the checkpoint
    checkpoint_bytes: int


@dataclass(slots=True)
class LogEntry:
    seq: int
    kind: str  # "request", "tick"
    data: bytes  # JSON (the entry codec's)
    body: bytes  # the request body, raw


class Transaction(Protocol):
    def meta(self, key: str) -> str | None: ...

    def set_meta(self, key: str, value: str) -> None: ...

    def world(self, name: str) -> WorldRow | None: ...

    def world_and_clock(self, name: str) -> tuple[WorldRow | None, str | None]:
        """``world(name)`` and ``meta("clock")`` at once."""
        ...

    def create_world(self, name: str, checkpoint: bytes) -> WorldRow:
        """A new world whose state is ``checkpoint`` (sequence number 0)."""
        ...

    def drop_world(self, name: str) -> bool:
        """The world, its log, checkpoints and snapshots; False if there was none."""
        ...

    def world_names(self) -> list[str]: ...

    def least_recently_used(self, count: int, keep: tuple[str, ...]) -> list[str]:
        """The names of the ``count`` worlds used longest ago, those in ``keep`` left out."""
        ...

    def claim(self, name: str) -> bool:
        """Take world ``name``'s lock for the rest of the transaction; False if another
        process holds it."""
        ...

    def entries(self, world: WorldRow, after: int) -> list[LogEntry]:
        """The entries of ``world`` after sequence number ``after``, in order."""
        ...

    def append(self, world: WorldRow, kind: str, data: bytes, body: bytes) -> None:
        """Add the entry ``world.head + 1``; updates ``world``."""
        ...

    def checkpoint(self, world: WorldRow) -> bytes:
        """The state as of ``world.checkpoint_seq``."""
        ...

    def put_checkpoint(self, world: WorldRow, data: bytes, *, of_entries: bool = False) -> None:
        """The whole state as of now, under a new sequence number; older entries are dropped.
        ``of_entries``: the state the log's entries made (no other change since the newest):
        it takes that entry's sequence number, and the entries since the previous checkpoint
        stay, so a process that read the world since then replays them instead of loading the
        whole checkpoint."""
        ...

    def put_checkpoint_of(self, world: WorldRow, seq: int, data: bytes) -> None:
        """The state as of entry ``seq`` (made by the entries up to it, and written while later
        ones were appended): entries up to the previous checkpoint are dropped."""
        ...

    def snapshot(self, world: str, name: str) -> bytes | None: ...

    def put_snapshot(self, world: str, name: str, data: bytes) -> None: ...

    def delete_snapshot(self, world: str, name: str) -> bool: ...

    def snapshot_names(self, world: str | None = None) -> list[tuple[str, str]]: ...


class Store(Protocol):
    url: str  # for messages (no password)

    def transaction(
        self, scope: str | None, *, wait: bool = True
    ) -> AbstractContextManager[Transaction]:
        """Exclusive access to one world (``scope``) or to everything (None) until the block
        ends: committed when it ends normally, rolled back when it raises. Not ``wait``:
        ``StoreBusy`` at once if another process holds the lock."""
        ...

    def take_turn(self, scope: str | None) -> None:
        """Block until this process may have the lock ``transaction(scope)`` needs, for a
        worker thread (the event loop is not held up). SQLite hands the lock over: the
        process's next transaction finds it taken, and ``release_turn`` lets go of it unused.
        PostgreSQL only waits until it is free (its lock queue is fair)."""
        ...

    def release_turn(self) -> None:
        """Let go of a lock ``take_turn`` handed over that no transaction used."""
        ...

    def close(self) -> None: ...


def redact(url: str) -> str:
    """``postgresql://user:secret@host/db`` -> ``postgresql://user:***@host/db``."""
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    credentials, _, host = rest.rpartition("@")
    user, colon, _ = credentials.partition(":")
    return f"{scheme}://{user}{':***' if colon else ''}@{host}"
