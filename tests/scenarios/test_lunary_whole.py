"""Lunary beyond datasets-v2: the routes its backend documents with @openapi blocks, served by
the generated tier per project behind Lunary's keys, body parser and limit, as a frontend calls
them. Every response is refereed against the served document."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Mock

A = {"Authorization": "Bearer 11111111-1111-4111-8111-111111111111"}
B = {"Authorization": "Bearer 33333333-3333-4333-8333-333333333333"}
TEMPLATE = "5b3d7f91-2c4e-4a6b-8d0f-1e3a5c7e9b24"


@pytest.fixture
def lunary(mock: Mock) -> httpx.Client:
    return mock.client("lunary", A)


def test_a_frontend_session_beyond_datasets(mock: Mock, lunary: httpx.Client) -> None:
    """A prompt-management page: the project's templates (a fixture), a new template, a saved
    view, and the datasets it evaluates against; project B sees none of A's records."""
    templates = lunary.get("/v1/templates").json()
    assert [t["slug"] for t in templates] == ["support-answer"]
    assert lunary.get(f"/v1/templates/{TEMPLATE}").json()["versions"][0]["version"] == 1
    made = lunary.post(
        "/v1/templates",
        json={"slug": "greeting", "mode": "openai", "content": [{"role": "user", "content": "hi"}]},
    )
    assert made.status_code == 200, made.text
    assert made.json()["slug"] == "greeting"
    assert {t["slug"] for t in lunary.get("/v1/templates").json()} == {"support-answer", "greeting"}
    view = lunary.post("/v1/views", json={"name": "Errors", "data": ["AND"], "type": "llm"})
    assert view.status_code == 200, view.text
    assert lunary.get(f"/v1/views/{view.json()['id']}").json()["name"] == "Errors"
    assert len(lunary.get("/v1/datasets-v2").json()) == 2
    other = mock.client("lunary", B)
    assert other.get("/v1/templates").json() == []
    assert other.get(f"/v1/templates/{TEMPLATE}").status_code == 404


def test_malformed_json_is_400_with_the_parsers_message(lunary: httpx.Client) -> None:
    broken = lunary.post(
        "/v1/views", content=b'{"name": ', headers={"Content-Type": "application/json"}
    )
    assert broken.status_code == 400
    assert set(broken.json()) == {"message"}


def test_generated_routes_are_behind_lunarys_keys(mock: Mock) -> None:
    unknown = mock.client(
        "lunary", {"Authorization": "Bearer 44444444-4444-4444-8444-444444444444"}
    )
    refused = unknown.get("/v1/templates")
    assert refused.status_code == 401
    assert refused.json() == {"message": "Invalid API key"}
    by_header = mock.client("lunary", {"X-API-Key": "11111111-1111-4111-8111-111111111111"})
    assert by_header.get("/v1/views").status_code == 200
