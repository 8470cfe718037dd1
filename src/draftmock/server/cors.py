"""CORS: an ASGI layer around the whole app, so pages in a browser can call the mock.

The request path below it is untouched: a preflight (``OPTIONS`` with an ``Origin`` and an
``Access-Control-Request-Method``) is answered here and never reaches an API, so it is not
journaled, not counted by rate limits and needs no credentials. Actual responses get the
``Access-Control-*`` headers on the way out.

The rule, per path:

- The vendor APIs (``/<api>/...``) and the mock's public documents (``health``, ``openapi.json``,
  ``specs/``, ``blobs/``) are open to every origin by default (the origin echoed, with
  credentials allowed), or to the ``--cors-origin`` list; ``--no-cors`` removes this layer.
- The control API is never opened to a page on another origin, except one that sends the admin
  token (``X-Draftmock-Admin-Token``; the server must have been started with ``--admin-token``).
  Its own dashboard is same-origin and needs no CORS at all; ``server/guard.py`` refuses the
  rest.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from draftmock.errors import ConfigError

PREFIX = "/__draftmock"
PUBLIC = (f"{PREFIX}/health", f"{PREFIX}/openapi.json", f"{PREFIX}/specs/", f"{PREFIX}/blobs/")
ADMIN_TOKEN_HEADER = "x-draftmock-admin-token"
METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
# Response headers a script may always read (the CORS-safelisted ones): never listed again.
SAFELISTED = frozenset(
    {
        "cache-control",
        "content-language",
        "content-length",
        "content-type",
        "expires",
        "last-modified",
        "pragma",
    }
)
HIDDEN = SAFELISTED | {"set-cookie", "set-cookie2", "vary"}
_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://(\[[0-9a-f:.]+\]|[a-z0-9_.~%-]+)(:[0-9]{1,5})?$")
_TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9a-z-]+$")


def normalize_origin(value: str) -> str:
    """``--cors-origin`` as a browser writes ``Origin``: ``scheme://host[:port]``, lower case."""
    origin = value.strip().lower().rstrip("/")
    if origin in ("*", "null") or _ORIGIN.match(origin):
        return origin
    raise ConfigError(
        f"--cors-origin {value!r}: expected an origin such as http://localhost:5173, 'null' or '*'"
    )


@dataclass(frozen=True)
class CorsPolicy:
    """Which page origins may call the vendor APIs; ``None``: any."""

    origins: frozenset[str] | None = None
    max_age: int = 600

    @classmethod
    def of(cls, origins: Iterable[str] = ()) -> CorsPolicy:
        chosen = frozenset(normalize_origin(o) for o in origins)
        return cls(origins=None if not chosen or "*" in chosen else chosen)

    def allows(self, origin: str) -> bool:
        return self.origins is None or origin.lower() in self.origins


def is_control(path: str) -> bool:
    """Under ``/__draftmock/`` and not one of the public documents."""
    return (path == PREFIX or path.startswith(PREFIX + "/")) and not path.startswith(PUBLIC)


class CorsMiddleware:
    def __init__(self, app: ASGIApp, policy: CorsPolicy, *, admin_token: bool = False) -> None:
        self.app = app
        self.policy = policy
        self.admin_token = admin_token  # whether the server has one: only then may a page try

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        origin = None
        for key, value in scope["headers"]:
            if key == b"origin":
                origin = value.decode("latin-1")
                break
        if origin is None:  # not from a page: the common case costs one scan of the headers
            await self.app(scope, receive, send)
            return
        requested_method = None
        token_sent = False
        for key, value in scope["headers"]:
            if key == b"access-control-request-method":
                requested_method = value.decode("latin-1")
            elif key == b"x-draftmock-admin-token":
                token_sent = True
        control = is_control(scope["path"])
        if scope["method"] == "OPTIONS" and requested_method is not None:
            await self._preflight(scope, send, origin, control)
            return
        if not self.policy.allows(origin) or (control and not token_sent):
            await self.app(scope, receive, send)  # no CORS headers: the browser keeps it hidden
            return

        async def send_with_cors(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                exposed = sorted(
                    {
                        name
                        for name in (key.decode("latin-1").lower() for key, _ in headers)
                        if name not in HIDDEN
                    }
                )
                headers.extend(
                    [
                        (b"access-control-allow-origin", origin.encode("latin-1")),
                        (b"access-control-allow-credentials", b"true"),
                        (b"vary", b"Origin"),
                    ]
                )
                if exposed:
                    headers.append(
                        (b"access-control-expose-headers", ", ".join(exposed).encode("latin-1"))
                    )
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_cors)

    async def _preflight(self, scope: Scope, send: Send, origin: str, control: bool) -> None:
        requested_headers = ""
        private_network = False
        for key, value in scope["headers"]:
            if key == b"access-control-request-headers":
                requested_headers = value.decode("latin-1")
            elif key == b"access-control-request-private-network":
                private_network = value.strip().lower() == b"true"
        names = [h.strip().lower() for h in requested_headers.split(",") if h.strip()]
        refusal = None
        if not self.policy.allows(origin):
            refusal = f"pages on {origin} may not call this mock (see --cors-origin)"
        elif any(not _TOKEN.match(name) for name in names):
            refusal = "Access-Control-Request-Headers is not a list of header names"
        elif control and not (self.admin_token and ADMIN_TOKEN_HEADER in names):
            refusal = (
                "the control API is not open to pages on other origins: start the mock with "
                "--admin-token and send it as X-Draftmock-Admin-Token"
            )
        vary = b"Origin, Access-Control-Request-Method, Access-Control-Request-Headers"
        if refusal is not None:
            body = ('{"error":"draftmock","message":' + json.dumps(refusal) + "}").encode()
            headers = [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
                (b"vary", vary),
            ]
            await send({"type": "http.response.start", "status": 403, "headers": headers})
            await send({"type": "http.response.body", "body": body})
            return
        headers = [
            (b"access-control-allow-origin", origin.encode("latin-1")),
            (b"access-control-allow-credentials", b"true"),
            (b"access-control-allow-methods", METHODS.encode()),
            (b"access-control-max-age", str(self.policy.max_age).encode()),
            (b"vary", vary),
        ]  # a 204: no Content-Length (RFC 9110 §8.6)
        if names:
            headers.append((b"access-control-allow-headers", ", ".join(names).encode("latin-1")))
        if private_network and not control:
            headers.append((b"access-control-allow-private-network", b"true"))
        await send({"type": "http.response.start", "status": 204, "headers": headers})
        await send({"type": "http.response.body", "body": b""})
