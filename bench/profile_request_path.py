"""Where one request's time goes, without the network: the synchronous pipeline alone, then the
whole ASGI app in-process (body read, journal, reply encoding), then a cProfile of the latter.

    python bench/profile_request_path.py [--requests 20000] [--top 15]

The difference between these numbers and bench/run.py's per-request time is uvicorn, httptools
and asyncio (the socket path), which draftmock does not control.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import time
from typing import Any

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp
from draftmock.server.pipeline import Request

PATH = "/api/public/v2/dataset-versions/create-draft"
BODY = b'{"dataset_group_id": 123}'
HEADERS = {"x-api-key": "pl-demo-key", "content-type": "application/json"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=20000)
    parser.add_argument("--top", type=int, default=15)
    args = parser.parse_args()
    app = DraftmockApp(build_runtime())
    pipeline = app.pipelines["promptlayer"]
    request = Request("POST", PATH, "", HEADERS, BODY, "bench")

    for _ in range(1000):
        pipeline.handle(request)
    started = time.perf_counter()
    for _ in range(args.requests):
        pipeline.handle(request)
    pipeline_us = (time.perf_counter() - started) / args.requests * 1e6

    scope = {
        "type": "http",
        "method": "POST",
        "path": f"/promptlayer{PATH}",
        "raw_path": f"/promptlayer{PATH}".encode(),
        "query_string": b"",
        "headers": [(k.encode(), v.encode()) for k, v in HEADERS.items()],
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    async def many(count: int) -> None:
        for _ in range(count):
            await app(scope, receive, send)

    asyncio.run(many(1000))
    started = time.perf_counter()
    asyncio.run(many(args.requests))
    app_us = (time.perf_counter() - started) / args.requests * 1e6

    print(
        f"pipeline (route, tick, auth, validate, handle, check reply): {pipeline_us:6.1f} us/request"
    )
    print(f"ASGI app in-process (+ body, headers, journal, encode):      {app_us:6.1f} us/request")
    profiler = cProfile.Profile()
    profiler.enable()
    asyncio.run(many(5000))
    profiler.disable()
    pstats.Stats(profiler).sort_stats("tottime").print_stats(args.top)


if __name__ == "__main__":
    main()
