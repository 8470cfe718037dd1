"""The composition root: clock, settings, vendors, fixtures and the worlds they live in.

A ``World`` is one isolated state of every API: a backend per vendor, an id factory and the
pending jobs. The server has a default world and may create more (sessions). Every request
runs under its world's lock, so behaviour code sees a consistent state and check-then-act
rules (one draft per group) hold under concurrency.
"""

from __future__ import annotations

import copy
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from draftmock.clock import VirtualClock
from draftmock.errors import ConfigError, FixtureError
from draftmock.faults import Faults
from draftmock.fixtures import FixtureSource, FixtureValidator
from draftmock.ids import Ids, secret_token
from draftmock.jobs import Job, Scheduler
from draftmock.journal import Coverage, Journal
from draftmock.progression import Progressions
from draftmock.spec.document import Document
from draftmock.spec.schema import SchemaValidator
from draftmock.vendors._kit import Blob, Blobs, Context, Jobs, SchemaCheck, Settings, Vendor

DEFAULT_WORLD = "default"
DEFAULT_MAX_SESSIONS = 1000

log = logging.getLogger("draftmock.runtime")


class World:
    def __init__(self, name: str, seed: int, journal_limit: int) -> None:
        self.name = name
        self.lock = threading.RLock()
        self.ids = Ids(seed)
        self.jobs = Scheduler()
        self.backends: dict[str, Any] = {}
        self.blobs: dict[str, Blob] = {}
        # Steering, kept per world so sessions steer independently.
        self.faults = Faults()
        self.progressions = Progressions()
        self.fail_next: dict[tuple[str, str], int] = {}
        self.journal = Journal(journal_limit)
        self.coverage = Coverage()

    def state_parts(self) -> dict[str, Any]:
        """What a snapshot of this world holds (steering and history are not state)."""
        return {"ids": self.ids, "jobs": self.jobs, "backends": self.backends, "blobs": self.blobs}


@dataclass(frozen=True)
class Rebuild:
    """A generated API's files (its document first, then its Overlays) and how to build its
    vendor and document from them again."""

    files: Callable[[], list[Path]]
    build: Callable[[], tuple[Vendor[Any], Document]]


