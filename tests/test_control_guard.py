"""The control API trusts no Origin and no Host: cross-site requests and DNS rebinding are
refused, and state-changing calls with a body must be JSON (issue 15, item 2)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from draftmock.server.app import DraftmockApp
from draftmock.server.guard import split_host
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime


def _call(
    app: DraftmockApp,
    method: str,
    path: str,
    *,
    client: tuple[str, int] = ("127.0.0.1", 5000),
    base: str = "http://127.0.0.1:4010",
    **kwargs: Any,
) -> httpx.Response:
    async def call() -> httpx.Response:
        transport = httpx.ASGITransport(app=app, client=client)
        async with httpx.AsyncClient(transport=transport, base_url=base) as http:
            return await http.request(method, path, **kwargs)

    return asyncio.run(call())


@pytest.fixture(scope="module")
def app() -> DraftmockApp:
    return DraftmockApp(frozen_runtime(), admin_token="s3cret", allowed_hosts=["mock.test"])


def _now(app: DraftmockApp) -> float:
    return app.runtime.clock.now()


@pytest.mark.parametrize(
    "host",
    ["attacker.example", "attacker.example:4010", "127.0.0.1.nip.io:4010", "localhost.evil:4010"],
)
def test_a_foreign_host_is_refused(app: DraftmockApp, host: str) -> None:
    """DNS rebinding: the page's name now points at 127.0.0.1, its Host header still says so."""
    before = _now(app)
    response = _call(
        app, "POST", "/__draftmock/clock/advance", json={"seconds": 5}, headers={"Host": host}
    )
    assert response.status_code == 403
    assert "--allowed-host" in response.json()["message"]
    assert _now(app) == before
    assert _call(app, "GET", "/__draftmock/state", headers={"Host": host}).status_code == 403


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1:4010", "localhost:4010", "LOCALHOST", "[::1]:4010", "app.localhost", "mock.test"],
)
def test_addresses_localhost_and_allowed_names_are_accepted(app: DraftmockApp, host: str) -> None:
    assert _call(app, "GET", "/__draftmock/clock", headers={"Host": host}).status_code == 200


def test_the_admin_token_is_accepted_under_any_host(app: DraftmockApp) -> None:
    response = _call(
        app,
        "GET",
        "/__draftmock/clock",
        headers={"Host": "mock.internal.example", "X-Draftmock-Admin-Token": "s3cret"},
    )
    assert response.status_code == 200


def test_a_page_on_another_origin_is_refused_even_on_loopback(app: DraftmockApp) -> None:
    before = _now(app)
    for origin in ("http://evil.example", "http://localhost:5173", "null", "http://127.0.0.1:4011"):
        response = _call(
            app,
            "POST",
            "/__draftmock/clock/advance",
            json={"seconds": 5},
            headers={"Origin": origin},
        )
        assert response.status_code == 403, origin
        assert "own" in response.json()["message"]
    assert _now(app) == before


def test_the_mocks_own_origin_is_answered(app: DraftmockApp) -> None:
    response = _call(
        app,
        "POST",
        "/__draftmock/clock/advance",
        json={"seconds": 5},
        headers={"Origin": "http://127.0.0.1:4010"},
    )
    assert response.status_code == 200
    via_name = _call(
        app,
        "POST",
        "/__draftmock/clock/freeze",
        base="http://localhost:4010",
        headers={"Origin": "http://localhost:4010"},
    )
    assert via_name.status_code == 200


def test_a_cross_site_write_without_origin_is_refused(app: DraftmockApp) -> None:
    response = _call(
        app, "POST", "/__draftmock/clock/freeze", headers={"Sec-Fetch-Site": "cross-site"}
    )
    assert response.status_code == 403


def test_a_page_with_the_token_may_call_from_elsewhere(app: DraftmockApp) -> None:
    response = _call(
        app,
        "POST",
        "/__draftmock/clock/advance",
        json={"seconds": 5},
        headers={"Origin": "http://localhost:5173", "X-Draftmock-Admin-Token": "s3cret"},
    )
    assert response.status_code == 200


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", None],
)
def test_a_write_with_a_body_must_be_json(app: DraftmockApp, content_type: str | None) -> None:
    before = _now(app)
    headers = {"Content-Type": content_type} if content_type else {}
    response = _call(
        app, "POST", "/__draftmock/clock/advance", content=b'{"seconds": 5}', headers=headers
    )
    assert response.status_code == 415
    assert "application/json" in response.json()["message"]
    assert _now(app) == before


def test_json_types_and_bodiless_calls_pass(app: DraftmockApp) -> None:
    for content_type in (
        "application/json",
        "application/json; charset=utf-8",
        "application/merge-patch+json",
    ):
        response = _call(
            app,
            "POST",
            "/__draftmock/clock/advance",
            content=b'{"seconds": 1}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 200, content_type
    assert _call(app, "POST", "/__draftmock/clock/freeze").status_code == 200
    assert _call(app, "DELETE", "/__draftmock/faults").status_code == 200


def test_ipv4_mapped_loopback_counts_as_loopback() -> None:
    app = DraftmockApp(frozen_runtime())
    assert (
        _call(app, "GET", "/__draftmock/clock", client=("::ffff:127.0.0.1", 5000)).status_code
        == 200
    )
    assert (
        _call(app, "GET", "/__draftmock/clock", client=("::ffff:10.0.0.7", 5000)).status_code == 403
    )


def test_split_host() -> None:
    assert split_host("[::1]:4010") == ("::1", "4010")
    assert split_host("Name.Example:80") == ("name.example", "80")
    assert split_host("::1") == ("::1", None)
    assert split_host("localhost") == ("localhost", None)


@pytest.fixture(scope="module")
def served() -> Iterator[str]:
    with LiveServer(DraftmockApp(frozen_runtime())) as server:
        yield server.url


def test_over_a_socket_the_issue_repros_are_refused(served: str) -> None:
    """The repros of issue 15: a text/plain cross-site POST and a rebound Host."""
    before = httpx.get(f"{served}/__draftmock/clock").json()["now"]
    cross_site = httpx.post(
        f"{served}/__draftmock/clock/advance",
        content=b'{"seconds": 60}',
        headers={"Origin": "http://evil.example", "Content-Type": "text/plain"},
    )
    assert cross_site.status_code == 403
    rebound = httpx.post(
        f"{served}/__draftmock/clock/advance",
        json={"seconds": 60},
        headers={"Host": "attacker.example"},
    )
    assert rebound.status_code == 403
    assert httpx.get(f"{served}/__draftmock/clock").json()["now"] == before
    # The vendor APIs answer any Host, as the real ones behind their load balancers do.
    listed = httpx.get(
        f"{served}/omni/v1/documents",
        headers={"Host": "attacker.example", "Authorization": "Bearer omni-demo-editor"},
    )
    assert listed.status_code == 200
