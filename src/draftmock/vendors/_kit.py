"""What every vendor module is built from; nothing here knows about HTTP frameworks.

A vendor is a ``Vendor`` value: its spec file, one handler per operationId, its job functions,
a constructor for its in-memory backend, its authentication rule and its error renderers.
Handlers receive a ``Context`` (time, ids, jobs, settings, the caller) and a ``Call`` (typed,
already validated parameters and body) and return a ``Reply`` or raise a ``VendorError``.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote

from draftmock import state_codec
from draftmock.ids import Ids
from draftmock.jobs import Job, Scheduler
from draftmock.progression import NEVER, Progressions
from draftmock.spec.schema import Violation

B = TypeVar("B")


class VendorError(Exception):
    """An error the simulated API answers with. Subclasses set class-level defaults."""

    status: int = 400
    message: str = "Bad request"
    code: str | None = None

    def __init__(
        self,
        message: str | None = None,
        *,
        status: int | None = None,
        code: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.message = message if message is not None else type(self).message
        self.status = status if status is not None else type(self).status
        self.code = code if code is not None else type(self).code
        self.headers = dict(headers or {})
        self.extra = extra
        super().__init__(self.message)


class ContractGap(Exception):
    """The contract cannot be honoured (e.g. a response schema no value satisfies): the server
    answers its 500 diagnostic with this reason rather than anything off-spec."""


@dataclass(slots=True)
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str = "application/json"


def ok(body: Any, **headers: str) -> Reply:
    return Reply(200, body, dict(headers))


def created(body: Any) -> Reply:
    return Reply(201, body)


def accepted(body: Any) -> Reply:
    return Reply(202, body)


def no_content() -> Reply:
    return Reply(204, None)


@dataclass(slots=True)
class Call:
    """One validated request, as a handler sees it."""

    operation_id: str
    path: dict[str, Any]
    query: dict[str, Any]
    headers: Mapping[str, str]
    body: Any
    principal: Any


@dataclass(frozen=True)
class Settings:
    async_delay: float = 2.0
    strict_responses: bool = True
    options: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)

    def option(self, api: str, name: str, default: Any) -> Any:
        return self.options.get(api, {}).get(name, default)


class Jobs:
    """A vendor's view of the scheduler: its own api, due times from the virtual clock.

    How a job progresses is the control plane's choice per operation (``Progressions``): after
    the vendor's delay (or another number of seconds), after N status polls, or manually. The
    control plane can also ask for the next job of an operation to fail (``fail_next``).
    """

    __slots__ = ("_api", "_fail_next", "_now", "_operation", "_progressions", "_scheduler")

    def __init__(
        self,
        scheduler: Scheduler,
        api: str,
        now: float,
        *,
        operation: str | None = None,
        progressions: Progressions | None = None,
        fail_next: dict[tuple[str, str], int] | None = None,
    ) -> None:
        self._scheduler = scheduler
        self._api = api
        self._now = now
        self._operation = operation
        self._progressions = progressions
        self._fail_next = fail_next

    def schedule(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        delay: float,
        not_before: float | None = None,
        polls: int | None = None,
    ) -> Job:
        """Due after ``delay`` seconds, or after ``polls`` status reads if given, unless the
        control plane set another progression for the operation."""
        rule = self._progressions.get(self._api, self._operation) if self._progressions else None
        if rule is None and polls is not None:
            due = NEVER
        elif rule is None or rule.mode == "time":
            seconds = rule.seconds if rule is not None and rule.seconds is not None else delay
            due = self._now + seconds
            polls = None
        else:
            due = NEVER
            polls = rule.polls if rule.mode == "polls" else None
        if not_before is not None and due < not_before:
            due = not_before
        return self._scheduler.schedule(
            self._api,
            kind,
            payload,
            due,
            operation=self._operation,
            failure=self._take_failure(),
            polls_left=polls,
        )

    def _take_failure(self) -> str | None:
        key = (self._api, self._operation or "")
        if not self._fail_next or self._fail_next.get(key, 0) <= 0:
            return None
        self._fail_next[key] -= 1
        return "failure requested through /__draftmock/jobs/fail-next"

    def due_of(self, kind: str, **match: Any) -> float | None:
        return self._scheduler.due_of(self._api, kind, match)


@dataclass(slots=True)
class Blob:
    content: bytes
    media_type: str
    expires_at: float  # when the last URL handed out for it expires; then it is dropped


class Blobs:
    """Files the mock itself serves at ``/__draftmock/blobs/<id>``, behind pre-signed URLs.

    A URL carries its expiry and a signature over the file id and that expiry (HMAC with the
    runtime's key, drawn from the operating system, never from the seeded ids), so it cannot be
    guessed or extended, and no URL is stored. Identical content is stored once (a client
    polling a dataset gets many URLs for one file), and a file is dropped once the last URL
    handed out for it has expired.
    """

    PATH = "/__draftmock/blobs/"

    def __init__(
        self,
        store: dict[str, Blob],
        key: bytes,
        world: str = "default",
        *,
        base_url: str = "http://127.0.0.1:4010",
    ) -> None:
        self._store = store
        self._key = key
        self._world = world  # a session's files: its URLs name it (signed), no header needed
        self.base_url = base_url.rstrip("/")  # the server's configured address, not a Host header

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` (from ``publish``) on this server."""
        return f"{self.base_url}{path}"

    def publish(self, content: bytes, media_type: str, expires_at: float, now: float) -> str:
        """Store ``content`` until ``expires_at``; returns the path and query (below the
        server root) that serve it until then."""
        self.sweep(now)
        digest = hashlib.sha256(media_type.encode() + b"\n" + content).hexdigest()[:32]
        found = self._store.get(digest)
        if found is None:
            self._store[digest] = Blob(content, media_type, expires_at)
        else:
            found.expires_at = max(found.expires_at, expires_at)
        expires = format(expires_at, ".3f")
        query = f"Expires={expires}&Signature={self._sign(digest, expires)}"
        if self._world != "default":
            query += f"&Session={quote(self._world, safe='')}"
        return f"{self.PATH}{digest}?{query}"

    def sweep(self, now: float) -> None:
        """Drop every file whose URLs have all expired."""
        for blob_id in [k for k, blob in self._store.items() if blob.expires_at <= now]:
            del self._store[blob_id]

    def open(
        self, blob_id: str, expires: str | None, signature: str | None, now: float
    ) -> Blob | str:
        """The file a URL names, or why it is refused."""
        if not (
            expires is not None
            and signature is not None
            and hmac.compare_digest(self._sign(blob_id, expires), signature)
        ):
            return "the signature of this link does not match"
        try:
            expired = now >= float(expires)
        except ValueError:
            expired = True
        if expired:
            return "this link has expired"
        return self._store.get(blob_id) or "no such file"

    def _sign(self, blob_id: str, expires: str) -> str:
        message = f"{blob_id}\n{expires}\n{self._world}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()


@dataclass(slots=True)
class Context(Generic[B]):
    """Everything behaviour code may use: no globals, no wall clock."""

    api: str
    now: float
    ids: Ids
    backend: B
    jobs: Jobs
    settings: Settings
    request_id: str
    blobs: Blobs
    failure: str | None = None  # set for a job the control plane asked to fail


@dataclass(slots=True)
class AuthInput:
    """The credentials a request presented for the schemes its operation accepts."""

    operation_id: str
    requirements: tuple[dict[str, list[str]], ...]
    credentials: dict[str, str | None]  # scheme name -> presented value (None: absent)
    headers: Mapping[str, str]
    method: str
    path: str
    query_string: str
    body: bytes


@dataclass(slots=True)
class Admission:
    principal: Any
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Context[Any], Call], Reply]
# (component schema name, instance) -> problems; empty when the instance validates.
SchemaCheck = Callable[[str, Any], list[str]]
JobFunction = Callable[[Context[Any], dict[str, Any]], None]


