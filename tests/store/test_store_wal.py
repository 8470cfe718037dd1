"""SQLite's WAL is copied back into the database file by a thread beside the requests, not by
whichever commit crosses SQLite's 1,000-page mark (with its fsyncs, while every request in
flight waits)."""

from __future__ import annotations

import time
from pathlib import Path

from draftmock.store import sqlite as sqlite_module
from draftmock.store.sqlite import SqliteStore


def _write(store: SqliteStore, count: int, size: int) -> None:
    for i in range(count):
        with store.transaction(None) as tx:
            tx.set_meta(f"k{i}", "x" * size)


def test_commits_leave_the_wal_to_the_checkpoint_thread(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_module, "WAL_CHECKPOINT_SECONDS", 3600.0)  # the thread sleeps
    path = tmp_path / "state.db"
    store = SqliteStore(path)
    try:
        _write(store, 400, 8000)  # about 1,200 pages: past SQLite's own checkpoint mark
        assert Path(f"{path}-wal").stat().st_size > 4_000_000
        assert path.stat().st_size < 100_000  # no commit copied the WAL into the file
    finally:
        store.close()


def test_the_thread_copies_the_wal_into_the_database_file(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(sqlite_module, "WAL_CHECKPOINT_SECONDS", 0.05)
    path = tmp_path / "state.db"
    store = SqliteStore(path)
    try:
        _write(store, 400, 8000)
        deadline = time.monotonic() + 10
        while path.stat().st_size < 3_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size > 3_000_000  # the pages are in the database file itself
    finally:
        store.close()
