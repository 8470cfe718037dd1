"""A diagnostic header quoting a client's input never breaks the reply."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp, header_value
from draftmock.testing import LiveServer

THINGS = {
    "openapi": "3.1.0",
    "info": {"title": "things", "version": "1"},
    "paths": {
        "/things/{id}": {
            "get": {
                "operationId": "getThing",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    }
                },
            }
        }
    },
}


def test_header_values_are_ascii_without_line_breaks() -> None:
    assert header_value("plain text") == b"plain text"
    assert header_value("bad\r\nX-Injected: 1") == b"bad  X-Injected: 1"
    assert header_value("caf\u00e9 \u3024") == b"caf\\xe9 \\u3024"


def test_a_refusal_quoting_non_latin_input_is_answered(tmp_path: Path) -> None:
    doc = tmp_path / "things.yaml"
    doc.write_text(yaml.safe_dump(THINGS))
    runtime = build_runtime(documents=[(None, doc)])
    with LiveServer(DraftmockApp(runtime)) as server:
        # No 400 documented: the refusal is the mock's own problem+json, its header quoting the id.
        response = httpx.get(f"{server.url}/things/%E3%80%A4", timeout=30)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert "\\u3024" in response.headers["x-draftmock-error"]
