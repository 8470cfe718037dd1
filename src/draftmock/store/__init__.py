"""Durable and shared state: ``serve --state PATH.db`` (SQLite) or ``postgresql://...``."""

from __future__ import annotations

from pathlib import Path

from draftmock.store.base import Store, StoreError


def open_store(location: str) -> Store:
    """A store for ``--state``: a PostgreSQL URL, or else the path of a SQLite file."""
    if location.startswith(("postgresql://", "postgres://")):
        from draftmock.store.postgres import PostgresStore

        return PostgresStore(location)
    if "://" in location:
        raise StoreError(
            f"--state {location}: give a SQLite file path or a postgresql://USER@HOST:PORT/DB URL"
        )
    from draftmock.store.sqlite import SqliteStore

    return SqliteStore(Path(location))


__all__ = ["Store", "StoreError", "open_store"]
