"""The tables and statements SQLite and PostgreSQL share; each store supplies a cursor.

``draftmock_worlds`` holds one row per world with its sequence numbers, so a request learns in
one indexed read whether another process wrote since it last looked, and when it was last used
(a store-wide counter: the least recently used sessions are evicted beyond ``--max-sessions``).
``draftmock_log`` holds the entries after the checkpoint, ``draftmock_checkpoints`` the newest
checkpoint of each world.

Appended entries are held back and written together, with the world rows they move, before any
other statement of the transaction and before it commits: a batch of requests costs one
``executemany`` and one update per world.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

from draftmock.store.base import LogEntry, WorldRow


class Cursor(Protocol):
    @property
    def rowcount(self) -> int: ...

    def execute(self, sql: str, params: Any = ..., /) -> Any: ...

    def executemany(self, sql: str, params: Any, /) -> Any: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...


def prepare(tx: SqlTransaction, blob: str, serial: str) -> None:
    """Create the tables if they are missing; bring a store of format 1 to format 2 (which
    added ``draftmock_worlds.used``). Other formats are left for ``Durable.open`` to refuse."""
    for statement in _tables(blob, serial):
        tx.cur.execute(statement)
    if tx.meta("format") == "1":
        tx.cur.execute("ALTER TABLE draftmock_worlds ADD COLUMN used BIGINT NOT NULL DEFAULT 0")
        tx.set_meta("format", "2")
    tx.cur.execute("CREATE INDEX IF NOT EXISTS draftmock_worlds_used ON draftmock_worlds (used)")


def _tables(blob: str, serial: str) -> list[str]:
    return [
        "CREATE TABLE IF NOT EXISTS draftmock_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
        f"""CREATE TABLE IF NOT EXISTS draftmock_worlds (
            id {serial} PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            head BIGINT NOT NULL,
            checkpoint_seq BIGINT NOT NULL,
            log_bytes BIGINT NOT NULL,
            checkpoint_bytes BIGINT NOT NULL,
            used BIGINT NOT NULL DEFAULT 0)""",
        f"""CREATE TABLE IF NOT EXISTS draftmock_log (
            world_id BIGINT NOT NULL,
            seq BIGINT NOT NULL,
            kind TEXT NOT NULL,
            data {blob} NOT NULL,
            body {blob} NOT NULL,
            PRIMARY KEY (world_id, seq))""",
        f"""CREATE TABLE IF NOT EXISTS draftmock_checkpoints (
            world_id BIGINT PRIMARY KEY,
            seq BIGINT NOT NULL,
            data {blob} NOT NULL)""",
        f"""CREATE TABLE IF NOT EXISTS draftmock_snapshots (
            world TEXT NOT NULL,
            name TEXT NOT NULL,
            data {blob} NOT NULL,
            PRIMARY KEY (world, name))""",
    ]


_WORLD = "id, name, head, checkpoint_seq, log_bytes, checkpoint_bytes"


class SqlTransaction:
    """The ``Transaction`` of both SQL stores; ``p`` is the driver's placeholder (? or %s)."""

    def __init__(
        self, cursor: Cursor, p: str, claim: Callable[[Cursor, str], bool] | None = None
    ) -> None:
        self.cur = cursor
        self.p = p
        self._claim = claim
        self._entries: list[tuple[int, int, str, bytes, bytes]] = []
        self._moved: dict[int, WorldRow] = {}  # worlds whose row is to be written

    def _q(self, sql: str) -> str:
        return sql.replace("?", self.p)

    def write(self) -> None:
        """Write the entries appended since the last statement, and their worlds' rows (each
        marked as the most recently used)."""
        if self._entries:
            self.cur.executemany(
                self._q(
                    "INSERT INTO draftmock_log (world_id, seq, kind, data, body) "
                    "VALUES (?, ?, ?, ?, ?)"
                ),
                self._entries,
            )
            self._entries = []
        if self._moved:
            moved = list(self._moved.values())
            self._moved = {}
            for world in moved:
                self.cur.execute(
                    self._q(
                        "UPDATE draftmock_worlds SET head = ?, log_bytes = ?, used = "
                        "(SELECT COALESCE(MAX(used), 0) + 1 FROM draftmock_worlds) WHERE id = ?"
                    ),
                    (world.head, world.log_bytes, world.id),
                )

    def meta(self, key: str) -> str | None:
        self.write()
        self.cur.execute(self._q("SELECT value FROM draftmock_meta WHERE key = ?"), (key,))
        row = self.cur.fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        self.write()
        self.cur.execute(
            self._q(
                "INSERT INTO draftmock_meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            ),
            (key, value),
        )

    def world(self, name: str) -> WorldRow | None:
        self.write()
        self.cur.execute(self._q(f"SELECT {_WORLD} FROM draftmock_worlds WHERE name = ?"), (name,))
        row = self.cur.fetchone()
        return None if row is None else WorldRow(*row)

    def world_and_clock(self, name: str) -> tuple[WorldRow | None, str | None]:
        self.write()
        self.cur.execute(
            self._q(
                f"SELECT {_WORLD}, (SELECT value FROM draftmock_meta WHERE key = 'clock') "
                "FROM draftmock_worlds WHERE name = ?"
            ),
            (name,),
        )
        row = self.cur.fetchone()
        if row is None:
            return None, self.meta("clock")
        return WorldRow(*row[:-1]), row[-1]

    def create_world(self, name: str, checkpoint: bytes) -> WorldRow:
        self.write()
        self.cur.execute(
            self._q(
                "INSERT INTO draftmock_worlds (name, head, checkpoint_seq, log_bytes, "
                "checkpoint_bytes, used) VALUES (?, 0, 0, 0, ?, "
                f"(SELECT COALESCE(MAX(used), 0) + 1 FROM draftmock_worlds)) RETURNING {_WORLD}"
            ),
            (name, len(checkpoint)),
        )
        world = WorldRow(*self.cur.fetchone())
        self.cur.execute(
            self._q("INSERT INTO draftmock_checkpoints (world_id, seq, data) VALUES (?, 0, ?)"),
            (world.id, checkpoint),
        )
        return world

    def drop_world(self, name: str) -> bool:
        self.write()
        world = self.world(name)
        self.cur.execute(self._q("DELETE FROM draftmock_snapshots WHERE world = ?"), (name,))
        if world is None:
            return False
        for table in ("draftmock_log", "draftmock_checkpoints"):
            self.cur.execute(self._q(f"DELETE FROM {table} WHERE world_id = ?"), (world.id,))
        self.cur.execute(self._q("DELETE FROM draftmock_worlds WHERE id = ?"), (world.id,))
        return True

    def world_names(self) -> list[str]:
        self.write()
        self.cur.execute("SELECT name FROM draftmock_worlds ORDER BY name")
        return [str(row[0]) for row in self.cur.fetchall()]

    def entries(self, world: WorldRow, after: int) -> list[LogEntry]:
        self.write()
        self.cur.execute(
            self._q(
                "SELECT seq, kind, data, body FROM draftmock_log "
                "WHERE world_id = ? AND seq > ? ORDER BY seq"
            ),
            (world.id, after),
        )
        return [LogEntry(int(s), str(k), bytes(d), bytes(b)) for s, k, d, b in self.cur.fetchall()]

    def append(self, world: WorldRow, kind: str, data: bytes, body: bytes) -> None:
        world.head += 1
        world.log_bytes += len(data) + len(body)
        self._entries.append((world.id, world.head, kind, data, body))
        self._moved[world.id] = world

    def claim(self, name: str) -> bool:
        """Take world ``name``'s lock for the rest of the transaction, unless another process
        holds it (then False). SQLite's one writer holds every world's."""
        return self._claim is None or self._claim(self.cur, name)

    def least_recently_used(self, count: int, keep: tuple[str, ...]) -> list[str]:
        """The ``count`` least recently used worlds, ``keep`` left out."""
        self.write()
        marks = ", ".join("?" for _ in keep)
        self.cur.execute(
            self._q(
                f"SELECT name FROM draftmock_worlds WHERE name NOT IN ({marks}) "
                "ORDER BY used, id LIMIT ?"
            ),
            (*keep, count),
        )
        return [str(row[0]) for row in self.cur.fetchall()]

    def checkpoint(self, world: WorldRow) -> bytes:
        self.write()
        self.cur.execute(
            self._q("SELECT data FROM draftmock_checkpoints WHERE world_id = ?"), (world.id,)
        )
        return bytes(self.cur.fetchone()[0])

    def put_checkpoint(self, world: WorldRow, data: bytes, *, of_entries: bool = False) -> None:
        self.write()
        covered = world.checkpoint_seq  # the previous checkpoint: entries up to it are dropped
        if not of_entries:
            world.head += 1
            covered = world.head
        world.checkpoint_seq = world.head
        world.log_bytes = 0
        world.checkpoint_bytes = len(data)
        self.cur.execute(
            self._q("UPDATE draftmock_checkpoints SET seq = ?, data = ? WHERE world_id = ?"),
            (world.head, data, world.id),
        )
        self.cur.execute(
            self._q("DELETE FROM draftmock_log WHERE world_id = ? AND seq <= ?"),
            (world.id, covered),
        )
        self.cur.execute(
            self._q(
                "UPDATE draftmock_worlds SET head = ?, checkpoint_seq = ?, log_bytes = 0, "
                "checkpoint_bytes = ? WHERE id = ?"
            ),
            (world.head, world.head, len(data), world.id),
        )

    def put_checkpoint_of(self, world: WorldRow, seq: int, data: bytes) -> None:
        self.write()
        covered = world.checkpoint_seq
        self.cur.execute(
            self._q("UPDATE draftmock_checkpoints SET seq = ?, data = ? WHERE world_id = ?"),
            (seq, data, world.id),
        )
        self.cur.execute(
            self._q("DELETE FROM draftmock_log WHERE world_id = ? AND seq <= ?"),
            (world.id, covered),
        )
        self.cur.execute(
            self._q(
                "SELECT COALESCE(SUM(LENGTH(data) + LENGTH(body)), 0) FROM draftmock_log "
                "WHERE world_id = ? AND seq > ?"
            ),
            (world.id, seq),
        )
        world.log_bytes = int(self.cur.fetchone()[0])
        world.checkpoint_seq = seq
        world.checkpoint_bytes = len(data)
        self.cur.execute(
            self._q(
                "UPDATE draftmock_worlds SET checkpoint_seq = ?, log_bytes = ?, "
                "checkpoint_bytes = ? WHERE id = ?"
            ),
            (seq, world.log_bytes, len(data), world.id),
        )

    def snapshot(self, world: str, name: str) -> bytes | None:
        self.write()
        self.cur.execute(
            self._q("SELECT data FROM draftmock_snapshots WHERE world = ? AND name = ?"),
            (world, name),
        )
        row = self.cur.fetchone()
        return None if row is None else bytes(row[0])

    def put_snapshot(self, world: str, name: str, data: bytes) -> None:
        self.write()
        self.cur.execute(
            self._q(
                "INSERT INTO draftmock_snapshots (world, name, data) VALUES (?, ?, ?) "
                "ON CONFLICT (world, name) DO UPDATE SET data = excluded.data"
            ),
            (world, name, data),
        )

    def delete_snapshot(self, world: str, name: str) -> bool:
        self.write()
        self.cur.execute(
            self._q("DELETE FROM draftmock_snapshots WHERE world = ? AND name = ?"), (world, name)
        )
        return bool(self.cur.rowcount)

    def snapshot_names(self, world: str | None = None) -> list[tuple[str, str]]:
        self.write()
        if world is None:
            self.cur.execute("SELECT world, name FROM draftmock_snapshots ORDER BY world, name")
        else:
            self.cur.execute(
                self._q(
                    "SELECT world, name FROM draftmock_snapshots WHERE world = ? ORDER BY name"
                ),
                (world,),
            )
        return [(str(w), str(n)) for w, n in self.cur.fetchall()]
