"""A page served from another loopback origin uses the mock from real Chromium: CORS lets it
create a PromptLayer draft, read the 409 body and Lunary's rate-limit header; the control API
stays closed to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime

pytestmark = pytest.mark.browser

PAGE = b"<!doctype html><title>frontend</title><h1>a frontend on another origin</h1>"


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(PAGE)))
        self.end_headers()
        self.wfile.write(PAGE)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def frontend() -> Iterator[str]:
    """``http://localhost:<port>``: another origin than the mock's ``http://127.0.0.1:<port>``."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def mock_url() -> Iterator[str]:
    with LiveServer(DraftmockApp(frozen_runtime())) as server:
        yield server.url


CALLS = """async (mock) => {
  const pl = {"X-API-KEY": "pl-demo-key", "Content-Type": "application/json"};
  const drafts = mock + "/promptlayer/api/public/v2/dataset-versions/create-draft";
  const created = await fetch(drafts, {method: "POST", headers: pl, credentials: "include",
                                       body: JSON.stringify({dataset_group_id: 123})});
  const conflict = await fetch(drafts, {method: "POST", headers: pl,
                                        body: JSON.stringify({dataset_group_id: 123})});
  const lunary = await fetch(mock + "/lunary/v1/datasets-v2", {
    headers: {"Authorization": "Bearer 11111111-1111-4111-8111-111111111111"}});
  let control;
  try {
    const answer = await fetch(mock + "/__draftmock/clock/advance", {method: "POST",
      headers: {"Content-Type": "application/json"}, body: JSON.stringify({seconds: 60})});
    control = "answered " + answer.status;
  } catch (error) {
    control = "blocked: " + error.name;
  }
  return {
    origin: location.origin,
    created: created.status, createdBody: await created.json(),
    conflict: conflict.status, conflictBody: await conflict.json(),
    remaining: lunary.headers.get("Rate-Limit-Remaining"),
    total: lunary.headers.get("Rate-Limit-Total"),
    control,
  };
}"""


def test_a_page_on_another_origin_uses_the_apis(page: Any, frontend: str, mock_url: str) -> None:
    page.goto(frontend)
    seen = page.evaluate(CALLS, mock_url)
    assert seen["origin"] == frontend != mock_url
    assert seen["created"] == 201, seen["createdBody"]
    assert seen["conflict"] == 409
    assert "draft" in str(seen["conflictBody"]).lower()
    assert seen["total"] == "150"
    assert seen["remaining"] == "149"
    # The browser could not even send it: the preflight was refused.
    assert seen["control"].startswith("blocked"), seen["control"]
    clock = page.evaluate(
        "async (mock) => { try { await fetch(mock + '/__draftmock/clock'); return 'read'; }"
        " catch (error) { return 'blocked'; } }",
        mock_url,
    )
    assert clock == "blocked"
