"""URLs the mock hands out are built from the address it is configured for, never from the
caller's ``Host`` header (a rebinding page or a spoofed header must not steer a client to
another host)."""

from __future__ import annotations

import json

import httpx
import pytest

from draftmock.server.app import DraftmockApp
from draftmock.server.pipeline import Request
from tests.conftest import Mock, frozen_runtime
from tests.support.agentcore import FIXTURE_DATASET, STATIC_AUTH


def _get_dataset(app: DraftmockApp, host: str) -> str:
    request = Request(
        method="GET",
        path=f"/datasets/{FIXTURE_DATASET}",
        query_string="",
        headers={"authorization": STATIC_AUTH, "host": host},
        body=b"",
        request_id="test",
    )
    reply = app.pipelines["agentcore"].handle(request).reply
    assert reply.status == 200, json.dumps(reply.body)
    url: str = reply.body["downloadUrl"]
    return url


@pytest.mark.parametrize("host", ["attacker.example", "evil.example:4010", "127.0.0.1:4010"])
def test_download_url_ignores_the_host_header(host: str) -> None:
    runtime = frozen_runtime()
    runtime.public_url = "http://mock.internal:9000"
    url = _get_dataset(DraftmockApp(runtime), host)
    assert url.startswith("http://mock.internal:9000/__draftmock/blobs/")


def test_download_url_over_a_socket_names_the_server_and_opens(mock: Mock) -> None:
    response = httpx.get(
        f"{mock.url}/agentcore/datasets/{FIXTURE_DATASET}",
        headers={"authorization": STATIC_AUTH, "host": "attacker.example"},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    url = response.json()["downloadUrl"]
    assert url.startswith(f"{mock.url}/__draftmock/blobs/")
    assert httpx.get(url, timeout=10).status_code == 200
