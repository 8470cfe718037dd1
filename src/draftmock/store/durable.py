"""A runtime kept in a store: every accepted input is logged, and any process can rebuild a
world exactly by replaying the log after the world's newest checkpoint.

The vendor modules are deterministic given the clock and the ids (seeded per world), so a log
entry holds what is needed to redo a request exactly: the request as received, the request id
and the virtual time it ran at. Per request (``writing``): take the store's lock for the world,
replay what other processes appended since this one last looked, handle the request, append its
entry, commit, and only then reply. Requests the server's event loop handles in one turn share
a transaction (group commit), whichever sessions they name: the first takes the lock and
catches its world up, a request on another world adds that world to the batch (caught up in
the same transaction; committing the batch first only if another process holds that world), the
others only append, and one commit at the end of the loop's turn saves them all before any of
them is answered (``Writing.saved``). A request that raises rolls back its whole group (none of
which was answered yet), and the world is rebuilt from the store before its next use. Control calls that change a world (rules, resets, restores)
write a checkpoint of it instead of an entry: they are rare and their inputs are varied. A
world also gets a checkpoint once the entries written since its last one outweigh it four times,
so start-up replays at most about four times as many bytes of log as the checkpoint holds, and a
write costs O(change) amortised; that checkpoint is encoded by a forked copy of the process
(``store/background.py``) and written with the world's next batch.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import threading
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import AbstractContextManager, ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

import orjson

from draftmock import __version__
from draftmock.errors import ConfigError
from draftmock.runtime import DEFAULT_WORLD, Runtime, World
from draftmock.state_codec import dump, load
from draftmock.store import background, codec
from draftmock.store.base import (
    FORMAT,
    LogEntry,
    Store,
    StoreBusy,
    StoreError,
    Transaction,
    WorldRow,
)

log = logging.getLogger("draftmock.store")

# A world is checkpointed once the log written since its last checkpoint outweighs the
# checkpoint this many times, and never more often than every MIN_LOG_BYTES of log. Encoding a
# checkpoint costs O(state) (off the request path where the process can fork): the ratio trades
# how often that happens against how much log a start-up replays.
CHECKPOINT_RATIO = 4
MIN_LOG_BYTES = 1 << 20

# Control operations (control.yaml) by what they touch: every world, or one world's snapshots
# only. Any other control call acts on the world it names: a GET only reads it; anything else
# may change it, and a checkpoint of the world is written after it.
ALL_WORLDS = frozenset({"moveClock", "listSessions", "deleteSession"})
SNAPSHOT_ONLY = frozenset({"saveSnapshot", "deleteSnapshot", "listSnapshots"})

# Checkpoints due on a batch from the event loop are encoded by a forked copy of the process,
# where there is fork (store/background.py).
FORKING = hasattr(os, "fork")

# Checkpoints a copy encoded are written with the next batches on their worlds, this many bytes
# per batch at most (at least one checkpoint): eight sessions' checkpoints of about 1.5 MB
# each, written with one batch, held its replies for 80-250 ms.
PUT_BYTES_PER_BATCH = 1 << 20

# When a batch opens on a lock another process let go of, the requests that waited for it are
# resumed a few turns of the event loop later (a task's completion reaches its awaiters through
# callbacks). The batch's commit is put off by up to this many turns so they join it.
JOIN_HOPS = 8

Replayer = Callable[[World, dict[str, Any], bytes], None]


@dataclass(slots=True)
class _Track:
    world_id: int
    seq: int  # the newest entry this process's copy of the world includes
    last_now: float  # virtual time of that entry: later entries never run earlier


@dataclass(slots=True)
class Writing:
    """What a request handled under ``Durable.writing`` sees and leaves behind."""

    world: World
    now: float
    entry: tuple[dict[str, Any], bytes] | None = None
    admitted: bool = True
    # Deferred: done once the request's entry is committed (its error if the commit failed).
    saved: asyncio.Future[None] | None = None

    def log_request(self, data: dict[str, Any], body: bytes, *, admitted: bool = True) -> None:
        """Keep the request in the log. A request whose credentials were refused on a session
        the store does not hold yet leaves nothing: it creates no session."""
        self.entry = (data, body)
        self.admitted = admitted


@dataclass(slots=True)
class _Member:
    """A world a batch holds: its row as read in the batch's transaction, and its copy."""

    row: WorldRow | None  # None: a session the store does not hold yet
    world: World | None