class OperationTable:
    """operationId -> handler, filled by the ``@ops("operationId")`` decorator."""

    def __init__(self) -> None:
        self.handlers: dict[str, Handler] = {}

    def __call__(self, operation_id: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            if operation_id in self.handlers:
                raise ValueError(f"operation {operation_id} registered twice")
            self.handlers[operation_id] = handler
            return handler

        return register


@dataclass(frozen=True)
class Vendor(Generic[B]):
    slug: str
    title: str
    spec_file: str
    operations: OperationTable
    new_backend: Callable[[], B]
    load_fixture: Callable[[B, dict[str, Any], Ids, float], None]
    fixture_schema: dict[str, Any]
    authenticate: Callable[[Context[B], AuthInput], Admission]
    render_error: Callable[[VendorError, str], Reply]
    render_violations: Callable[[list[Violation], str], Reply]
    render_no_route: Callable[[str, str, list[str], str], Reply]
    jobs: Mapping[str, JobFunction] = field(default_factory=dict)
    # Operations a client polls to watch async work (they advance "polls" progressions).
    status_operations: frozenset[str] = frozenset()
    # Checks the vendor makes before it reads the body (e.g. "does the dataset exist?"): called
    # with (ctx, operationId, path parameters, principal) when only the body is invalid; a
    # VendorError it raises answers instead of the validation error.
    precheck: Callable[[Context[B], str, dict[str, Any], Any], None] | None = None
    # After a spec reload (serve --watch): drop what no longer validates, say what was dropped.
    prune_state: Callable[[B, SchemaCheck], list[str]] | None = None
    # True: a body whose Content-Type the operation does not declare is read as JSON anyway.
    # False (FastAPI): only a JSON Content-Type (or none) is read as JSON; any other body stays
    # unparsed and fails validation as the raw text.
    undeclared_media_types_as_json: bool = True
    # The vendor framework's own body parser, for every request of the API: given the media type
    # (None without Content-Type) and the raw bytes, the value its handlers see (validated as the
    # operation's JSON body); raises a VendorError for a body the framework refuses to parse.
    read_body: Callable[[str | None, bytes], Any] | None = None
    # The settings it reads (``serve --option API.NAME=VALUE``): name -> JSON Schema of the value.
    options: Mapping[str, dict[str, Any]] = field(default_factory=dict)
    # APIs whose error envelope differs per operation (documents served by the generated tier):
    # given, these answer instead of render_error / render_violations, with the operationId
    # (then the request id, then the request's Accept: the error in the media type it prefers).
    render_operation_error: Callable[[str, VendorError, str, str | None], Reply] | None = None
    render_operation_violations: Callable[[str, list[Violation], str, str | None], Reply] | None = (
        None
    )
    # The document as served at /__draftmock/specs/<api> (e.g. with inferred links added).
    publish: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    # (operationId, status) -> the error the operation's handler raises for that status: a
    # ``Prefer: code=<status>`` answers the same body.
    known_errors: Mapping[tuple[str, int], Callable[[], VendorError]] = field(default_factory=dict)
    # Given, the vendor serves its whole document (``generated/remainder.py``): the operations
    # its module does not implement are the generated tier's, on records kept per tenant (this
    # function of the principal) in the backend's ``generated`` dict.
    tenant_of: Callable[[Any], str] | None = None
    # Given, a record the generated tier creates for this vendor passes through it: (resource
    # name, the new record, the request) -> the record with the vendor's own values (ARNs of
    # the caller's account and region, ids in the vendor's shapes). A value that breaks the
    # record's schema is taken back.
    generated_record: Callable[[str, dict[str, Any], Call], dict[str, Any]] | None = None


class SlidingWindowLimiter:
    """``limit`` requests per ``window`` seconds per key, on the virtual clock."""

    def __init__(self, limit: int, window: float = 60.0) -> None:
        self.limit = limit
        self.window = window
        self._hits: dict[str, list[float]] = {}

    def __getstate__(self) -> dict[str, Any]:
        return {"limit": self.limit, "window": self.window, "hits": self._hits}

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, SlidingWindowLimiter)
        return self.__getstate__() == other.__getstate__()

    __hash__ = None  # type: ignore[assignment]

    def __setstate__(self, state: dict[str, Any]) -> None:
        """Rebuilt from a state dump: only numbers, checked."""
        limit, window, hits = state["limit"], state["window"], state["hits"]
        if not (
            isinstance(limit, int)
            and isinstance(window, int | float)
            and isinstance(hits, dict)
            and all(
                isinstance(k, str)
                and isinstance(v, list)
                and all(isinstance(t, int | float) for t in v)
                for k, v in hits.items()
            )
        ):
            raise TypeError("a rate limiter's state holds a limit, a window and hit times")
        self.limit = limit
        self.window = float(window)
        self._hits = {k: [float(t) for t in v] for k, v in hits.items()}

    def hit(self, key: str, now: float) -> tuple[bool, int, float]:
        """Record one request; returns (allowed, remaining, seconds until a slot frees)."""
        hits = [t for t in self._hits.get(key, []) if t > now - self.window]
        if len(hits) >= self.limit:
            self._hits[key] = hits
            return False, 0, max(0.0, hits[0] + self.window - now)
        hits.append(now)
        self._hits[key] = hits
        reset = hits[0] + self.window - now
        return True, self.limit - len(hits), reset


state_codec.register("draftmock", Blob, SlidingWindowLimiter)
