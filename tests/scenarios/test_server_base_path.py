"""A mounted API also answers below its document's server base path (Omni's ``/api``), as a
client configured with the vendor's own base URL sends its requests."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from draftmock.server.app import server_base_path
from tests.conftest import Mock

OMNI = {"Authorization": "Bearer omni-demo-editor"}


def test_omni_answers_under_its_server_path_as_at_its_mount(mock: Mock) -> None:
    short = httpx.get(f"{mock.url}/omni/v1/documents", headers=OMNI, timeout=30)
    long = httpx.get(f"{mock.url}/omni/api/v1/documents", headers=OMNI, timeout=30)
    assert short.status_code == long.status_code == 200
    assert long.json() == short.json() and long.json()["records"]
    missing = httpx.get(f"{mock.url}/omni/api/nope", headers=OMNI, timeout=30)
    assert missing.status_code == 404


def doc(url: Any, paths: dict[str, Any] | None = None) -> Any:
    raw: dict[str, Any] = {"paths": paths or {"/v1/x": {}}}
    if url is not None:
        raw["servers"] = [{"url": url}]
    return SimpleNamespace(raw=raw)


@pytest.mark.parametrize(
    ("url", "paths", "base"),
    [
        ("https://{instance}.omniapp.co/api", None, "/api"),
        ("https://api.example.com/v2/", None, "/v2"),
        ("/relative/base", None, "/relative/base"),
        ("https://api.example.com", None, ""),
        (None, None, ""),
        ("https://example.com/{stage}", None, ""),
        ("https://example.com/api", {"/api/v1/x": {}}, ""),
    ],
)
def test_server_base_path(url: Any, paths: dict[str, Any] | None, base: str) -> None:
    assert server_base_path(doc(url, paths)) == base
