"""The control API answers loopback callers; others only with the configured admin token."""

from __future__ import annotations

import asyncio

import httpx

from draftmock.server.app import DraftmockApp
from tests.conftest import frozen_runtime


def _status(
    app: DraftmockApp, client: tuple[str, int], headers: dict[str, str] | None = None
) -> int:
    async def call() -> int:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url="http://mock") as http:
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
