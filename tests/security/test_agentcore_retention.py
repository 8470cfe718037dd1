"""AgentCore's download URLs are pre-signed and expire; what clients come back for (files,
pagination tokens, clientToken records) is bounded in number and forgotten in time, measured in
object counts and in the size of the state dump."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from draftmock.server.app import DraftmockApp
from draftmock.server.pipeline import Request
from draftmock.testing import LiveServer
from draftmock.vendors.agentcore.models import Account
from draftmock.vendors.agentcore.retention import (
    IDEMPOTENCY_WINDOW,
    MAX_IDEMPOTENCY_RECORDS,
    MAX_PAGE_TOKENS,
    PAGE_TOKEN_TTL,
)
from tests.conftest import ASYNC_DELAY, Mock, frozen_runtime
from tests.support.agentcore import (
    ACCOUNT,
    FIXTURE_DATASET,
    PREDEFINED,
    STATIC_AUTH,
    client,
    error_of,
    example,
    inline,
)

TOKEN = "retry-token-0123456789abcdefghijklmnopqrstuvwxyz"


class Direct:
    """AgentCore requests straight into the pipeline (no socket): thousands of them are quick."""

    def __init__(self, app: DraftmockApp) -> None:
        self.app = app
        self.runtime = app.runtime

    def call(self, method: str, path: str, body: Any = None, query: str = "") -> tuple[int, Any]:
        request = Request(
            method=method,
            path=path,
            query_string=query,
            headers={"authorization": STATIC_AUTH, "content-type": "application/json"},
            body=json.dumps(body).encode() if body is not None else b"",
            request_id="test",
        )
        reply = self.app.pipelines["agentcore"].handle(request).reply
        assert "x-draftmock-violation" not in reply.headers, reply.body
        return reply.status, reply.body

    def account(self) -> Account:
        account: Account = self.runtime.world().backends["agentcore"].account(ACCOUNT)
        return account


@pytest.fixture(scope="module")
def server() -> Iterator[tuple[Direct, str]]:
    app = DraftmockApp(frozen_runtime())
    with LiveServer(app) as live:
        yield Direct(app), live.url


@pytest.fixture
def served(server: tuple[Direct, str]) -> tuple[Direct, str]:
    direct, _ = server
    direct.runtime.reset()
    direct.runtime.world().blobs.clear()
    return server


def _state_size(url: str) -> int:
    return len(httpx.get(f"{url}/__draftmock/state", timeout=60).content)


# -- download URLs ------------------------------------------------------------------------------


def test_download_urls_differ_between_servers_with_the_same_seed(
    served: tuple[Direct, str],
) -> None:
    urls = []
    for direct in [served[0], Direct(DraftmockApp(frozen_runtime()))]:
        status, body = direct.call("GET", f"/datasets/{FIXTURE_DATASET}")
        assert status == 200
        urls.append(body["downloadUrl"])
    assert httpx.URL(urls[0]).path == httpx.URL(urls[1]).path  # the file is the same ...
    assert urls[0] != urls[1]  # ... the signature is not: no seed predicts it


def test_a_download_url_needs_its_signature_and_expiry(mock: Mock) -> None:
    got = client(mock.url).get_dataset(datasetId=FIXTURE_DATASET)
    url = httpx.URL(got["downloadUrl"])
    assert httpx.get(url, timeout=10).status_code == 200
    expires, signature = url.params["Expires"], url.params["Signature"]
    assert float(expires) == pytest.approx(got["downloadUrlExpiresAt"].timestamp())
    for params in [
        {},
        {"Expires": expires},
        {"Expires": expires, "Signature": "0" * len(signature)},
        {"Expires": str(float(expires) + 3600), "Signature": signature},  # extended
    ]:
        answer = httpx.get(url.copy_with(params=params), timeout=10)
        assert answer.status_code == 403, params
        assert "scenario_id" not in answer.text
    mock.advance(got["downloadUrlExpiresAt"].timestamp() - mock.runtime.clock.now())
    assert httpx.get(url, timeout=10).status_code == 403


def test_a_session_download_url_opens_without_the_session_header(mock: Mock) -> None:
    session = client(mock.url)
    session.meta.events.register(
        "before-sign", lambda request, **_: request.headers.add_header("X-Draftmock-Session", "s1")
    )
    url = httpx.URL(session.get_dataset(datasetId=FIXTURE_DATASET)["downloadUrl"])
    assert url.params["Session"] == "s1"
    assert httpx.get(url, timeout=10).status_code == 200
    other = url.copy_set_param("Session", "s2")  # the session is signed with the rest
    assert httpx.get(other, timeout=10).status_code == 403
    mock.admin("reset", {"all": True})


def test_polling_keeps_one_file_per_content(served: tuple[Direct, str]) -> None:
    direct, url = served
    big = [example(f"TC-{n}", "x" * 1000) for n in range(250)]  # ~250 KB of JSONL
    status, made = direct.call(
        "POST",
        "/datasets",
        {"datasetName": "big", "schemaType": PREDEFINED, "source": inline(*big)},
    )
    assert status == 202
    Mock(direct.runtime, url).advance(ASYNC_DELAY)
    blobs = direct.runtime.world().blobs
    direct.call("GET", f"/datasets/{made['datasetId']}")
    before = _state_size(url)
    urls = set()
    for _ in range(300):
        status, body = direct.call("GET", f"/datasets/{made['datasetId']}")
        assert status == 200
        urls.add(body["downloadUrl"])
    assert len(urls) == 1  # the clock is frozen: the same file, the same expiry
    assert len(blobs) == 1
    assert sum(len(b.content) for b in blobs.values()) > 250_000
    assert _state_size(url) - before < 1_000
    for _ in range(50):  # time passes between polls: new links, still one file
        Mock(direct.runtime, url).advance(1)
        direct.call("GET", f"/datasets/{made['datasetId']}")
    assert len(blobs) == 1
    direct.call("GET", f"/datasets/{FIXTURE_DATASET}")
    assert len(blobs) == 2
    Mock(direct.runtime, url).advance(
        301
    )  # every link has expired: the next publication drops the files
    direct.call("GET", f"/datasets/{FIXTURE_DATASET}")
    assert len(blobs) == 1


# -- pagination tokens --------------------------------------------------------------------------


def test_page_tokens_are_bounded_in_number_and_in_time(served: tuple[Direct, str]) -> None:
    direct, url = served
    for name in ("one", "two"):
        source = inline(example(name))
        status, _ = direct.call(
            "POST", "/datasets", {"datasetName": name, "schemaType": PREDEFINED, "source": source}
        )
        assert status == 202
    Mock(direct.runtime, url).advance(ASYNC_DELAY)
    before = _state_size(url)
    _, first = direct.call("POST", "/datasets/list", {"maxResults": 1})
    for _ in range(10_000):
        status, body = direct.call("POST", "/datasets/list", {"maxResults": 1})
        assert status == 200 and body["nextToken"]
    assert len(direct.account().pages) == MAX_PAGE_TOKENS
    assert _state_size(url) - before < 1_000_000
    # The oldest token went first; a recent one still works until it expires.
    status, body = direct.call("POST", "/datasets/list", {"nextToken": first["nextToken"]})
    assert (status, body["reason"]) == (400, "FieldValidationFailed")
    recent = direct.call("POST", "/datasets/list", {"maxResults": 1})[1]["nextToken"]
    assert direct.call("POST", "/datasets/list", {"nextToken": recent})[0] == 200
    Mock(direct.runtime, url).advance(PAGE_TOKEN_TTL)
    status, body = direct.call("POST", "/datasets/list", {"nextToken": recent})
    assert status == 400
    assert "expired" in body["message"]


# -- clientToken records ------------------------------------------------------------------------


def test_client_token_records_are_bounded(served: tuple[Direct, str]) -> None:
    direct, _ = served
    path = f"/datasets/{FIXTURE_DATASET}"
    first = "t" * 40
    direct.call("PUT", path, {"description": "first", "clientToken": first})
    for n in range(MAX_IDEMPOTENCY_RECORDS + 2_000):
        status, _ = direct.call("PUT", path, {"description": "d", "clientToken": f"{n:040d}"})
        assert status == 200
    assert len(direct.account().tokens) == MAX_IDEMPOTENCY_RECORDS
    # The first token was forgotten: the same token with other parameters is a new call.
    status, _ = direct.call("PUT", path, {"description": "other", "clientToken": first})
    assert status == 200


def test_client_token_is_forgotten_after_the_window(mock: Mock) -> None:
    ac = client(mock.url)
    made = ac.create_dataset(
        datasetName="windowed", schemaType=PREDEFINED, source=inline(example("W"))
    )
    mock.advance(ASYNC_DELAY)
    first = ac.create_dataset_version(datasetId=made["datasetId"], clientToken=TOKEN)
    mock.advance(ASYNC_DELAY)
    replay = ac.create_dataset_version(datasetId=made["datasetId"], clientToken=TOKEN)
    assert replay["datasetVersion"] == first["datasetVersion"] == "1"
    mock.advance(IDEMPOTENCY_WINDOW)
    again = ac.create_dataset_version(datasetId=made["datasetId"], clientToken=TOKEN)
    assert again["datasetVersion"] == "2"


def test_no_replay_of_a_success_about_a_deleted_dataset(mock: Mock) -> None:
    ac = client(mock.url)
    made = ac.create_dataset(
        datasetName="doomed", schemaType=PREDEFINED, source=inline(example("D"))
    )
    mock.advance(ASYNC_DELAY)
    ac.create_dataset_version(datasetId=made["datasetId"], clientToken=TOKEN)
    mock.advance(ASYNC_DELAY)
    ac.delete_dataset(datasetId=made["datasetId"])
    code, status, _ = error_of(
        ac.create_dataset_version, datasetId=made["datasetId"], clientToken=TOKEN
    )
    assert (code, status) == ("ConflictException", 409)  # still DELETING: a real answer
    mock.advance(ASYNC_DELAY)
    assert error_of(ac.get_dataset, datasetId=made["datasetId"])[1] == 404
    code, status, _ = error_of(
        ac.create_dataset_version, datasetId=made["datasetId"], clientToken=TOKEN
    )
    assert (code, status) == ("ResourceNotFoundException", 404)