class Runtime:
    def __init__(
        self,
        vendors: Mapping[str, Vendor[Any]],
        documents: Mapping[str, Document],
        fixtures: Iterable[FixtureSource] = (),
        *,
        clock: VirtualClock | None = None,
        settings: Settings | None = None,
        seed: int = 0,
        journal_limit: int = 1000,
        root_api: str | None = None,
        generated: Iterable[str] = (),
        max_sessions: int | None = DEFAULT_MAX_SESSIONS,
    ) -> None:
        self.vendors = dict(vendors)
        # The API served at the server's root (``serve DOC`` with one document), if any.
        self.root_api = root_api
        # APIs served from a user's document (the generated tier) rather than a built-in module.
        self.generated = frozenset(generated)
        # Work for once the server answers (e.g. checking a large document in the background).
        self.after_start: list[Callable[[], object]] = []
        # How each generated API is built again from its files (``serve --watch``).
        self.rebuilds: dict[str, Rebuild] = {}
        self.documents = dict(documents)
        self.clock = clock or VirtualClock()
        self.settings = settings or Settings()
        self.seed = seed
        self.journal_limit = journal_limit
        self.url_key = secret_token().encode()  # signs download URLs; no seed predicts it
        # Where clients reach this server: URLs the mock hands out (download links) start with it.
        # Set by whoever binds the socket (``serve``, ``--public-url``, the test server), never
        # taken from a request's Host header.
        self.public_url = "http://127.0.0.1:4010"
        self._validators = {
            api: FixtureValidator(api, vendor.fixture_schema, self.documents[api])
            for api, vendor in self.vendors.items()
        }
        self.fixtures: list[FixtureSource] = []
        for source in fixtures:
            self.add_fixture(source)
        if max_sessions is not None and max_sessions < 1:
            raise ConfigError("max_sessions must be at least 1")
        self.max_sessions = max_sessions  # None: never evict (a state store keeps sessions)
        # Least recently used first; the default world is never evicted.
        self._worlds: OrderedDict[str, World] = OrderedDict()
        self._worlds_lock = threading.Lock()
        self._creating = threading.RLock()  # one new session at a time: no two copies of one
        # Called with the name of each evicted session (a state store forgets its copy).
        self.on_evict: list[Callable[[str], None]] = []
        self.world()  # load the fixtures now: a bad one is a start-up error, not a first-request one

    # -- fixtures and worlds --------------------------------------------------------------

    def check_fixture(self, source: FixtureSource) -> None:
        """Raise ``FixtureError`` (naming file and field) unless ``source`` validates."""
        if source.api not in self.vendors:
            raise ConfigError(f"{source.origin}: no API named {source.api!r} is served")
        self._validators[source.api].check(source)

    def add_fixture(self, source: FixtureSource) -> None:
        """Validate and keep a fixture; worlds created from now on load it."""
        self.check_fixture(source)
        self.fixtures.append(source)

    def replace_document(self, api: str, document: Document) -> list[str]:
        """Serve a changed spec; keep every world's state that still validates against it."""
        self.documents[api] = document
        self._validators[api] = FixtureValidator(api, self.vendors[api].fixture_schema, document)
        if self.vendors[api].prune_state is None:
            return []
        check = self._record_check(api)
        dropped: list[str] = []
        for world in self.every_world():
            dropped.extend(self.prune_world(api, world, check))
        return dropped

    def prune_world(self, api: str, world: World, check: SchemaCheck | None = None) -> list[str]:
        """Drop (and describe) the records of ``api`` in ``world`` its document no longer allows."""
        prune = self.vendors[api].prune_state
        if prune is None:
            return []
        check = check or self._record_check(api)
        with world.lock:
            return [f"{world.name}: {line}" for line in prune(world.backends[api], check)]

    def _record_check(self, api: str) -> SchemaCheck:
        document = self.documents[api]
        validators: dict[str, SchemaValidator] = {}

        def check(schema_name: str, instance: Any) -> list[str]:
            if schema_name not in validators:
                ref = document.pointer_ref(f"/components/schemas/{schema_name}")
                validators[schema_name] = SchemaValidator(document, ref)
            return [v.describe() for v in validators[schema_name].violations(instance)]

        return check

    def replace_fixtures(self, api: str, sources: Iterable[FixtureSource]) -> None:
        """New fixtures for ``api`` (validated first); every world's ``api`` state restarts from them."""
        sources = list(sources)
        for source in sources:
            self.check_fixture(source)
        self.fixtures = [s for s in self.fixtures if s.api != api] + sources
        self.reset(api)

    def world(self, name: str | None = None) -> World:
        """The world ``name`` names (default: the default world), created if it is new."""
        world = self.existing_world(name)
        if world is not None:
            return world
        with self._creating:
            return self.existing_world(name) or self.adopt(self.new_world(name))

    def existing_world(self, name: str | None = None) -> World | None:
        """The world ``name`` names if it exists (marking it recently used), else None."""
        name = name or DEFAULT_WORLD
        with self._worlds_lock:
            world = self._worlds.get(name)
            if world is not None:
                self._worlds.move_to_end(name)
            return world

    def fresh_world(self, name: str) -> World:
        """Put a new world, straight from the fixtures, in place of ``name`` (steering too)."""
        world = self._new_world(name)
        with self._worlds_lock:
            self._worlds[name] = world
            self._worlds.move_to_end(name)
            evicted = self._evict_beyond_limit(keep=name)
        self._evicted(evicted)
        return world

    @contextmanager
    def creating(self) -> Iterator[None]:
        """Held while a request decides whether it creates a session: ``new_world``, run the
        request on it, then ``adopt`` it or let it go."""
        with self._creating:
            yield

    def new_world(self, name: str | None = None) -> World:
        """A world loaded from the fixtures, not served until ``adopt``-ed."""
        return self._new_world(name or DEFAULT_WORLD)

    def adopt(self, world: World) -> World:
        """Serve ``world`` under its name (unless one already is: that one is returned). Beyond
        ``max_sessions`` sessions, the least recently used idle ones are evicted."""
        with self._worlds_lock:
            known = self._worlds.get(world.name)
            if known is not None:
                self._worlds.move_to_end(world.name)
                return known
            self._worlds[world.name] = world
            evicted = self._evict_beyond_limit(keep=world.name)
        self._evicted(evicted)
        return world

    def _evicted(self, names: list[str]) -> None:
        for name in names:
            log.info(
                "session %r evicted: the least recently used of more than %d (--max-sessions)",
                name,
                self.max_sessions,
            )
            for hook in self.on_evict:
                hook(name)

    def _evict_beyond_limit(self, keep: str) -> list[str]:
        """Drop the least recently used idle sessions while there are too many (caller holds
        ``_worlds_lock``). A session with a request or control call in progress is skipped."""
        evicted: list[str] = []
        if self.max_sessions is None:
            return evicted
        excess = self.session_count() - self.max_sessions
        if excess <= 0:
            return evicted
        for name, world in list(self._worlds.items()):
            if len(evicted) >= excess:
                break
            if name in (DEFAULT_WORLD, keep) or not world.lock.acquire(blocking=False):
                continue
            try:
                del self._worlds[name]
            finally:
                world.lock.release()
            evicted.append(name)
        if len(evicted) < excess:
            log.warning("more than %d sessions, all of them busy", self.max_sessions)
        return evicted

    def session_count(self) -> int:
        """Worlds other than the default one."""
        return len(self._worlds) - (DEFAULT_WORLD in self._worlds)

    def worlds(self) -> list[str]:
        with self._worlds_lock:
            return sorted(self._worlds)

    def every_world(self) -> list[World]:
        """Every world now served (by name), for a sweep; using them marks none as used."""
        with self._worlds_lock:
            return [self._worlds[name] for name in sorted(self._worlds)]

    def drop_world(self, name: str) -> bool:
        """Forget a session's world (its state, jobs, journal); False if there was none. The
        default world cannot be dropped: reset it instead."""
        if name == DEFAULT_WORLD:
            raise ConfigError("the default state cannot be deleted; reset it instead")
        with self._worlds_lock:
            return self._worlds.pop(name, None) is not None

    def _new_world(self, name: str) -> World:
        world = World(name, self.seed, self.journal_limit)
        for api in self.vendors:
            self._fill(world, api)
        return world

    def _fill(self, world: World, api: str) -> None:
        vendor = self.vendors[api]
        backend = vendor.new_backend()
        now = self.clock.now()
        for source in self.fixtures:
            if source.api == api:
                _load(vendor, backend, source, world.ids, now)
        world.backends[api] = backend

    def reset(self, api: str | None = None, world_name: str | None = None) -> int:
        """Back to the loaded fixtures: every API (or one) of one world, or of every world when
        ``world_name`` is None. Each world is locked only while its own state is rebuilt.
        Returns how many worlds were reset."""
        if api is not None and api not in self.vendors:
            raise ConfigError(f"no API named {api!r} is served")
        if world_name is not None:
            self.reset_world(self.world(world_name), api)
            return 1
        worlds = self.every_world()
        for world in worlds:
            self.reset_world(world, api)
        return len(worlds)

    def reset_world(self, world: World, api: str | None = None) -> None:
        if api is not None and api not in self.vendors:
            raise ConfigError(f"no API named {api!r} is served")
        with world.lock:
            for slug in [api] if api else list(self.vendors):
                world.jobs.discard(slug)
                self._fill(world, slug)
            # Failures asked for the next jobs go with the jobs they were meant for.
            for key in [k for k in world.fail_next if api is None or k[0] == api]:
                del world.fail_next[key]
            world.coverage.clear(api)

    def snapshot(self, world: World) -> dict[str, Any]:
        with world.lock:
            return copy.deepcopy(world.state_parts())

    def restore(self, world: World, parts: dict[str, Any]) -> None:
        self._check_state(parts)
        parts = copy.deepcopy(parts)
        with world.lock:
            world.ids = parts["ids"]
            world.jobs = parts["jobs"]
            world.backends = {api: parts["backends"][api] for api in self.vendors}
            world.blobs = parts["blobs"]

    def _check_state(self, parts: Any) -> None:
        """Refuse (``ConfigError``) what is not a world state of this server."""
        if not (
            isinstance(parts, dict)
            and isinstance(parts.get("ids"), Ids)
            and isinstance(parts.get("jobs"), Scheduler)
            and isinstance(parts.get("backends"), dict)
            and isinstance(parts.get("blobs"), dict)
        ):
            raise ConfigError("not a state of this server: it needs ids, jobs, backends and blobs")
        missing = set(self.vendors) - set(parts["backends"])
        if missing:
            raise ConfigError(f"the state holds no data for {', '.join(sorted(missing))}")
        for api, vendor in self.vendors.items():
            expected = type(vendor.new_backend())
            if not isinstance(parts["backends"][api], expected):
                raise ConfigError(f"the state of {api} is not a {expected.__name__}")
        for job in parts["jobs"].pending():
            if job.api not in self.vendors or job.kind not in self.vendors[job.api].jobs:
                raise ConfigError(f"the state holds a job this server cannot run: {job.id}")

    def load_into(self, world: World, sources: Iterable[FixtureSource]) -> list[str]:
        """Load more fixtures into one world (validated first, all or nothing)."""
        sources = list(sources)
        for source in sources:
            self.check_fixture(source)
        with world.lock:
            before = self.snapshot(world)
            try:
                for source in sources:
                    _load(
                        self.vendors[source.api],
                        world.backends[source.api],
                        source,
                        world.ids,
                        self.clock.now(),
                    )
            except Exception:
                self.restore(world, before)
                raise
        return [source.api for source in sources]

    # -- time -----------------------------------------------------------------------------

    def context(
        self, world: World, api: str, request_id: str, now: float, operation: str | None = None
    ) -> Context[Any]:
        return Context(
            api=api,
            now=now,
            ids=world.ids,
            backend=world.backends[api],
            jobs=Jobs(
                world.jobs,
                api,
                now,
                operation=operation,
                progressions=world.progressions,
                fail_next=world.fail_next,
            ),
            settings=self.settings,
            request_id=request_id,
            blobs=Blobs(world.blobs, self.url_key, world.name, base_url=self.public_url),
        )

    def tick(self, world: World, now: float | None = None) -> list[Job]:
        """Run every job of ``world`` due by ``now`` (the clock's), in due order; returns them."""
        ran: list[Job] = []
        now = self.clock.now() if now is None else now
        with world.lock:
            while (job := world.jobs.pop_due(now)) is not None:
                ctx = self.context(world, job.api, job.id, job.due, job.operation)
                ctx.failure = job.failure
                self.vendors[job.api].jobs[job.kind](ctx, job.payload)
                ran.append(job)
        return ran


def _load(vendor: Vendor[Any], backend: Any, source: FixtureSource, ids: Ids, now: float) -> None:
    """The vendor's loader over one fixture source; its own findings name the file too."""
    try:
        vendor.load_fixture(backend, source.data, ids, now)
    except FixtureError as error:
        if not source.quote:  # a file read on request: its content stays in the server's log
            log.warning("%s: %s fixture refused: %s", source.origin, source.api, error)
            raise FixtureError(
                f"{source.origin}: {source.api} fixture is inconsistent (the server's log "
                "says where)"
            ) from None
        raise FixtureError(f"{source.origin}: {source.api} fixture: {error}") from error
