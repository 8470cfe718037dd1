"""``--workers``: one process holds the worlds, the others only speak HTTP.

With ``--workers N`` the workers accept the connections, read each request, check its size and
timing limits, and write the reply; every API request is handed over a socket pair to the
**state process**, which runs it through its pipeline at its turn (the store's batch and
commit included) and sends back the reply as it is to be sent. No world is replayed by a
second process and no worker waits for another's store lock, so a request costs one pipeline
run plus a hand-over, whichever worker read it.

A frame is a header (request number, length of its JSON part, length of its body) followed by
those two parts. A worker's frame: the API, the full path, the request as read. The state
process's: status, headers, media type, whether there is a body, the operation, the fault
rule that answered and the injected latency (waited out by the worker), then the body as
encoded. The request numbers pair the answers with the requests, which are answered in
whatever order their batches commit.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import signal
import socket
import struct
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import orjson

from draftmock.server.pipeline import Outcome, Request
from draftmock.vendors._kit import Reply

if TYPE_CHECKING:
    from draftmock.server.app import DraftmockApp


log = logging.getLogger("draftmock")

_HEAD = struct.Struct("!III")  # request number, JSON part length, body length


class StateProcessGone(ConnectionError):
    """The state process is not there to answer (it stopped, or its socket closed)."""


@dataclass(slots=True)
class Answer:
    """A relayed request's reply, and what the worker logs of it."""

    reply: Reply
    operation_id: str | None
    fault: str | None
    delay: float


class _Frames(asyncio.Protocol):
    """A byte stream cut into frames, each handed to ``on_frame``. Frames sent in one turn of
    the event loop go out in one write (the replies of a batch are settled together, and the
    requests read in one turn are relayed together): one system call and one wake-up of the
    other end for all of them."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self._buffer = bytearray()
        self._outgoing: list[bytes] = []

    def send(self, number: int, meta: Any, body: bytes) -> None:
        if not self._outgoing:
            asyncio.get_running_loop().call_soon(self._flush)
        head = orjson.dumps(meta)
        self._outgoing += (_HEAD.pack(number, len(head), len(body)), head, body)

    def _flush(self) -> None:
        outgoing, self._outgoing = self._outgoing, []
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(b"".join(outgoing))

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's is not a subclass

    def data_received(self, data: bytes) -> None:
        buffer = self._buffer
        buffer += data
        start = 0
        while len(buffer) - start >= _HEAD.size:
            number, meta_size, body_size = _HEAD.unpack_from(buffer, start)
            meta_at = start + _HEAD.size
            body_at = meta_at + meta_size
            end = body_at + body_size
            if len(buffer) < end:
                break
            meta = orjson.loads(bytes(buffer[meta_at:body_at]))
            self.on_frame(number, meta, bytes(buffer[body_at:end]))
            start = end
        if start:
            del buffer[:start]

    def on_frame(self, number: int, meta: Any, body: bytes) -> None:
        raise NotImplementedError


class StateLink(_Frames):
    """A worker's end of its socket pair: ``answer`` relays a request and awaits its reply."""

    def __init__(self, sock: socket.socket) -> None:
        super().__init__()
        self._sock = sock
        self._connected: asyncio.Task[Any] | None = None
        self._numbers = itertools.count(1)
        self._waiting: dict[int, asyncio.Future[Answer]] = {}
        self._gone: StateProcessGone | None = None

    async def connect(self) -> None:
        """Attach the socket to the running event loop (once: at the worker's start, or by
        the first request)."""
        if self._connected is None:
            loop = asyncio.get_running_loop()
            self._connected = loop.create_task(
                loop.connect_accepted_socket(lambda: self, self._sock)
            )
        await asyncio.shield(self._connected)

    async def answer(self, api: str, path: str, request: Request) -> Answer:
        if self.transport is None:
            await self.connect()
        if self._gone is not None or self.transport is None or self.transport.is_closing():
            raise self._gone or StateProcessGone("the state process is not running")
        number = next(self._numbers)
        future: asyncio.Future[Answer] = asyncio.get_running_loop().create_future()
        self._waiting[number] = future
        meta = [
            api,
            path,
            request.method,
            request.path,
            request.query_string,
            request.headers,
            request.request_id,
            request.session,
        ]
        self.send(number, meta, request.body)
        try:
            return await future
        finally:
            self._waiting.pop(number, None)

    def on_frame(self, number: int, meta: Any, body: bytes) -> None:
        future = self._waiting.get(number)
        if future is None or future.done():  # its request was cancelled (client gone)
            return
        status, headers, media_type, has_body, operation_id, fault, delay = meta
        reply = Reply(status, body if has_body else None, headers, media_type)
        future.set_result(Answer(reply, operation_id, fault, delay))

    def connection_lost(self, exc: Exception | None) -> None:
        self._gone = StateProcessGone(f"the state process closed its socket ({exc or 'stopped'})")
        for future in self._waiting.values():
            if not future.done():
                future.set_exception(self._gone)
        self._waiting.clear()


class _StateSide(_Frames):
    """The state process's end of one worker's socket pair."""

    def __init__(self, app: DraftmockApp, lost: Callable[[], None]) -> None:
        super().__init__()
        self.app = app
        self._lost = lost

    def on_frame(self, number: int, meta: Any, body: bytes) -> None:
        api, path, method, below, query, headers, request_id, session = meta
        request = Request(method, below, query, headers, body, request_id, session)

        def answered(outcome: Outcome, payload: bytes) -> None:
            reply = outcome.reply
            op_id = outcome.operation.operation_id if outcome.operation else None
            answer = [
                reply.status,
                reply.headers,
                reply.media_type,
                reply.body is not None,
                op_id,
                outcome.fault,
                outcome.delay,
            ]
            self.send(number, answer, payload)

        self.app.relay(api, path, request, answered)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost()


async def serve_state(app: DraftmockApp, socks: Iterable[socket.socket]) -> None:
    """The state process: answer the requests the workers relay until SIGTERM or SIGINT, or
    until every worker's socket has closed."""
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    socks = list(socks)
    open_links = len(socks)

    def lost() -> None:
        nonlocal open_links
        open_links -= 1
        if open_links <= 0:
            stop.set()

    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    for sock in socks:
        await loop.connect_accepted_socket(lambda: _StateSide(app, lost), sock)
    for work in app.runtime.after_start:
        work()
    log.debug("state process answering %d workers", len(socks))
    await stop.wait()
