"""The ASGI application: ``/<api>/...`` goes to that API's pipeline, ``/__draftmock/...`` to
the control API, ``/`` to an index page. An API served at the root (``serve DOC`` with one
document) gets every path but ``/__draftmock/...`` (and ``/``, unless it documents ``/``).

The vendor path is a plain ASGI callable rather than a framework router: per request it only
reads the body, calls the synchronous pipeline and writes the reply, so no per-request work
repeats what was compiled at start-up.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.types import Message as AsgiMessage

from draftmock.ids import Ids
from draftmock.journal import Message
from draftmock.runtime import Runtime, World
from draftmock.seed_files import SeedFiles
from draftmock.server.admin import build_admin
from draftmock.server.conformance import NO_CONTENT
from draftmock.server.cors import CorsMiddleware, CorsPolicy
from draftmock.server.pipeline import ApiPipeline, Outcome, Request, request_from_entry
from draftmock.server.state_link import Answer, StateLink, StateProcessGone
from draftmock.server.transport import TransportLimits, TransportReply
from draftmock.spec.document import Document
from draftmock.spec.operations import compile_document
from draftmock.store.durable import Durable
from draftmock.vendors._kit import Reply, Vendor, VendorError

log = logging.getLogger("draftmock.access")


class DraftmockApp:
    """``cors``: which page origins may call the APIs (default: any; ``None``: no CORS layer,
    as ``--no-cors``). ``allowed_hosts``: names besides IP addresses and ``localhost`` that the
    control API accepts in ``Host`` (``--allowed-host``). ``durable``: the store that keeps
    the state (``--state``), none to keep it in memory. ``state_link``: a worker of
    ``--workers``, which hands API requests to the state process (``server/state_link.py``)."""

    def __init__(
        self,
        runtime: Runtime,
        *,
        admin_token: str | None = None,
        cors: CorsPolicy | None = CorsPolicy(),  # noqa: B008 - immutable
        allowed_hosts: Iterable[str] = (),
        seed_files: SeedFiles | None = None,
        durable: Durable | None = None,
        limits: TransportLimits = TransportLimits(),  # noqa: B008 - immutable
        state_link: StateLink | None = None,
    ) -> None:
        self.runtime = runtime
        self.durable = durable
        self.state_link = state_link
        self.limits = limits
        # Files ``POST /__draftmock/seed {"path"}`` may read (none unless the server was given some).
        self.seed_files = seed_files or SeedFiles()
        self.apis = {
            slug: compile_document(runtime.documents[slug], tolerant=slug in runtime.generated)
            for slug in runtime.vendors
        }
        self.pipelines = {
            slug: ApiPipeline(runtime, runtime.vendors[slug], self.apis[slug], durable)
            for slug in runtime.vendors
        }
        # The path of each document's server URL (Omni's ``/api``): the API answers below it too.
        self.base_paths = {
            slug: server_base_path(runtime.documents[slug]) for slug in runtime.vendors
        }
        if durable is not None:
            durable.open(self._replay)  # replays the store's log through the pipelines above
        self.admin: ASGIApp = build_admin(
            self, admin_token=admin_token, allowed_hosts=allowed_hosts
        )
        self._request_ids = Ids(seed=None)
        self._relaying: set[asyncio.Task[None]] = set()  # relayed requests waiting for the store
        self._entry: ASGIApp = (
            self._serve
            if cors is None
            else CorsMiddleware(self._serve, cors, admin_token=admin_token is not None)
        )

    def reload_api(
        self, slug: str, document: Document, vendor: Vendor[Any] | None = None
    ) -> list[str]:
        """Swap in a changed spec for ``slug`` (and, for a generated API, the vendor built
        from it); returns what state could not be kept."""
        # A broken document raises before anything changes.
        compiled = compile_document(document, tolerant=slug in self.runtime.generated)
        if vendor is not None:
            self.runtime.vendors[slug] = vendor
        dropped = self.runtime.replace_document(slug, document)
        self.apis[slug] = compiled
        self.base_paths[slug] = server_base_path(document)
        self.pipelines[slug] = ApiPipeline(
            self.runtime, self.runtime.vendors[slug], compiled, self.durable
        )
        return dropped

    def _replay(self, world: World, fields: dict[str, Any], body: bytes) -> None:
        """Redo a request another process logged, journal line included."""
        request = request_from_entry(fields, body)
        outcome = self.pipelines[fields["api"]].replay(
            world, request, fields["now"], conformed=fields.get("conformed", False)
        )
        world.journal.record(
            at=fields["now"],
            method=request.method,
            path=f"/{fields['api']}{request.path}",
            api=fields["api"],
            operation_id=outcome.operation.operation_id if outcome.operation else None,
            status=outcome.reply.status,
            duration_ms=0.0,
            session=world.name,
            fault=outcome.fault,
            query=request.query_string,
            request=Message.of(request.headers, body),
            reply=Message.of(_reply_headers(outcome.reply), encode_body(outcome.reply)),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._entry(scope, receive, send)

    # -- what the connection layer answers itself (server/transport.py) -----------------------

    def rejection(self, pipeline: ApiPipeline, status: int, message: str) -> Reply:
        """A request refused before it reached an operation, in its API's error envelope."""
        error = VendorError(message, status=status)
        return pipeline.vendor.render_error(error, self._request_ids.uuid())

    def transport_reply(self, target: str, status: int, message: str) -> TransportReply | None:
        """``status`` for a request to ``target`` in its API's envelope; None if no API is named."""
        path = target.partition("?")[0]
        _, _, pipeline = self._route("GET", unquote(path), path.encode("latin-1"))
        if pipeline is None:
            return None
        return _on_the_wire(self.rejection(pipeline, status, message))

    def unparsed_request(
        self, method: str, target: str, headers: dict[str, str], body: bytes
    ) -> TransportReply | None:
        """A request the HTTP parser refused but the connection layer could read (a method the
        parser does not know, raw UTF-8 in the target), answered by its API like any other;
        None if no API is named."""
        path, _, query = target.partition("?")
        _, below, pipeline = self._route(method, unquote(path), path.encode("latin-1"))
        if pipeline is None:
            return None
        session = headers.get("x-draftmock-session")
        request = Request(method, below, query, headers, body, self._request_ids.uuid(), session)
        return _on_the_wire(pipeline.handle(request).reply)

    async def _serve(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            if self.state_link is not None:
                await self.state_link.connect()
            await _lifespan(receive, send, self.runtime.after_start)
            return
        if scope["type"] != "http":
            return
        path: str = scope["path"]
        slug, below, pipeline = self._route(scope["method"], path, scope.get("raw_path"))
        if pipeline is None:
            if scope["method"] not in ("GET", "HEAD", "OPTIONS"):
                # Control bodies are read here, within the same limits, before starlette sees them.
                read = await _read_body(scope, receive, self.limits)
                if isinstance(read, _TooMuch):
                    refusal = {"error": "draftmock", "message": read.message}
                    await send_reply(send, Reply(read.status, refusal, {"connection": "close"}))
                    return
                receive = _receive_again(read, receive)
            await self.admin(scope, receive, send)
            return
        started = time.perf_counter()
        body = await _read_body(scope, receive, self.limits)
        if isinstance(body, _TooMuch):
            reply = self.rejection(pipeline, body.status, body.message)
            reply.headers["connection"] = "close"  # the rest of the body is not read
            await send_reply(send, reply)
            return
        headers = _headers(scope)
        request = Request(
            method=scope["method"],
            path=below,
            query_string=scope["query_string"].decode("latin-1"),
            headers=headers,
            body=body,
            request_id=self._request_ids.uuid(),
            session=headers.get("x-draftmock-session"),
        )
        if self.state_link is not None:  # --workers: the state process answers it
            answer = await self._relayed(pipeline, slug, path, request)
            if answer.delay > 0:
                await asyncio.sleep(answer.delay)
            await send_reply(send, answer.reply)
            self._log(request, path, slug, answer.operation_id, answer.reply.status, started)
            return
        outcome = await self._outcome(pipeline, request)
        if outcome.delay > 0:
            await asyncio.sleep(outcome.delay)
        payload = await send_reply(send, outcome.reply)
        self._journal(request, path, slug, outcome, payload, started)
        op_id = outcome.operation.operation_id if outcome.operation else None
        self._log(request, path, slug, op_id, outcome.reply.status, started)

    async def _outcome(self, pipeline: ApiPipeline, request: Request) -> Outcome:
        """``request`` handled by its pipeline; with ``--state``, once its change is committed."""
        if self.durable is not None:
            await self.durable.ready(request.session)
        outcome = pipeline.handle(request, deferred=True)
        if outcome.saved is not None:  # --state: answered once its change is committed
            try:
                await outcome.saved
            except Exception as exc:
                outcome = pipeline.store_failure(outcome, exc)
        return outcome

    def relay(
        self,
        slug: str,
        path: str,
        request: Request,
        answered: Callable[[Outcome, bytes], None],
    ) -> None:
        """In the state process: handle a request a worker read, now if its world's batch can
        be opened without waiting (no task, no extra turn of the loop), and journal it;
        ``answered(outcome, body)`` once the reply is final, its change committed
        (``server/state_link.py``)."""
        relayed = _Relayed(slug, path, request, answered, time.perf_counter())
        if self.durable is None or self.durable.ready_now(request.session):
            self._relay_now(relayed)
            return
        task = asyncio.get_running_loop().create_task(self._relay_when_ready(relayed))
        self._relaying.add(task)
        task.add_done_callback(self._relaying.discard)

    async def _relay_when_ready(self, relayed: _Relayed) -> None:
        assert self.durable is not None
        await self.durable.ready(relayed.request.session)
        self._relay_now(relayed)

    def _relay_now(self, relayed: _Relayed) -> None:
        pipeline = self.pipelines[relayed.slug]
        try:
            outcome = pipeline.handle(relayed.request, deferred=True)
        except Exception as exc:  # a defect of the mock: the worker still gets an answer
            outcome = pipeline.store_failure(Outcome(Reply(500), None), exc)

        def final(outcome: Outcome) -> None:
            reply = outcome.reply
            payload = b"" if reply.status in NO_CONTENT else encode_body(reply)
            relayed.answered(outcome, payload)
            self._journal(
                relayed.request, relayed.path, relayed.slug, outcome, payload, relayed.started
            )

        saved = outcome.saved
        if saved is None:
            final(outcome)
            return

        def committed(_: asyncio.Future[None]) -> None:
            if saved.cancelled():
                final(pipeline.store_failure(outcome, asyncio.CancelledError()))
            elif saved.exception() is not None:
                final(pipeline.store_failure(outcome, saved.exception() or Exception()))
            else:
                final(outcome)

        saved.add_done_callback(committed)

    async def _relayed(
        self, pipeline: ApiPipeline, slug: str, path: str, request: Request
    ) -> Answer:
        assert self.state_link is not None
        try:
            return await self.state_link.answer(slug, path, request)
        except StateProcessGone as exc:
            failed = pipeline.store_failure(Outcome(Reply(500), None), exc)
            return Answer(failed.reply, None, None, 0.0)

    def _journal(
        self,
        request: Request,
        path: str,
        slug: str,
        outcome: Outcome,
        payload: bytes,
        started: float,
    ) -> None:
        # A request that created no session (unknown route, refused credentials) is kept in
        # the default world's journal, under the session it named.
        world = self.runtime.existing_world(request.session) or self.runtime.world()
        world.journal.record(
            at=self.runtime.clock.now(),
            method=request.method,
            path=path,
            api=slug,
            operation_id=outcome.operation.operation_id if outcome.operation else None,
            status=outcome.reply.status,
            duration_ms=round((time.perf_counter() - started) * 1000, 3),
            session=request.session or world.name,
            fault=outcome.fault,
            query=request.query_string,
            request=Message.of(request.headers, request.body),
            reply=Message.of(_reply_headers(outcome.reply), payload),
        )

    def _log(
        self, request: Request, path: str, slug: str, op_id: str | None, status: int, started: float
    ) -> None:
        if log.isEnabledFor(logging.INFO):
            op = op_id or "-"
            log.info(
                "%s %s %s -> %s %s %.1fms",
                request.method,
                path,
                slug,
                op,
                status,
                (time.perf_counter() - started) * 1000,
                extra={
                    "api": slug,
                    "operation": op,
                    "status": status,
                    "method": request.method,
                    "path": path,
                },
            )

    def _route(
        self, method: str, path: str, raw: bytes | None
    ) -> tuple[str, str, ApiPipeline | None]:
        """The API a request names, the path below its mount point (still percent-encoded when
        the server gave the raw path) and its pipeline (None: not an API request)."""
        raw_path = raw.decode("latin-1").partition("?")[0] if raw else None
        root = self.runtime.root_api
        if root is not None:
            pipeline = self.pipelines[root] if self._at_root(path, method) else None
            return root, self._below_base(root, raw_path or path), pipeline
        if raw_path is not None:
            slug, below = _mount(raw_path)
        else:  # a server that gives no raw path: the decoded one is all there is
            slug, _, rest = path[1:].partition("/")
            below = "/" + rest
        return slug, self._below_base(slug, below), self.pipelines.get(slug)

    def _below_base(self, slug: str, below: str) -> str:
        """``below`` without the document's server base path (``/api/v1/documents`` is
        ``/v1/documents`` when the server URL ends with ``/api``), as a client configured with the
        vendor's own base URL sends it."""
        base = self.base_paths.get(slug, "")
        if not base or not below.startswith(base + "/"):
            return below
        return below[len(base) :]

    def _at_root(self, path: str, method: str) -> bool:
        """Whether ``path`` belongs to the API served at the root."""
        if path.startswith("/__draftmock/") or path == "/__draftmock":
            return False
        if path != "/":
            return True
        _, _, allowed = self.pipelines[self.runtime.root_api or ""].api.router.match(method, "/")
        return bool(allowed)


@dataclass(frozen=True, slots=True)
class _Relayed:
    """A request a worker handed to the state process, and where its answer goes."""

    slug: str
    path: str
    request: Request
    answered: Callable[[Outcome, bytes], None]
    started: float


async def _lifespan(receive: Receive, send: Send, after_start: list[Callable[[], object]]) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
            for work in after_start:
                work()
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


def server_base_path(document: Document) -> str:
    """The path of the document's first server URL without its trailing ``/``; ``""`` for none,
    a bare host, a path naming a server variable, or one the document's own paths begin with
    (those answer as written)."""
    servers = document.raw.get("servers")
    if not isinstance(servers, list) or not servers or not isinstance(servers[0], dict):
        return ""
    url = servers[0].get("url")
    if not isinstance(url, str) or "{" in url.partition("//")[2].partition("/")[2]:
        return ""
    path = (urlsplit(url).path if "//" in url else url).rstrip("/")
    if not path.startswith("/"):
        return ""
    written = document.raw.get("paths") or {}
    return "" if any(str(p).startswith(path + "/") for p in written) else path


def _mount(raw_path: str) -> tuple[str, str]:
    """The API a raw (percent-encoded) path names, and the path below its mount point, still
    encoded. Only the mount segment is decoded here (``/%70romptlayer`` is ``/promptlayer``, as
    RFC 3986 makes them equal; ``/promptlayer%2Fapi`` names no API): an encoded ``/`` never
    splits a path parameter, and the pipeline decodes each parameter once, after routing."""
    first, _, rest = raw_path[1:].partition("/")
    return unquote(first), "/" + rest


def _headers(scope: Scope) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in scope["headers"]:
        name = key.decode("latin-1").lower()
        text = value.decode("latin-1")
        headers[name] = f"{headers[name]}, {text}" if name in headers else text
    return headers


@dataclass(frozen=True, slots=True)
class _TooMuch:
    status: int  # 413: too large, 408: too slow
    message: str


async def _read_body(scope: Scope, receive: Receive, limits: TransportLimits) -> bytes | _TooMuch:
    """The whole body, unless it is larger than ``limits.max_body_bytes`` (checked against
    Content-Length first) or takes longer than ``limits.body_timeout`` to arrive."""
    limit = limits.max_body_bytes
    too_large = _TooMuch(413, f"The request body is larger than {limit} bytes")
    for name, value in scope["headers"]:
        if name == b"content-length" and value.isdigit() and int(value) > limit:
            return too_large
    chunks: list[bytes] = []
    size = 0
    deadline = asyncio.get_running_loop().time() + limits.body_timeout
    while True:
        remaining = deadline - asyncio.get_running_loop().time()
        try:
            message = await asyncio.wait_for(receive(), timeout=max(remaining, 0))
        except TimeoutError:
            return _TooMuch(
                408, f"The request body was not received within {limits.body_timeout:g} s"
            )
        if message["type"] == "http.disconnect":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return too_large
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _receive_again(body: bytes, original: Receive) -> Receive:
    """A ``receive`` that hands over a body already read, then what the connection says."""
    sent = False

    async def receive() -> AsgiMessage:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await original()

    return receive


def _on_the_wire(reply: Reply) -> TransportReply:
    headers = {name.lower(): value for name, value in reply.headers.items()}
    return TransportReply(reply.status, headers, encode_body(reply), reply.media_type)


def encode_body(reply: Reply) -> bytes:
    if reply.body is None:
        return b""
    if isinstance(reply.body, bytes):
        return reply.body
    if isinstance(reply.body, str) and not reply.media_type.endswith("json"):
        return reply.body.encode("utf-8")
    try:
        return orjson.dumps(reply.body)
    except TypeError:  # integers beyond 64 bits or lone surrogates echoed from the request
        return json.dumps(_finite(reply.body), separators=(",", ":"), allow_nan=False).encode(
            "ascii"
        )


def _finite(value: Any) -> Any:
    """NaN and infinities as null, as orjson writes them: JSON has no such numbers."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _reply_headers(reply: Reply) -> dict[str, str]:
    if reply.body is None:
        return reply.headers
    return {"content-type": reply.media_type, **reply.headers}


def header_value(value: str) -> bytes:
    """A header value as bytes on the wire: text beyond printable ASCII (a diagnostic quoting a
    client's input) written as escapes, line breaks and other controls as spaces, so no value can
    fail to encode or start another header."""
    if value.isascii() and value.isprintable():
        return value.encode("ascii")
    safe = "".join(" " if (ord(c) < 32 or ord(c) == 127) else c for c in value)
    return safe.encode("ascii", "backslashreplace")


async def send_reply(send: Send, reply: Reply) -> bytes:
    """Send ``reply``; returns the body as sent."""
    bodiless = reply.status in NO_CONTENT  # no content, no Content-Length (RFC 9110 §8.6)
    payload = b"" if bodiless else encode_body(reply)
    raw_headers: list[tuple[bytes, bytes]] = []
    if not bodiless:
        raw_headers.append((b"content-length", str(len(payload)).encode()))
    if reply.body is not None and not bodiless:
        raw_headers.append((b"content-type", reply.media_type.encode("latin-1")))
    raw_headers.extend(
        (name.lower().encode("latin-1"), header_value(value))
        for name, value in reply.headers.items()
    )
    await send({"type": "http.response.start", "status": reply.status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})
    return payload


def json_reply(status: int, body: Any) -> Reply:
    return Reply(status, body)
