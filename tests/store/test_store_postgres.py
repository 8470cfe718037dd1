"""PostgreSQL's commits: not waiting for the WAL flush unless the URL asks for it."""

from __future__ import annotations

from draftmock.store.postgres import PostgresStore


def _synchronous_commit(store: PostgresStore) -> str:
    with store.transaction(None) as tx:
        tx.cur.execute("SHOW synchronous_commit")
        return str(tx.cur.fetchone()[0])


def test_commits_do_not_wait_for_the_flush_unless_the_url_says_so(postgres_url: str) -> None:
    store = PostgresStore(postgres_url)
    asked = PostgresStore(f"{postgres_url}?options=-c%20synchronous_commit%3Don")
    try:
        assert _synchronous_commit(store) == "off"
        assert _synchronous_commit(asked) == "on"
    finally:
        store.close()
        asked.close()
