from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.support.referee import refereed_client

DOCUMENTS = Path(__file__).resolve().parents[1] / "fixtures" / "documents"
START = 1_780_000_000.0


def runtime_for(*documents: str, **kwargs: object) -> Runtime:
    return build_runtime(
        documents=[(None, DOCUMENTS / name) for name in documents],
        clock=VirtualClock(start=START, frozen=True),
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture(scope="module")
def both() -> Iterator[tuple[Runtime, str]]:
    """tasks.yaml (3.0, external $refs) under /tasks and pets.json (3.1) under /pets."""
    runtime = runtime_for("tasks.yaml", "pets.json")
    with LiveServer(DraftmockApp(runtime)) as server:
        yield runtime, server.url


def client(runtime: Runtime, url: str, api: str, **headers: str) -> httpx.Client:
    """A client whose every response is checked by openapi-core against the served document."""
    mount = "" if runtime.root_api == api else f"/{api}"
    return refereed_client(runtime.documents[api].raw, f"{url}{mount}", headers=headers)
