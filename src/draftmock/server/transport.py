"""The HTTP connection layer: uvicorn's httptools protocol with bounds, and rejections that
speak the API's language.

uvicorn reads a request head for as long as a client cares to send it, accepts any header
size, keeps every connection, and answers what its parser refuses with a plain-text 400. This
protocol adds, per connection:

- a head timeout: a connection that has not completed a request head within ``header_timeout``
  seconds of its first byte is answered 408 and closed; one that sends nothing at all within
  that time is closed;
- a head size limit: more than ``max_header_bytes`` before the blank line ends the head is 431;
- a request-target limit: a URL longer than ``MAX_TARGET`` bytes (or the head limit) is 414;
- a connection limit: beyond ``max_connections`` open connections a new one is answered 503
  and closed;
- a method the parser does not know (any RFC 9110 token) is routed like any other request, so
  its API answers with its own 404 or 405; so is a target with raw UTF-8 bytes, percent-encoded.

Whatever can be attributed to an API (its first path segment names one) is answered in that
API's error envelope (``DraftmockApp.transport_reply``); anything else keeps a plain-text answer.
Body limits and the body timeout live in the ASGI app, which reads bodies.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import dataclass
from http import HTTPStatus
from typing import TYPE_CHECKING, Any

import httptools
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

if TYPE_CHECKING:
    from draftmock.server.app import DraftmockApp

log = logging.getLogger("draftmock.transport")

MAX_TARGET = 16 * 1024  # bytes of request target (path and query); httptools stops at 64 KiB
# method SP request-target SP HTTP-version: enough of a request line to route it.
_REQUEST_LINE = re.compile(rb"^([!#$%&'*+.^_`|~0-9A-Za-z-]{1,32}) (\S+) HTTP/1\.[01]\r?\n")


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


@dataclass(frozen=True, slots=True)
class TransportReply:
    """A reply written by the connection layer itself."""

    status: int
    headers: dict[str, str]
    payload: bytes
    media_type: str


@dataclass(frozen=True)
class TransportLimits:
    """Bounds on what one client can make the server hold (``draftmock serve`` flags)."""

    header_timeout: float = 10.0  # seconds to send a complete request head
    body_timeout: float = 30.0  # seconds to send a complete body, from the end of the head
    keep_alive_timeout: float = 5.0  # seconds an idle connection stays open between requests
    max_header_bytes: int = 64 * 1024  # request line and headers
    max_body_bytes: int = 64 * 1024 * 1024
    max_connections: int = 1000


class _RefusalLog:
    """One warning a second at most while connections are refused, with how many were."""

    def __init__(self) -> None:
        self._since: float | None = None
        self._count = 0

    def note(self, open_connections: int) -> None:
        now = time.monotonic()
        self._count += 1
        if self._since is None or now - self._since >= 1.0:
            log.warning(
                "refused %d connection(s): %d are open (--max-connections)",
                self._count,
                open_connections,
            )
            self._since, self._count = now, 0


_refusals = _RefusalLog()


class _Rejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def protocol_class(app: DraftmockApp, limits: TransportLimits) -> type[HttpToolsProtocol]:
    """A uvicorn HTTP protocol class bound to ``app`` and ``limits`` (``uvicorn.Config(http=)``)."""

    class DraftmockProtocol(_BoundedProtocol):
        pass

    DraftmockProtocol.app_of = app
    DraftmockProtocol.limits = limits
    return DraftmockProtocol


class _BoundedProtocol(HttpToolsProtocol):
    app_of: DraftmockApp
    limits: TransportLimits

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._in_head = True
        self._head = b""  # what arrived of the current request head (bounded)
        self._head_timer: asyncio.TimerHandle | None = None
        self._rejection: _Rejected | None = None

    # -- connection -------------------------------------------------------------------------

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        over = len(self.connections) >= self.limits.max_connections
        super().connection_made(transport)
        if over:
            _refusals.note(len(self.connections) - 1)
            self._answer(503, b"Too many connections; retry later", raw=True)
            return
        self._start_head_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_head_timer()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._in_head:
            if self._head_timer is None:
                self._start_head_timer()
            self._head += data
            limit = self.limits.max_header_bytes
            if len(self._head) > limit and b"\r\n\r\n" not in self._head[: limit + 4]:
                line_end = self._head.find(b"\n")
                if line_end < 0 or line_end > self._max_target():
                    self._answer(414, b"The request target is longer than the server accepts")
                else:
                    self._answer(431, b"The request head is larger than the server accepts")
                return
        # uvicorn's own data_received, less its warning for every refusal: what the parser
        # refuses is often answered normally here (send_400_response), and logged if not.
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserError:
            self.send_400_response("Invalid HTTP request received.")
        except httptools.HttpParserUpgrade:
            if self._should_upgrade():
                self.handle_websocket_upgrade()
            else:
                self._unsupported_upgrade_warning()

    # -- parser callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._rejection = None

    def on_headers_complete(self) -> None:
        self._stop_head_timer()
        self._in_head = False
        if len(self.url) > MAX_TARGET:
            self._rejection = _Rejected(
                414, f"The request target is longer than {MAX_TARGET} bytes"
            )
            raise self._rejection
        if not self.url.isascii():
            self.url = _percent_encode(self.url).encode("ascii")
        super().on_headers_complete()

    def on_message_complete(self) -> None:
        super().on_message_complete()
        self._in_head = True
        self._head = b""

    def _max_target(self) -> int:
        return min(MAX_TARGET, self.limits.max_header_bytes)

    # -- answers ----------------------------------------------------------------------------

    def send_400_response(self, msg: str) -> None:
        """What the parser refused (uvicorn calls this): attributed to an API if possible."""
        if self._rejection is not None:
            self._answer(self._rejection.status, self._rejection.message.encode())
            return
        if self._in_head and self._route_unparsed():
            return
        log.warning("a request that is not HTTP/1.1 was answered 400")
        self._answer(400, b"The request could not be parsed as HTTP/1.1")

    def _route_unparsed(self) -> bool:
        """A complete head the parser refused for what a lenient reading accepts (a method it
        does not know, raw UTF-8 in the target): read it here and let its API answer."""
        head, end, rest = self._head.partition(b"\r\n\r\n")
        line = _REQUEST_LINE.match(self._head)
        if line is None or not end:
            return False
        headers: dict[str, str] = {}
        for raw in head.split(b"\r\n")[1:]:
            name, colon, value = raw.partition(b":")
            if not colon or not name or name != name.strip():
                return False
            key, text = name.lower().decode("latin-1"), value.strip().decode("latin-1")
            headers[key] = f"{headers[key]}, {text}" if key in headers else text
        length = headers.get("content-length", "0")
        if "transfer-encoding" in headers or not length.isdigit() or len(rest) < int(length):
            return False  # a body this reading cannot take apart
        reply = self.app_of.unparsed_request(
            line[1].decode("ascii"), _percent_encode(line[2]), headers, rest[: int(length)]
        )
        if reply is None:
            return False
        self._write(reply.status, reply.headers, reply.payload, reply.media_type)
        return True

    def _answer(self, status: int, message: bytes, *, raw: bool = False) -> None:
        """``status`` for the current request, in its API's envelope when it names one."""
        line = None if raw else _REQUEST_LINE.match(self._head)
        target = _percent_encode(line[2]) if line else ""
        reply = self.app_of.transport_reply(target, status, message.decode("latin-1"))
        if reply is None:
            self._write(status, {}, message, "text/plain; charset=utf-8")
        else:
            self._write(reply.status, reply.headers, reply.payload, reply.media_type)

    def _write(self, status: int, headers: dict[str, str], body: bytes, media_type: str) -> None:
        self._stop_head_timer()
        if self.transport.is_closing():
            return
        lines = [f"HTTP/1.1 {status} {_phrase(status)}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        lines += [
            f"content-type: {media_type}",
            f"content-length: {len(body)}",
            "connection: close",
        ]
        self.transport.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        self.transport.close()

    # -- head timer -------------------------------------------------------------------------

    def _start_head_timer(self) -> None:
        self._stop_head_timer()
        self._head_timer = self.loop.call_later(self.limits.header_timeout, self._head_timed_out)

    def _stop_head_timer(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if not self._in_head or self.transport.is_closing():
            return
        if self.cycle is not None and not self.cycle.response_complete:
            self._start_head_timer()  # a pipelined request is still being answered
            return
        if not self._head:
            self.transport.close()  # nothing was asked: nothing to answer
            return
        self._answer(408, b"The request head was not received in time")


def _percent_encode(raw: bytes) -> str:
    """``raw`` as ASCII: bytes outside printable ASCII percent-encoded."""
    return "".join(chr(b) if 0x21 <= b < 0x7F else f"%{b:02X}" for b in raw)


def uvicorn_options(app: DraftmockApp) -> dict[str, Any]:
    """What ``uvicorn.Config`` needs to apply ``app.limits`` (the h11 option too, in case h11
    is chosen instead of httptools)."""
    return {
        "http": protocol_class(app, app.limits),
        "timeout_keep_alive": app.limits.keep_alive_timeout,
        "h11_max_incomplete_event_size": app.limits.max_header_bytes,
    }
