"""The live journal as server-sent events (``GET /__draftmock/requests/stream``).

Each journal entry is one ``request`` event whose ``id`` is the entry's id, so a browser's
``EventSource`` that reconnects sends ``Last-Event-ID`` and misses nothing the journal still
holds. A stream ends by itself after ``STREAM_SECONDS`` (the client reconnects after the
``retry`` delay) so no connection outlives a server stop for long; a comment line every
``KEEPALIVE_SECONDS`` keeps proxies from closing an idle one. When the session is deleted the
stream sends a ``gone`` event and ends (within ``CHECK_SECONDS``).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable

from draftmock.journal import Entry
from draftmock.runtime import World

STREAM_SECONDS = 60.0
KEEPALIVE_SECONDS = 10.0
CHECK_SECONDS = 1.0  # how often an idle stream checks that its session still exists
RETRY_MS = 500


def _matches(entry: Entry, api: str | None, operation: str | None, status: int | None) -> bool:
    return (
        (api is None or entry.api == api)
        and (operation is None or entry.operation_id == operation)
        and (status is None or entry.status == status)
    )


def _event(entry: Entry) -> str:
    return f"id: {entry.id}\nevent: request\ndata: {json.dumps(entry.to_json())}\n\n"


async def journal_events(
    world: World,
    alive: Callable[[], bool],
    *,
    after: int,
    api: str | None = None,
    operation: str | None = None,
    status: int | None = None,
    seconds: float | None = None,
    refresh: Callable[[], object] | None = None,
) -> AsyncIterator[str]:
    """Entries of ``world`` newer than id ``after`` as they are journaled; ``alive()`` says
    whether the world still exists. ``refresh``, if given, is called every ``CHECK_SECONDS``:
    it brings this process's copy of the world up to date, where other processes journal
    (a worker of ``--workers``, whose requests the state process runs)."""
    loop = asyncio.get_running_loop()
    seconds = STREAM_SECONDS if seconds is None else seconds
    wake = asyncio.Event()

    def notify() -> None:
        loop.call_soon_threadsafe(wake.set)

    stop = world.journal.listen(notify)
    said = loop.time()
    deadline = said + seconds
    try:
        yield f"retry: {RETRY_MS}\n\n"
        while True:
            wake.clear()
            for entry in world.journal.since(after):
                after = entry.id
                if _matches(entry, api, operation, status):
                    yield _event(entry)
            if not alive():
                yield f"event: gone\ndata: {json.dumps({'session': world.name})}\n\n"
                return
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                await asyncio.wait_for(wake.wait(), timeout=min(CHECK_SECONDS, remaining))
            except TimeoutError:
                if refresh is not None:
                    refresh()
                if loop.time() - said >= KEEPALIVE_SECONDS:
                    said = loop.time()
                    yield ": keep-alive\n\n"
    finally:
        stop()
