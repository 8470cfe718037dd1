"""SQLite: one file on one machine, shared by the worker processes of one server.

Writers are serialised by an exclusive ``flock`` on ``PATH-lock`` taken before
``BEGIN IMMEDIATE``: a waiting process sleeps in the kernel and wakes the moment the lock is
free, where SQLite's own busy handler would poll with growing sleeps. ``flock`` is not fair: a
process that lets go and asks again at once would mostly win over one woken to take it. So the
lock is reached through a turnstile, ``PATH-queue``: whoever waits for the lock holds the queue
while it waits, and a process asking for the lock must get the queue first. The one that lets
go of the lock then waits behind the one that was waiting, and worker processes take turns.

The database runs in WAL mode with ``synchronous=NORMAL``: a committed transaction survives the
process being killed; an operating-system crash may lose the last few (``synchronous=FULL``
would fsync each commit). Copying the WAL's committed pages back into the database file (a WAL
checkpoint, with its fsyncs) is done by a thread of each process, on a connection of its own,
a few times a second: left to SQLite, it falls on the commit that crosses 1,000 pages of WAL,
and every request in flight waits for it. SQLite lets go of the GIL while it copies and syncs.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from draftmock.store.base import StoreBusy, StoreError
from draftmock.store.sql import SqlTransaction, prepare

# How often the WAL is copied into the database file, and the WAL size (in pages) at which a
# commit does it itself, should that thread fall behind.
WAL_CHECKPOINT_SECONDS = 0.25
WAL_BACKSTOP_PAGES = 16384


class SqliteStore:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.url = str(path)
        if path.parent and not path.parent.is_dir():
            raise StoreError(f"--state {path}: the directory {path.parent} does not exist")
        try:
            self._lock_fd = os.open(f"{path}-lock", os.O_RDWR | os.O_CREAT, 0o644)
            self._queue_fd = os.open(f"{path}-queue", os.O_RDWR | os.O_CREAT, 0o644)
            self._handed = False  # take_turn took the lock for this process's next transaction
            self._db = sqlite3.connect(
                path, isolation_level=None, check_same_thread=False, timeout=30
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(f"PRAGMA wal_autocheckpoint={WAL_BACKSTOP_PAGES}")
            self._thread_lock = threading.RLock()
            self._active: SqlTransaction | None = None
            with self.transaction(None) as tx:
                prepare(tx, "BLOB", "INTEGER")
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"--state {path}: cannot open it as a SQLite database: {exc}") from exc
        self._closing = threading.Event()
        self._checkpointer = threading.Thread(
            target=self._checkpoint_wal, name="draftmock-wal-checkpoint", daemon=True
        )
        self._checkpointer.start()

    def _checkpoint_wal(self) -> None:
        """Copy the WAL into the database file now and then, beside the requests. ``PASSIVE``
        never waits for a writer; another process's checkpoint in progress makes this one a
        no-op."""
        try:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        except sqlite3.Error:  # then commits do it (WAL_BACKSTOP_PAGES)
            return
        try:
            while not self._closing.wait(WAL_CHECKPOINT_SECONDS):
                # Busy or locked: the next round does it (or a commit, past the backstop).
                with suppress(sqlite3.Error):
                    db.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            db.close()

    def _take(self, wait: bool) -> None:
        """Take the lock through the turnstile (or find it handed over by ``take_turn``)."""
        if self._handed:
            self._handed = False
            return
        try:
            fcntl.flock(self._queue_fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            try:
                fcntl.flock(self._lock_fd, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
            finally:
                fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
        except BlockingIOError as exc:
            raise StoreBusy(f"{self.path} is being written by another process") from exc

    @contextmanager
    def _locked(self, wait: bool = True) -> Iterator[None]:
        self._take(wait)
        try:
            yield
        finally:
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    @contextmanager
    def transaction(self, scope: str | None, *, wait: bool = True) -> Iterator[SqlTransaction]:
        with self._thread_lock:
            if self._active is not None:  # nested: the outer transaction covers it
                yield self._active
                return
            with self._locked(wait):
                self._db.execute("BEGIN IMMEDIATE")
                tx = SqlTransaction(self._db.cursor(), "?")
                self._active = tx
                try:
                    yield tx
                    tx.write()
                    self._db.execute("COMMIT")
                except BaseException:
                    if self._db.in_transaction:
                        self._db.execute("ROLLBACK")
                    raise
                finally:
                    self._active = None

    def take_turn(self, scope: str | None) -> None:
        # In the queue until the lock is ours, then kept for the next transaction.
        fcntl.flock(self._queue_fd, fcntl.LOCK_EX)
        try:
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
        finally:
            fcntl.flock(self._queue_fd, fcntl.LOCK_UN)
        self._handed = True

    def release_turn(self) -> None:
        if self._handed:
            self._handed = False
            fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def close(self) -> None:
        self._closing.set()
        self._checkpointer.join()
        self._db.close()
        os.close(self._lock_fd)
        os.close(self._queue_fd)
