from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from draftmock.vendors._kit import Settings
from tests.support.referee import refereed_client

# Tests talk to loopback only: botocore's credential chain (boto3 clients, the conformance gate's
# signing, and every child process started here) must not call the instance metadata service.
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

FROZEN_START = 1_780_000_000.0  # 2026-05-28T20:26:40Z
ASYNC_DELAY = 2.0


@dataclass
class Mock:
    """A running mock (real socket) with its runtime, as a test sees it."""

    runtime: Runtime
    url: str

    def client(self, api: str, headers: dict[str, str] | None = None) -> httpx.Client:
        spec = self.runtime.documents[api].raw
        return refereed_client(spec, f"{self.url}/{api}", headers=headers or {}, timeout=30)

    def admin(self, path: str, json: Any = None, headers: dict[str, str] | None = None) -> Any:
        response = httpx.post(
            f"{self.url}/__draftmock/{path}", json=json, headers=headers, timeout=30
        )
        response.raise_for_status()
        return response.json()

    def advance(self, seconds: float) -> Any:
        return self.admin("clock/advance", {"seconds": seconds})


def frozen_runtime(**settings: Any) -> Runtime:
    return build_runtime(
        clock=VirtualClock(start=FROZEN_START, frozen=True),
        settings=Settings(async_delay=ASYNC_DELAY, **settings),
    )


@pytest.fixture(scope="session")
def live() -> Iterator[tuple[Runtime, LiveServer]]:
    runtime = frozen_runtime()
    with LiveServer(DraftmockApp(runtime)) as server:
        yield runtime, server


@pytest.fixture
def mock(live: tuple[Runtime, LiveServer]) -> Mock:
    runtime, server = live
    runtime.reset()
    return Mock(runtime, server.url)
