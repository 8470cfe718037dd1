"""A runtime kept in a store: every accepted input is logged, and any process can rebuild a
world exactly by replaying the log after the world's newest checkpoint.

The vendor modules are deterministic given the clock and the ids (seeded per world), so a log
entry holds what is needed to redo a request exactly: the request as received, the request id
and the virtual time it ran at. Per request (``writing``): take the store's lock for the world,
replay what other processes appended since this one last looked, handle the request, append its
entry, commit, and only then reply. A request that raises is rolled back, and the world is rebuilt
from the store before its next use. Control calls that change a world (rules, resets, restores)
write a checkpoint of it instead of an entry: they are rare and their inputs are varied. A
world also gets a checkpoint once the entries written since its last one outweigh it, so start-up
replays at most about as many bytes of log as the checkpoint holds, and a write costs O(change)
amortised.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterator, MutableMapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import orjson

from draftmock import __version__
from draftmock.errors import ConfigError
from draftmock.runtime import DEFAULT_WORLD, Runtime, World
from draftmock.state_codec import dump, load
from draftmock.store import codec
from draftmock.store.base import FORMAT, Store, StoreError, Transaction, WorldRow

log = logging.getLogger("draftmock.store")

# A world is checkpointed once the log written since its last checkpoint outweighs the
# checkpoint, and never more often than every this many bytes of log.
MIN_LOG_BYTES = 1 << 20

# Control operations (control.yaml) by what they touch: every world, or one world's snapshots
# only. Any other control call acts on the world it names: a GET only reads it; anything else
# may change it, and a checkpoint of the world is written after it.
ALL_WORLDS = frozenset({"moveClock", "listSessions", "deleteSession"})
SNAPSHOT_ONLY = frozenset({"saveSnapshot", "deleteSnapshot", "listSnapshots"})

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

    def log_request(self, data: dict[str, Any], body: bytes) -> None:
        self.entry = (data, body)


class Durable:
    def __init__(self, runtime: Runtime, store: Store) -> None:
        self.runtime = runtime
        self.store = store
        self.replay_request: Replayer | None = None  # the server's: it owns the pipelines
        self._tracks: dict[str, _Track] = {}
        self._clock_seen: str | None = None
        # A session evicted from memory (--max-sessions) stays in the store: reload it on use.
        runtime.on_evict.append(self._forget)

    # -- start-up ---------------------------------------------------------------------------

    def open(self, replay_request: Replayer) -> Durable:
        """Attach the server's way to redo a logged request, then check the store's format, share its clock, load (or create) the default world and
        bring stored worlds in line with the documents now served."""
        self.replay_request = replay_request
        with self.store.transaction(None) as tx:
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
        if track is None or track.world_id != row.id or track.seq < row.checkpoint_seq:
            world = self._load_checkpoint(tx, row)
            track = self._tracks[name]
        else:
            world = self.runtime.world(name)
        if row.head > track.seq:
            with world.lock:
                for entry in tx.entries(row, track.seq):
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

    def _forget(self, name: str) -> None:
        """This process's copy of ``name`` is not to be trusted: reload it on next use."""
        self._tracks.pop(name, None)

    def _checkpoint(self, tx: Transaction, name: str) -> None:
        row = tx.world(name)
        track = self._tracks.get(name)
        if row is None or track is None:
            return
        world = self.runtime.world(name)
        with world.lock:
            tx.put_checkpoint(row, codec.world_checkpoint(world, track.last_now))
        track.seq = row.head

    def _append(
        self,
        tx: Transaction,
        name: str,
        kind: str,
        data: dict[str, Any],
        body: bytes,
        row: WorldRow | None = None,
    ) -> None:
        """Log an entry; ``row``: the world's row as read in this transaction, if at hand."""
        row = row or tx.world(name)
        track = self._tracks[name]
        assert row is not None and row.head == track.seq
        tx.append(row, kind, codec.dumps(data), body)
        track.seq = row.head
        track.last_now = float(data["now"])
        if row.log_bytes >= max(row.checkpoint_bytes, MIN_LOG_BYTES):
            self._checkpoint(tx, name)

    # -- requests ----------------------------------------------------------------------------

    @contextmanager
    def writing(self, session: str | None) -> Iterator[Writing]:
        """Exclusive, current access to a world for one request; its entry is committed before
        the block's caller replies."""
        name = session or DEFAULT_WORLD
        try:
            with self.store.transaction(name) as tx:
                found, clock = tx.world_and_clock(name)  # one round trip on the common path
                self._sync_clock(tx, clock)
                world, row = self._caught_up(tx, name, found)
                track = self._tracks[name]
                with world.lock:
                    writing = Writing(world, max(self.runtime.clock.now(), track.last_now))
                    yield writing
                    if writing.entry is not None:
                        data, body = writing.entry
                        entry = {**data, "now": writing.now}
                        self._append(tx, name, "request", entry, body, row)
        except BaseException:
            self._forget(name)
            raise

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
            with self.store.transaction(name) as tx:
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
            with self.store.transaction(None) as tx:
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

    def every_world(self) -> AbstractContextManager[None]:
        """Around a change to every world (``--watch`` reloading a spec or fixtures)."""
        return self._all_worlds("reset")

    def snapshots(self) -> MutableMapping[tuple[str, str], dict[str, Any]]:
        return _Snapshots(self)


class _Snapshots(MutableMapping[tuple[str, str], dict[str, Any]]):
    """Named snapshots, (world, name) -> world state, kept in the store."""

    def __init__(self, durable: Durable) -> None:
        self.store = durable.store

    def __getitem__(self, key: tuple[str, str]) -> dict[str, Any]:
        with self.store.transaction(key[0]) as tx:
            data = tx.snapshot(*key)
        if data is None:
            raise KeyError(key)
        parts: dict[str, Any] = load(codec.loads(data))
        return parts

    def __setitem__(self, key: tuple[str, str], value: dict[str, Any]) -> None:
        with self.store.transaction(key[0]) as tx:
            tx.put_snapshot(*key, codec.dumps(dump(value)))

    def __delitem__(self, key: tuple[str, str]) -> None:
        with self.store.transaction(key[0]) as tx:
            if not tx.delete_snapshot(*key):
                raise KeyError(key)

    def __iter__(self) -> Iterator[tuple[str, str]]:
        with self.store.transaction(None) as tx:
            return iter(tx.snapshot_names())

    def __len__(self) -> int:
        with self.store.transaction(None) as tx:
            return len(tx.snapshot_names())


def _digest(raw: Any) -> str:
    return hashlib.sha256(orjson.dumps(raw, option=orjson.OPT_SORT_KEYS)).hexdigest()