@dataclass(slots=True, eq=False)
class _Batch:
    """Requests handled in one store transaction and committed together, on the worlds it
    holds (the first it was opened for, and any it could take without waiting)."""

    tx: Transaction
    closing: ExitStack  # leaving it commits the store's transaction (or rolls it back)
    members: dict[str, _Member]
    waiters: list[asyncio.Future[None]] = field(default_factory=list)
    scheduled: bool = False
    due: set[str] = field(default_factory=set)  # worlds to checkpoint once it is committed


class Durable:
    def __init__(self, runtime: Runtime, store: Store) -> None:
        self.runtime = runtime
        self.store = store
        self.replay_request: Replayer | None = None  # the server's: it owns the pipelines
        self._tracks: dict[str, _Track] = {}
        self._clock_seen: str | None = None
        # Held by the thread whose batch is open until it is committed, and around every other
        # transaction: another thread waits for the batch rather than joining it.
        self._lock = threading.RLock()
        self._batch: _Batch | None = None
        # Waiting for the store's lock in a worker thread, and how many requests wait for it.
        self._turn: asyncio.Task[None] | None = None
        self._turn_waiters = 0
        # World name -> its checkpoint, encoded (or being encoded) by a forked copy; the copy
        # started last (one at a time).
        self._encodings: dict[str, background.Encoding] = {}
        self._copy: background.Encoding | None = None
        # A session evicted from memory (--max-sessions) stays in the store: reload it on use.
        runtime.on_evict.append(self._forget)

    # -- start-up ---------------------------------------------------------------------------

    def open(self, replay_request: Replayer) -> Durable:
        """Attach the server's way to redo a logged request, then check the store's format, share its clock, load (or create) the default world and
        bring stored worlds in line with the documents now served."""
        self.replay_request = replay_request
        with self._lock, self.store.transaction(None) as tx:
            found = tx.meta("format")
            if found is None:
                tx.set_meta("format", str(FORMAT))
            elif found != str(FORMAT):
                raise StoreError(
                    f"--state {self.store.url} holds state in store format {found} "
                    f"(written by draftmock {tx.meta('version') or 'unknown'}); draftmock "
                    f"{__version__} reads format {FORMAT} and cannot convert it. Keep it for that "
                    "version, or start this one on a new --state."
                )
            tx.set_meta("version", __version__)
            # Download URLs one process signs must verify in every other, after restarts too.
            key = tx.meta("url_key")
            if key is None:
                tx.set_meta("url_key", self.runtime.url_key.decode())
            else:
                self.runtime.url_key = key.encode()
            if tx.meta("clock") is None:
                self._save_clock(tx)
            self._sync_clock(tx)
            self._catch_up(tx, DEFAULT_WORLD)
            self._prune_changed_documents(tx)
        return self

    def _prune_changed_documents(self, tx: Transaction) -> None:
        """As ``--watch`` does on a changed spec: records that no longer validate are dropped."""
        digests = {api: _digest(doc.raw) for api, doc in self.runtime.documents.items()}
        stored = orjson.loads(tx.meta("documents") or "{}")
        changed = sorted(api for api in digests if api in stored and stored[api] != digests[api])
        for name in tx.world_names() if changed else []:
            world = self._catch_up(tx, name)
            dropped = [line for api in changed for line in self.runtime.prune_world(api, world)]
            for line in dropped:
                log.warning("state kept in %s no longer valid, dropped: %s", self.store.url, line)
            if dropped:
                self._checkpoint(tx, name)
        if changed or stored != digests:
            tx.set_meta("documents", orjson.dumps({**stored, **digests}).decode())

    # -- the clock ---------------------------------------------------------------------------

    def _save_clock(self, tx: Transaction) -> None:
        frozen_at, offset = self.runtime.clock.export()
        text = orjson.dumps({"frozen_at": frozen_at, "offset": offset}).decode()
        tx.set_meta("clock", text)
        self._clock_seen = text

    def _sync_clock(self, tx: Transaction, text: str | None = None) -> None:
        text = text or tx.meta("clock")
        if text is not None and text != self._clock_seen:
            saved = orjson.loads(text)
            self.runtime.clock.adopt(saved["frozen_at"], saved["offset"])
            self._clock_seen = text

    # -- worlds ------------------------------------------------------------------------------

    def _catch_up(self, tx: Transaction, name: str) -> World:
        """This process's copy of world ``name``, as of the store's newest entry."""
        return self._caught_up(tx, name, tx.world(name))[0]

    def _caught_up(
        self, tx: Transaction, name: str, row: WorldRow | None
    ) -> tuple[World, WorldRow]:
        track = self._tracks.get(name)
        if row is None:
            world = self.runtime.fresh_world(name)
            row = tx.create_world(name, codec.world_checkpoint(world, self.runtime.clock.now()))
            self._tracks[name] = _Track(row.id, row.head, self.runtime.clock.now())
            return world, row
        entries: list[LogEntry] | None = None
        if track is not None and track.world_id == row.id and track.seq < row.checkpoint_seq:
            # Checkpointed since this process looked: the entries it missed may still be there,
            # and replaying them is cheaper than loading the checkpoint unless they outweigh it.
            entries = tx.entries(row, track.seq)
            if (
                not _continuous(entries, track.seq, row.head)
                or _weight(entries, row.checkpoint_seq) > row.checkpoint_bytes
            ):
                entries = None
                track = None
        if track is None or track.world_id != row.id:
            world = self._load_checkpoint(tx, row)
            track = self._tracks[name]
        else:
            world = self.runtime.world(name)
        if row.head > track.seq:
            with world.lock:
                for entry in tx.entries(row, track.seq) if entries is None else entries:
                    track.last_now = self._replay(world, entry.kind, entry.data, entry.body)
                    track.seq = entry.seq
        return world, row

    def _load_checkpoint(self, tx: Transaction, row: WorldRow) -> World:
        try:
            parts = codec.read_checkpoint(tx.checkpoint(row))
        except (ConfigError, KeyError, TypeError, ValueError) as exc:
            raise StoreError(
                f"--state {self.store.url}: the saved state of {row.name!r} cannot be read by "
                f"draftmock {__version__}: {exc}"
            ) from exc
        world = self.runtime.fresh_world(row.name)
        state = parts["state"]
        backends = state["backends"]
        for api in list(backends):
            if api not in self.runtime.vendors:
                log.warning("%s: state of %s kept in the store but not served", row.name, api)
                state["jobs"].discard(api)
                del backends[api]
        for api in self.runtime.vendors:
            backends.setdefault(api, world.backends[api])  # an API served since: its fixtures
        self.runtime.restore(world, state)
        codec.restore_steering(world, parts)
        self._tracks[row.name] = _Track(row.id, row.checkpoint_seq, float(parts["last_now"]))
        return world

    def _replay(self, world: World, kind: str, data: bytes, body: bytes) -> float:
        fields = codec.loads(data)
        now = float(fields["now"])
        if kind == "tick":
            self.runtime.tick(world, now)
        elif kind == "request":
            if self.replay_request is None:
                raise StoreError("a log cannot be replayed before the server is attached")
            if fields["api"] in self.runtime.vendors:
                self.replay_request(world, fields, body)
        else:
            raise StoreError(f"--state {self.store.url}: unknown log entry {kind!r}")
        return now

    def _forget(self, *names: str) -> None:
        """This process's copies of ``names`` are not to be trusted: reload them on next use
        (and not from the open batch, which keeps what it logged of them)."""
        for name in names:
            self._tracks.pop(name, None)
            encoding = self._encodings.get(name)
            if encoding is not None and encoding.done():
                del self._encodings[name]  # checked again (row, sequence number) if still encoding
            if self._batch is not None:
                self._batch.members.pop(name, None)

    def _checkpoint(
        self,
        tx: Transaction,
        name: str,
        row: WorldRow | None = None,
        *,
        of_entries: bool = False,
    ) -> None:
        """``of_entries``: the world is what its log made it (see ``put_checkpoint``)."""
        row = row or tx.world(name)
        track = self._tracks.get(name)
        if row is None or track is None:
            return
        world = self.runtime.world(name)
        with world.lock:
            data = codec.world_checkpoint(world, track.last_now)
            tx.put_checkpoint(row, data, of_entries=of_entries)
        track.seq = row.head

    def _append(
        self,
        tx: Transaction,
        name: str,
        kind: str,
        data: dict[str, Any],
        body: bytes,
        row: WorldRow | None = None,
        batch: _Batch | None = None,
    ) -> None:
        """Log an entry; ``row``: the world's row as read in this transaction, if at hand.
        ``batch``: the event loop's, committed later; a checkpoint the entry makes due is then
        written by a forked copy once the batch is committed, not on the request path."""
        row = row or tx.world(name)
        track = self._tracks[name]
        assert row is not None and row.head == track.seq
        tx.append(row, kind, codec.dumps(data), body)
        track.seq = row.head
        track.last_now = float(data["now"])
        if row.log_bytes >= max(CHECKPOINT_RATIO * row.checkpoint_bytes, MIN_LOG_BYTES):
            if batch is not None and FORKING:
                batch.due.add(name)
            else:
                self._checkpoint(tx, name, row, of_entries=True)

    def _encode_elsewhere(self, names: set[str]) -> None:
        """Have a forked copy of this process encode the checkpoints of worlds ``names`` as
        committed now: one copy for all of them, and none while a copy is still encoding (the
        worlds stay due, and the next entry on each asks again). A world a thread holds waits
        likewise."""
        if self._copy is not None and not self._copy.done():
            return
        if not self._lock.acquire(blocking=False):
            return
        held: list[World] = []
        worlds: dict[str, tuple[World, int, int, float]] = {}
        try:
            for name in sorted(names):
                track = self._tracks.get(name)
                world = self.runtime.existing_world(name)
                if name in self._encodings or track is None or world is None:
                    continue
                if world.lock.acquire(blocking=False):
                    held.append(world)
                    worlds[name] = (world, track.world_id, track.seq, track.last_now)
            if worlds:
                self._copy = background.encode_elsewhere(worlds)
                self._encodings.update(dict.fromkeys(worlds, self._copy))
        except OSError as exc:  # no process to spare: the next entry asks again
            log.warning("checkpoints of %s could not be forked: %s", ", ".join(worlds), exc)
        finally:
            for world in held:
                world.lock.release()
            self._lock.release()

    def _put_encoded(self, batch: _Batch) -> None:
        """Write, with ``batch``, the checkpoints forked copies have encoded of its worlds: up
        to ``PUT_BYTES_PER_BATCH`` of them (at least one), the others with the next batches."""
        written = 0
        for name, encoding in list(self._encodings.items()):
            if written >= PUT_BYTES_PER_BATCH:
                return
            if not encoding.done():
                continue  # still encoding
            data = None if encoding.data is None else encoding.data.get(name)
            member = batch.members.get(name)
            if member is None or member.row is None:
                if data is None:  # failed: the next entry asks again
                    del self._encodings[name]
                continue  # kept for a batch that holds its world
            del self._encodings[name]
            row = member.row
            world_id, seq = encoding.worlds[name]
            if data is not None and row.id == world_id and row.checkpoint_seq < seq <= row.head:
                batch.tx.put_checkpoint_of(row, seq, data)
                written += len(data)

    # -- requests ----------------------------------------------------------------------------

    @contextmanager
    def writing(self, session: str | None, *, deferred: bool = False) -> Iterator[Writing]:
        """Exclusive, current access to a world for one request. Its entry is committed before
        the block ends or, ``deferred`` (from the server's event loop), with the other requests
        of the loop's turn: ``Writing.saved`` is done once it is, and only then may the caller
        reply."""
        name = session or DEFAULT_WORLD
        with self._lock:
            batch = self._batch_for(name)
            member = batch.members[name]
            try:
                now = self.runtime.clock.now()
                fresh: bytes | None = None
                if member.world is not None:
                    world = member.world
                    now = max(now, self._tracks[name].last_now)
                else:  # a session the store does not hold: kept only if this request is admitted
                    world = self.runtime.new_world(name)
                    fresh = codec.world_checkpoint(world, now)
                with world.lock:
                    writing = Writing(world, now)
                    yield writing
                    if writing.entry is not None and (fresh is None or writing.admitted):
                        if fresh is not None:
                            self._create(batch, name, world, fresh, now)
                        assert member.row is not None
                        data, body = writing.entry
                        entry = {**data, "now": now}
                        later = batch if deferred else None
                        self._append(batch.tx, name, "request", entry, body, member.row, later)
            except BaseException as exc:
                self._abort(exc)
                raise
            if deferred:
                writing.saved = self._saved_later(batch)
            if writing.saved is None:
                self._commit()

    def ready_now(self, session: str | None) -> bool:
        """Open the batch of ``session``'s world if that needs no wait: True if a request on
        it may run now (it joins the open batch; any failure is left for ``writing`` to meet),
        False if another process holds the store's lock (then ``ready`` waits for it)."""
        name = session or DEFAULT_WORLD
        if self._batch is not None and name in self._batch.members:
            return True
        if self._turn is not None:  # the process is waiting for its turn already
            return False
        if not self._lock.acquire(blocking=False):  # another thread's transaction
            return True
        try:
            # Committed at the end of the turn even if no request joins it (an unknown path).
            self._commit_soon(self._batch_for(name, wait=False), asyncio.get_running_loop())
        except StoreBusy:
            return False
        except Exception:
            return True
        finally:
            self._lock.release()
        return True

    async def ready(self, session: str | None) -> None:
        """Before a request from the event loop: open its world's batch without holding up the
        loop while another process has the store's lock (its requests are read meanwhile, and
        join the batch once it opens). ``writing`` then joins it; any failure is left for
        ``writing`` to meet and answer."""
        name = session or DEFAULT_WORLD
        loop = asyncio.get_running_loop()
        while not self.ready_now(session):
            if self._turn is not None:
                self._turn_waiters += 1
                try:
                    await asyncio.wait([self._turn])
                finally:
                    self._turn_waiters -= 1
                continue
            self._turn = loop.create_task(self._take_turn(name))

    async def _take_turn(self, name: str) -> None:
        """Wait in a worker thread until the store's lock is this process's turn, then open the
        batch with it at once: the requests that waited join it before it is committed."""
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, self.store.take_turn, name)
        except Exception:
            return  # the requests meet the failure in ``writing``
        finally:
            self._turn = None
        try:
            if self._lock.acquire(blocking=False):
                try:
                    self._commit_soon(self._batch_for(name, wait=False), loop)
                finally:
                    self._lock.release()
        except Exception:
            pass  # likewise
        finally:
            self.store.release_turn()  # unless the batch took it

    def _batch_for(self, name: str, *, wait: bool = True) -> _Batch:
        """The open batch, holding world ``name`` (taken now if another process does not hold
        it), or a new one after committing it: the store's lock taken, the clock and the world
        brought up to date. Requests on several sessions, interleaved, share one commit."""
        batch = self._batch
        if batch is not None and (name in batch.members or self._join(batch, name)):
            return batch
        self._commit()
        self._lock.acquire()  # released when the batch is committed or rolled back
        closing = ExitStack()
        try:
            tx = closing.enter_context(self.store.transaction(name, wait=wait))
            found, clock = tx.world_and_clock(name)  # one round trip on the common path
            self._sync_clock(tx, clock)
            batch = _Batch(tx, closing, {name: self._member(tx, name, found)})
        except BaseException as exc:
            self._lock.release()
            if not isinstance(exc, StoreBusy):
                self._forget(name)
            closing.__exit__(type(exc), exc, exc.__traceback__)
            raise
        self._batch = batch
        return batch

    def _member(self, tx: Transaction, name: str, row: WorldRow | None) -> _Member:
        if row is None and name != DEFAULT_WORLD:
            return _Member(None, None)
        world, row = self._caught_up(tx, name, row)
        return _Member(row, world)

    def _join(self, batch: _Batch, name: str) -> bool:
        """Add world ``name`` to the open batch, unless another process holds it. If it cannot
        be read, the batch is committed without it and the error raised."""
        if not batch.tx.claim(name):
            return False
        try:
            batch.members[name] = self._member(batch.tx, name, batch.tx.world(name))
        except BaseException:
            self._forget(name)
            with suppress(Exception):  # if the commit fails too, its requests got that error
                self._commit()  # the batch's requests keep what they did
            raise
        return True

    def _create(
        self, batch: _Batch, name: str, world: World, checkpoint: bytes, now: float
    ) -> None:
        """Keep a new session's world, in the store and in memory; beyond ``--max-sessions``
        the least recently used sessions leave the store."""
        member = batch.members[name]
        member.row = batch.tx.create_world(name, checkpoint)
        member.world = world
        self._tracks[name] = _Track(member.row.id, member.row.head, now)
        if name != DEFAULT_WORLD:
            self.runtime.drop_world(name)  # a copy of a session deleted elsewhere
        self.runtime.adopt(world)
        self._evict_stored(batch.tx, keep=name)

    def _evict_stored(self, tx: Transaction, keep: str) -> None:
        limit = self.runtime.max_sessions
        if limit is None:
            return
        excess = sum(name != DEFAULT_WORLD for name in tx.world_names()) - limit
        if excess <= 0:
            return
        for name in tx.least_recently_used(excess, (DEFAULT_WORLD, keep)):
            if not tx.claim(name):  # a request on it in progress elsewhere: the next one then
                continue
            tx.drop_world(name)
            self.runtime.drop_world(name)
            self._forget(name)
            log.info(
                "session %r evicted from %s: the least recently used of more than %d "
                "(--max-sessions)",
                name,
                self.store.url,
                limit,
            )

    def _saved_later(self, batch: _Batch) -> asyncio.Future[None] | None:
        """A future done when ``batch`` is committed at the end of the event loop's turn; None
        without a running loop (then it is committed now)."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return None
        future: asyncio.Future[None] = loop.create_future()
        batch.waiters.append(future)
        self._commit_soon(batch, loop)
        return future

    def _commit_soon(self, batch: _Batch, loop: asyncio.AbstractEventLoop) -> None:
        if not batch.scheduled:
            batch.scheduled = True
            loop.call_soon(self._commit_batch, batch)

    def _commit_batch(self, batch: _Batch, hops: int = 0) -> None:
        if self._turn is None and self._turn_waiters and hops < JOIN_HOPS:
            # Requests that waited for this batch's lock are being woken: they join it first.
            asyncio.get_running_loop().call_soon(self._commit_batch, batch, hops + 1)
            return
        if self._batch is batch:
            try:
                self._commit()
            except Exception:  # its waiters got the error, and answer it
                log.exception("the state store failed to commit %d request(s)", len(batch.waiters))

    def _commit(self) -> None:
        """Commit the open batch, then let its requests reply."""
        batch = self._batch
        if batch is None:
            return
        self._batch = None
        try:
            if self._encodings:
                self._put_encoded(batch)
            batch.closing.close()
        except BaseException as exc:
            self._forget(*batch.members)
            _settle(batch, exc)
            raise
        finally:
            self._lock.release()
        _settle(batch, None)
        if batch.due:
            self._encode_elsewhere(batch.due)

    def _abort(self, exc: BaseException) -> None:
        """Roll the open batch back: none of its requests was answered, all of them fail."""
        batch = self._batch
        if batch is None:
            return
        self._batch = None
        try:
            batch.closing.__exit__(type(exc), exc, exc.__traceback__)
        except BaseException:  # the error being handled is the one to report
            pass
        finally:
            self._lock.release()
            self._forget(*batch.members)
            _settle(batch, exc)

    # -- control calls -----------------------------------------------------------------------

    @contextmanager
    def control(self, operation_id: str, method: str, session: str | None) -> Iterator[None]:
        """Around a control call: the worlds it reads are current, what it changes is saved."""
        if operation_id in ALL_WORLDS or (operation_id == "reset" and not session):
            with self._all_worlds(operation_id):
                yield
            return
        name = session or DEFAULT_WORLD
        try:
            with self._lock, self._committed(), self.store.transaction(name) as tx:
                self._sync_clock(tx)
                self._catch_up(tx, name)
                yield
                if method != "GET" and operation_id not in SNAPSHOT_ONLY:
                    self._checkpoint(tx, name)
        except BaseException:
            self._forget(name)
            raise

    @contextmanager
    def _all_worlds(self, operation_id: str) -> Iterator[None]:
        names: list[str] = []
        try:
            with self._lock, self._committed(), self.store.transaction(None) as tx:
                self._sync_clock(tx)
                names = tx.world_names()
                for name in names:
                    self._catch_up(tx, name)
                for name in set(self.runtime.worlds()) - set(names):  # deleted elsewhere
                    self.runtime.drop_world(name)
                    self._forget(name)
                yield
                if operation_id == "moveClock":
                    self._save_clock(tx)
                    now = self.runtime.clock.now()
                    for name in names:
                        self._append(tx, name, "tick", {"now": now}, b"")
                elif operation_id == "deleteSession":
                    kept = set(self.runtime.worlds())
                    for name in names:
                        if name not in kept:
                            tx.drop_world(name)
                            self._forget(name)
                elif operation_id == "reset":
                    for name in names:
                        self._checkpoint(tx, name)
                    self._prune_changed_documents(tx)  # records the documents served now
        except BaseException:
            for name in names:
                self._forget(name)
            raise

    @contextmanager
    def _committed(self) -> Iterator[None]:
        """Before another transaction (the caller holds ``_lock``): the open batch committed."""
        self._commit()
        yield

    def every_world(self) -> AbstractContextManager[None]:
        """Around a change to every world (``--watch`` reloading a spec or fixtures)."""
        return self._all_worlds("reset")

    def snapshots(self) -> MutableMapping[tuple[str, str], dict[str, Any]]:
        return _Snapshots(self)


def _continuous(entries: list[LogEntry], after: int, head: int) -> bool:
    """Whether ``entries`` are every entry from ``after`` up to ``head``: replayed on a copy of
    the world as of ``after``, they make the world as of ``head``. A checkpoint a control call
    wrote has a sequence number of its own, with no entry: a gap."""
    expected = after + 1
    for entry in entries:
        if entry.seq != expected:
            return False
        expected += 1
    return expected == head + 1


def _weight(entries: list[LogEntry], upto: int) -> int:
    """The bytes of ``entries`` up to sequence number ``upto``."""
    return sum(len(e.data) + len(e.body) for e in entries if e.seq <= upto)


def _settle(batch: _Batch, error: BaseException | None) -> None:
    for future in batch.waiters:
        if future.done():  # its request was cancelled
            continue
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)


class _Snapshots(MutableMapping[tuple[str, str], dict[str, Any]]):
    """Named snapshots, (world, name) -> world state, kept in the store."""

    def __init__(self, durable: Durable) -> None:
        self.durable = durable
        self.store = durable.store

    @contextmanager
    def _transaction(self, scope: str | None) -> Iterator[Transaction]:
        with self.durable._lock, self.durable._committed(), self.store.transaction(scope) as tx:
            yield tx

    def __getitem__(self, key: tuple[str, str]) -> dict[str, Any]:
        with self._transaction(key[0]) as tx:
            data = tx.snapshot(*key)
        if data is None:
            raise KeyError(key)
        parts: dict[str, Any] = load(codec.loads(data))
        return parts

    def __setitem__(self, key: tuple[str, str], value: dict[str, Any]) -> None:
        with self._transaction(key[0]) as tx:
            tx.put_snapshot(*key, codec.dumps(dump(value)))

    def __delitem__(self, key: tuple[str, str]) -> None:
        with self._transaction(key[0]) as tx:
            if not tx.delete_snapshot(*key):
                raise KeyError(key)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        with self._transaction(None) as tx:
            return iter(tx.snapshot_names())

    def __len__(self) -> int:
        with self._transaction(None) as tx:
            return len(tx.snapshot_names())


def _digest(raw: Any) -> str:
    return hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()
