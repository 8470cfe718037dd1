"""CORS over a real socket, for every API: preflights, actual responses, credentials mode,
``--cors-origin`` and ``--no-cors``; and the control API closed to other origins."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from draftmock.errors import ConfigError
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.server.cors import CorsPolicy, normalize_origin
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime
from tests.support.agentcore import STATIC_AUTH
from tests.support.serving import serve_process

PAGE = "http://localhost:5173"
OTHER = "http://evil.example"
LUNARY_KEY = "11111111-1111-4111-8111-111111111111"


@dataclass(frozen=True)
class Call:
    """One request a page would make to an API, and a response header it reads."""

    method: str
    path: str
    headers: dict[str, str]
    json: Any
    status: int
    reads: str | None  # a header the page reads from the reply


CALLS = {
    "promptlayer": Call(
        "POST",
        "/promptlayer/api/public/v2/dataset-versions/create-draft",
        {"X-API-KEY": "pl-demo-key", "Content-Type": "application/json"},
        {"dataset_group_id": 124},
        409,
        None,
    ),
    "agentcore": Call(
        "POST",
        "/agentcore/datasets/list",
        {"Authorization": STATIC_AUTH, "X-Amz-Date": "20260528T000000Z"},
        {},
        200,
        "x-amzn-requestid",
    ),
    "lunary": Call(
        "GET",
        "/lunary/v1/datasets-v2",
        {"Authorization": f"Bearer {LUNARY_KEY}"},
        None,
        200,
        "rate-limit-remaining",
    ),
    "omni": Call(
        "GET",
        "/omni/v1/documents",
        {"Authorization": "Bearer omni-demo-editor"},
        None,
        200,
        None,
    ),
}


@dataclass
class Served:
    runtime: Runtime
    url: str


def _serve(**options: Any) -> Iterator[Served]:
    runtime = frozen_runtime()
    with LiveServer(DraftmockApp(runtime, **options)) as server:
        yield Served(runtime, server.url)


@pytest.fixture(scope="module")
def open_cors() -> Iterator[Served]:
    yield from _serve()


@pytest.fixture(scope="module")
def restricted() -> Iterator[Served]:
    yield from _serve(cors=CorsPolicy.of([PAGE]))


@pytest.fixture(scope="module")
def no_cors() -> Iterator[Served]:
    yield from _serve(cors=None)


@pytest.fixture(scope="module")
def with_token() -> Iterator[Served]:
    yield from _serve(admin_token="s3cret")


def _preflight(url: str, path: str, method: str, origin: str, headers: str = "") -> httpx.Response:
    asked = {"Origin": origin, "Access-Control-Request-Method": method}
    if headers:
        asked["Access-Control-Request-Headers"] = headers
    return httpx.options(url + path, headers=asked, timeout=30)


def _actual(url: str, call: Call, origin: str | None) -> httpx.Response:
    headers = dict(call.headers)
    if origin is not None:
        headers["Origin"] = origin
    return httpx.request(call.method, url + call.path, headers=headers, json=call.json, timeout=30)


def _exposed(response: httpx.Response) -> set[str]:
    listed = response.headers.get("access-control-expose-headers", "")
    return {name.strip() for name in listed.split(",") if name.strip()}


@pytest.mark.parametrize("api", sorted(CALLS))
def test_a_preflight_is_answered_without_credentials(open_cors: Served, api: str) -> None:
    call = CALLS[api]
    asked = ", ".join(sorted(h.lower() for h in call.headers))
    response = _preflight(open_cors.url, call.path, call.method, PAGE, asked)
    assert response.status_code == 204, response.text
    assert response.headers["access-control-allow-origin"] == PAGE
    assert response.headers["access-control-allow-credentials"] == "true"
    assert call.method in response.headers["access-control-allow-methods"]
    allowed = {h.strip() for h in response.headers["access-control-allow-headers"].split(",")}
    assert allowed == {h.lower() for h in call.headers}
    assert int(response.headers["access-control-max-age"]) > 0
    assert "Origin" in response.headers["vary"]
    assert "content-length" not in response.headers  # RFC 9110 §8.6: never on a 204


@pytest.mark.parametrize("api", sorted(CALLS))
def test_an_actual_response_names_the_headers_a_page_reads(open_cors: Served, api: str) -> None:
    call = CALLS[api]
    open_cors.runtime.reset()
    response = _actual(open_cors.url, call, PAGE)
    assert response.status_code == call.status, response.text
    # Credentials mode: the origin itself, never "*".
    assert response.headers["access-control-allow-origin"] == PAGE
    assert response.headers["access-control-allow-credentials"] == "true"
    assert call.reads is None or call.reads in _exposed(response)
    assert "content-type" not in _exposed(response)  # safelisted: never repeated
    assert "x-draftmock-violation" not in response.headers


def test_a_call_without_origin_gets_no_cors_headers(open_cors: Served) -> None:
    response = _actual(open_cors.url, CALLS["omni"], None)
    assert response.status_code == 200
    assert not [h for h in response.headers if h.startswith("access-control-")]


def test_rate_limit_and_retry_after_are_exposed(open_cors: Served) -> None:
    open_cors.runtime.reset()
    call = CALLS["lunary"]
    response = _actual(open_cors.url, call, PAGE)
    assert {"rate-limit-remaining", "rate-limit-reset", "rate-limit-total"} <= _exposed(response)
    httpx.post(
        f"{open_cors.url}/__draftmock/faults",
        json={"api": "omni", "operation": "documentsList", "status": 429, "count": 1},
        timeout=30,
    ).raise_for_status()
    try:
        throttled = _actual(open_cors.url, CALLS["omni"], PAGE)
        assert throttled.status_code == 429
        assert "retry-after" in _exposed(throttled)
    finally:
        httpx.delete(f"{open_cors.url}/__draftmock/faults", timeout=30)


def test_the_mocks_own_headers_are_exposed(open_cors: Served) -> None:
    call = CALLS["promptlayer"]
    steered = httpx.post(
        open_cors.url + call.path,
        json=call.json,
        headers={**call.headers, "Origin": PAGE, "Prefer": "code=418"},
    )
    assert steered.status_code == 400
    assert "x-draftmock-error" in _exposed(steered)


def test_preflights_are_neither_journaled_nor_rate_counted(open_cors: Served) -> None:
    open_cors.runtime.reset()
    before = len(open_cors.runtime.world().journal)
    call = CALLS["lunary"]
    for _ in range(160):  # more than Lunary's 150 requests a minute
        assert _preflight(open_cors.url, call.path, "GET", PAGE, "authorization").status_code == 204
    assert len(open_cors.runtime.world().journal) == before
    response = _actual(open_cors.url, call, PAGE)
    assert response.status_code == 200
    assert response.headers["rate-limit-remaining"] == "149"


def test_an_options_request_that_is_no_preflight_reaches_the_api(open_cors: Served) -> None:
    response = httpx.options(f"{open_cors.url}/omni/v1/documents", headers={"Origin": PAGE})
    assert response.status_code == 405  # Omni's own answer for an undocumented method
    assert response.headers["access-control-allow-origin"] == PAGE


@pytest.mark.parametrize("api", sorted(CALLS))
def test_cors_origin_restricts_the_pages(restricted: Served, api: str) -> None:
    call = CALLS[api]
    allowed = _preflight(restricted.url, call.path, call.method, PAGE)
    assert allowed.status_code == 204
    assert allowed.headers["access-control-allow-origin"] == PAGE
    refused = _preflight(restricted.url, call.path, call.method, OTHER)
    assert refused.status_code == 403
    assert "access-control-allow-origin" not in refused.headers
    assert "--cors-origin" in refused.json()["message"]
    restricted.runtime.reset()
    actual = _actual(restricted.url, call, OTHER)
    assert actual.status_code == call.status  # served, but the browser keeps it from the page
    assert "access-control-allow-origin" not in actual.headers


@pytest.mark.parametrize("api", sorted(CALLS))
def test_no_cors_answers_no_preflight(no_cors: Served, api: str) -> None:
    call = CALLS[api]
    response = _preflight(no_cors.url, call.path, call.method, PAGE)
    assert response.status_code in (404, 405)  # the API's own answer to OPTIONS
    assert "access-control-allow-origin" not in response.headers
    no_cors.runtime.reset()
    actual = _actual(no_cors.url, call, PAGE)
    assert actual.status_code == call.status
    assert not [h for h in actual.headers if h.startswith("access-control-")]


def test_the_control_api_is_closed_to_other_origins(open_cors: Served) -> None:
    url = open_cors.url
    preflight = _preflight(url, "/__draftmock/clock/advance", "POST", PAGE, "content-type")
    assert preflight.status_code == 403
    assert "access-control-allow-origin" not in preflight.headers
    before = httpx.get(f"{url}/__draftmock/clock").json()["now"]
    # A "simple" cross-site request needs no preflight: the guard refuses it anyway.
    sneaky = httpx.post(
        f"{url}/__draftmock/clock/advance",
        content=b'{"seconds": 60}',
        headers={"Origin": OTHER, "Content-Type": "text/plain"},
    )
    assert sneaky.status_code == 403
    assert "access-control-allow-origin" not in sneaky.headers
    assert httpx.get(f"{url}/__draftmock/clock").json()["now"] == before
    read = httpx.get(f"{url}/__draftmock/state", headers={"Origin": PAGE})
    assert read.status_code == 403
    assert "access-control-allow-origin" not in read.headers
    # The public documents are open, as the APIs are.
    spec = httpx.get(f"{url}/__draftmock/specs/omni", headers={"Origin": PAGE})
    assert spec.status_code == 200
    assert spec.headers["access-control-allow-origin"] == PAGE


def test_a_page_with_the_admin_token_may_steer(with_token: Served) -> None:
    url = with_token.url
    without = _preflight(url, "/__draftmock/clock/advance", "POST", PAGE, "content-type")
    assert without.status_code == 403
    preflight = _preflight(
        url, "/__draftmock/clock/advance", "POST", PAGE, "content-type, x-draftmock-admin-token"
    )
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == PAGE
    assert "access-control-allow-private-network" not in preflight.headers
    wrong = httpx.post(
        f"{url}/__draftmock/clock/advance",
        json={"seconds": 1},
        headers={"Origin": PAGE, "X-Draftmock-Admin-Token": "nope"},
    )
    assert wrong.status_code == 403
    moved = httpx.post(
        f"{url}/__draftmock/clock/advance",
        json={"seconds": 1},
        headers={"Origin": PAGE, "X-Draftmock-Admin-Token": "s3cret"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.headers["access-control-allow-origin"] == PAGE


def test_origins_are_checked_at_start_up() -> None:
    assert normalize_origin("HTTP://LocalHost:5173/") == "http://localhost:5173"
    assert CorsPolicy.of(["*"]).origins is None
    assert CorsPolicy.of(["null"]).allows("null")
    for bad in ("localhost:5173", "http://x/path", "http://"):
        with pytest.raises(ConfigError, match="--cors-origin"):
            normalize_origin(bad)


def test_serve_takes_cors_origin_and_refuses_contradictions() -> None:
    command = [sys.executable, "-m", "draftmock", "serve", "--quiet"]
    clash = subprocess.run(
        [*command, "--no-cors", "--cors-origin", PAGE], capture_output=True, text=True, timeout=60
    )
    assert clash.returncode == 2
    assert "--no-cors and --cors-origin" in clash.stderr
    bad = subprocess.run(
        [*command, "--cors-origin", "localhost:5173"], capture_output=True, text=True, timeout=60
    )
    assert bad.returncode == 2
    assert "expected an origin" in bad.stderr
    with serve_process("--quiet", "--cors-origin", PAGE, start_timeout=60) as served:
        url = served.url
        path = CALLS["omni"].path
        assert _preflight(url, path, "GET", PAGE).status_code == 204
        assert _preflight(url, path, "GET", OTHER).status_code == 403
