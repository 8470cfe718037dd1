"""The control API answers loopback callers; others only with the configured admin token."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import yaml

from draftmock.server.admin import CONTROL_SPEC
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime
from tests.support.referee import Referee


def _status(
    app: DraftmockApp, client: tuple[str, int], headers: dict[str, str] | None = None
) -> int:
    async def call() -> int:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            return (await http.get("/__draftmock/clock", headers=headers)).status_code

    return asyncio.run(call())


def test_remote_callers_are_refused_without_a_token() -> None:
    app = DraftmockApp(frozen_runtime())
    assert _status(app, ("127.0.0.1", 5000)) == 200
    assert _status(app, ("10.1.2.3", 5000)) == 403


def test_the_admin_token_lets_remote_callers_in() -> None:
    app = DraftmockApp(frozen_runtime(), admin_token="s3cret")
    assert _status(app, ("10.1.2.3", 5000)) == 403
    assert _status(app, ("10.1.2.3", 5000), {"X-Draftmock-Admin-Token": "wrong"}) == 403
    assert _status(app, ("10.1.2.3", 5000), {"X-Draftmock-Admin-Token": "s3cret"}) == 200
    assert _status(app, ("::1", 5000)) == 200


REMOTE = "203.0.113.7"  # TEST-NET-3: never this machine


class SpoofedClient:
    """Presents requests that carry ``X-Test-Client`` as coming from that address (the ASGI
    scope's ``client``), so a remote caller is tested over a real loopback socket."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            for name, value in scope["headers"]:
                if name == b"x-test-client":
                    scope = {**scope, "client": (value.decode(), 40000)}
        await self.app(scope, receive, send)


def test_over_a_socket_a_remote_caller_needs_the_token() -> None:
    app = DraftmockApp(frozen_runtime(), admin_token="s3cret")
    with LiveServer(SpoofedClient(app)) as server, httpx.Client(base_url=server.url) as http:
        remote = {"X-Test-Client": REMOTE}
        referee = Referee(yaml.safe_load(Path(CONTROL_SPEC).read_text()), server.url)
        refused = http.post("/__draftmock/reset", json={}, headers=remote)
        assert refused.status_code == 403
        referee.check(refused)
        assert "admin token" in refused.json()["message"]
        wrong = http.get("/__draftmock/state", headers=remote | {"X-Draftmock-Admin-Token": "x"})
        assert wrong.status_code == 403
        admitted = http.get(
            "/__draftmock/clock", headers=remote | {"X-Draftmock-Admin-Token": "s3cret"}
        )
        assert admitted.status_code == 200
        referee.check(admitted)
        assert http.get("/__draftmock/clock").status_code == 200
        # The vendor APIs themselves answer anyone.
        listed = http.get(
            "/promptlayer/api/public/v2/datasets", headers=remote | {"X-API-KEY": "pl-demo-key"}
        )
        assert listed.status_code == 200
