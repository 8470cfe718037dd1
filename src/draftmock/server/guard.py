"""Who may steer the mock: the checks every control call passes before its handler runs.

The control API can reset, restore and seed state, so a web page the user happens to visit must
not reach it. A call is answered when it presents the admin token (``--admin-token``, sent as
``X-Draftmock-Admin-Token``), or else when all of these hold:

- the caller is on loopback (``::ffff:127.0.0.1`` counts);
- ``Host`` is an IP address, ``localhost`` (or a name under ``.localhost``), the ``--host`` the
  server was started with, or a name given with ``--allowed-host``: a page on
  ``attacker.example`` whose name was re-pointed at 127.0.0.1 (DNS rebinding) is refused;
- an ``Origin``, when the browser sends one, is the mock's own origin (its dashboard): a page on
  another origin is refused even on loopback, whatever CORS would allow.

State-changing calls (POST, PUT, PATCH, DELETE) with a body need a JSON ``Content-Type``
(``application/json`` or ``*/*+json``): a browser sends those cross-site only after a preflight,
which the CORS layer refuses for the control API. A call without a body must then send no
``Content-Type`` at all (``curl -X POST .../clock/freeze`` works).
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.requests import Request

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class Refused:
    status: int
    message: str


def is_loopback(request: Request) -> bool:
    if request.client is None:
        return True  # in-process transports have no peer address
    host = request.client.host
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host in ("localhost", "testclient")
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback


def split_host(host: str) -> tuple[str, str | None]:
    """``"[::1]:4010"`` -> ``("::1", "4010")``; ``"Name:80"`` -> ``("name", "80")``."""
    host = host.strip().lower()
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, rest[1:] if rest.startswith(":") else None
    name, colon, port = host.rpartition(":")
    if not colon or ":" in name:
        return host, None
    return name, port


def _origin_key(scheme: str, host: str) -> tuple[str, str, str]:
    name, port = split_host(host)
    return scheme.lower(), name, port or DEFAULT_PORTS.get(scheme.lower(), "")


def _parse_origin(origin: str) -> tuple[str, str, str] | None:
    scheme, sep, rest = origin.strip().partition("://")
    if not sep or "/" in rest:
        return None
    return _origin_key(scheme, rest)


class ControlGuard:
    def __init__(self, admin_token: str | None = None, allowed_hosts: Iterable[str] = ()) -> None:
        self.admin_token = admin_token
        self.allowed_hosts = frozenset(split_host(h)[0] for h in allowed_hosts if h)

    def token_presented(self, request: Request) -> bool:
        presented = request.headers.get("x-draftmock-admin-token")
        return (
            self.admin_token is not None
            and presented is not None
            and hmac.compare_digest(presented.encode("utf-8"), self.admin_token.encode("utf-8"))
        )

    def host_allowed(self, host: str) -> bool:
        name, _ = split_host(host)
        if name in self.allowed_hosts or name == "localhost" or name.endswith(".localhost"):
            return True
        try:
            ipaddress.ip_address(name)
        except ValueError:
            return False
        return True  # an address cannot be re-pointed by DNS

    def refusal(self, request: Request) -> Refused | None:
        """Why this control call is refused, or ``None``."""
        if not self.token_presented(request):
            access = self._access_refusal(request)
            if access is not None:
                return access
        if request.method in WRITES:
            return _content_type_refusal(request)
        return None

    def _access_refusal(self, request: Request) -> Refused | None:
        if not is_loopback(request):
            return Refused(
                403, "the control API only answers loopback callers or a valid admin token"
            )
        host = request.headers.get("host")
        if host is not None and not self.host_allowed(host):
            return Refused(
                403,
                f"Host {host!r} is not an address of this server; a name it is reached by "
                "must be given with --allowed-host (or send the admin token)",
            )
        origin = request.headers.get("origin")
        if origin is not None:
            own = _origin_key(request.url.scheme, host or "")
            if _parse_origin(origin) != own:
                return Refused(
                    403,
                    f"the control API does not answer pages on {origin}: only its own "
                    "dashboard, or a caller sending the admin token (--admin-token)",
                )
        elif request.method in WRITES and request.headers.get("sec-fetch-site") in (
            "cross-site",
            "same-site",
        ):
            return Refused(403, "the control API does not answer pages on other sites")
        return None


def _content_type_refusal(request: Request) -> Refused | None:
    content_type = request.headers.get("content-type")
    if content_type is None:
        if request.headers.get("content-length", "0").strip() in ("0", "") and (
            "transfer-encoding" not in request.headers
        ):
            return None
        return Refused(415, "a control request with a body needs Content-Type: application/json")
    media = content_type.partition(";")[0].strip().lower()
    if media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    ):
        return None
    return Refused(415, f"control requests are JSON (application/json): {media!r} is not accepted")
