"""The control API answers loopback callers; others only with the configured admin token."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from pathlib import Path

import httpx
import pytest
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


def _outward_address() -> str | None:
    """An address of this machine that is not loopback, if it has one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # no packet is sent: this only picks a route
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if ipaddress.ip_address(address).is_loopback else address


def test_over_a_socket_a_remote_caller_needs_the_token() -> None:
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no non-loopback address to call from")
    app = DraftmockApp(frozen_runtime(), admin_token="s3cret")
    with LiveServer(app, host="0.0.0.0") as server:
        remote = f"http://{address}:{server.port}"
        referee = Referee(yaml.safe_load(Path(CONTROL_SPEC).read_text()), remote)
        refused = httpx.post(f"{remote}/__draftmock/reset", json={})
        assert refused.status_code == 403
        referee.check(refused)
        assert "admin token" in refused.json()["message"]
        wrong = httpx.get(f"{remote}/__draftmock/state", headers={"X-Draftmock-Admin-Token": "x"})
        assert wrong.status_code == 403
        admitted = httpx.get(
            f"{remote}/__draftmock/clock", headers={"X-Draftmock-Admin-Token": "s3cret"}
        )
        assert admitted.status_code == 200
        referee.check(admitted)
        assert httpx.get(f"http://127.0.0.1:{server.port}/__draftmock/clock").status_code == 200
        # The vendor APIs themselves answer anyone.
        listed = httpx.get(
            f"{remote}/promptlayer/api/public/v2/datasets", headers={"X-API-KEY": "pl-demo-key"}
        )
        assert listed.status_code == 200
