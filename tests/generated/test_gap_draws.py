"""An operation whose documented success no value satisfies answers the 500 diagnostic, and
takes the same draws of its world's randomness whether or not the start-up look has found it
yet: processes sharing a store replay each other's requests, and must stay alike."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import httpx

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp

DOCUMENT = """\
openapi: 3.1.0
info: {title: gaps, version: "1"}
paths:
  /broken:
    get:
      operationId: getBroken
      responses:
        "200":
          description: no value fits
          content:
            application/json:
              schema: {type: string, minLength: 5, maxLength: 2}
  /word:
    get:
      operationId: getWord
      responses:
        "200":
          description: a word drawn at random
          content:
            application/json:
              schema: {type: string, minLength: 12, maxLength: 12, pattern: "^[a-z]+$"}
"""


def _answers(path: Path, *, looked: bool) -> list[tuple[int, object]]:
    runtime = build_runtime(documents=[(None, path)], check_documents=True)
    if looked:  # the look that runs in the background once a server starts, done already
        started = [work() for work in runtime.after_start]
        for thread in started:
            assert isinstance(thread, threading.Thread)
            thread.join()
    app = DraftmockApp(runtime)

    async def calls() -> list[tuple[int, object]]:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            replies = [await client.get(p) for p in ("/broken", "/word", "/broken", "/word")]
        return [(r.status_code, r.json()) for r in replies]

    return asyncio.run(calls())


def test_a_known_gap_draws_what_an_unknown_one_does(tmp_path: Path) -> None:
    path = tmp_path / "gaps.yaml"
    path.write_text(DOCUMENT)
    looked, not_yet = _answers(path, looked=True), _answers(path, looked=False)
    assert [status for status, _ in looked] == [500, 200, 500, 200]
    assert looked == not_yet
