"""PromptLayer beyond datasets: the prompt registry (versions under one name, release labels
that move) and operations served by the generated tier, as a frontend calls them over a socket.
Every response is refereed against the whole published document."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.conftest import Mock

KEY = {"X-API-KEY": "pl-demo-key"}
OTHER = {"X-API-KEY": "pl-other-key"}


def chat(text: str) -> dict[str, Any]:
    return {
        "type": "chat",
        "messages": [{"role": "system", "content": [{"type": "text", "text": text}]}],
    }


@pytest.fixture
def pl(mock: Mock) -> httpx.Client:
    return mock.client("promptlayer", KEY)


def publish(pl: httpx.Client, name: str, text: str, labels: list[str] | None = None) -> Any:
    body: dict[str, Any] = {
        "prompt_template": {"prompt_name": name, "tags": ["ui"]},
        "prompt_version": {"prompt_template": chat(text), "commit_message": text[:72]},
    }
    if labels is not None:
        body["release_labels"] = labels
    answer = pl.post("/rest/prompt-templates", json=body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_fresh_mock_shows_a_template_with_versions_and_labels(pl: httpx.Client) -> None:
    listed = pl.get("/prompt-templates").json()
    assert [(t["prompt_name"], t["version"]) for t in listed["items"]] == [("support-answer", 3)]
    assert listed["total"] == 1 and listed["page"] == 1 and listed["has_next"] is False
    labels = pl.get("/prompt-templates/support-answer/labels").json()["release_labels"]
    assert {(lb["release_label"], lb["prompt_version_number"]) for lb in labels} == {
        ("prod", 2),
        ("staging", 3),
    }


def test_publishing_under_a_name_makes_the_next_version(pl: httpx.Client) -> None:
    first = publish(pl, "onboarding", "Welcome the user.")
    second = publish(pl, "onboarding", "Welcome the user by name.", labels=["prod"])
    assert (first["version_number"], second["version_number"]) == (1, 2)
    assert second["id"] == first["id"]
    assert second["prompt_version_id"] != first["prompt_version_id"]
    assert second["release_labels"] == ["prod"]
    by_name = pl.get("/prompt-templates/onboarding").json()
    by_id = pl.get(f"/prompt-templates/{first['id']}").json()
    assert by_name == by_id
    assert by_name["version"] == 2 and by_name["workspace_id"] == 1
    old = pl.get("/prompt-templates/onboarding", params={"version": 1}).json()
    assert old["prompt_template"] == chat("Welcome the user.")
    posted = pl.post("/prompt-templates/onboarding", json={"label": "prod"}).json()
    assert posted["version"] == 2


def test_release_labels_point_at_versions_and_move(pl: httpx.Client) -> None:
    made = publish(pl, "support-answer", "Version four.", labels=["prod"])
    assert made["version_number"] == 4
    assert (
        pl.get("/prompt-templates/support-answer", params={"label": "prod"}).json()["version"] == 4
    )
    label = pl.post("/prompts/11/label", json={"prompt_version_number": 1, "name": "canary"})
    assert label.status_code == 200, label.text
    label_id = label.json()["id"]
    again = pl.post("/prompts/11/label", json={"prompt_version_number": 2, "name": "canary"})
    assert again.status_code == 422  # a label exists once per template: move it instead
    moved = pl.patch(f"/prompt-labels/{label_id}", json={"prompt_version_number": 3})
    assert moved.status_code == 200 and moved.json()["id"] == label_id
    canary = pl.get("/prompt-templates/support-answer", params={"label": "canary"}).json()
    assert canary["version"] == 3
    assert pl.delete(f"/prompt-labels/{label_id}").status_code == 204
    gone = pl.get("/prompt-templates/support-answer", params={"label": "canary"})
    assert gone.status_code == 404
    assert gone.json()["success"] is False
    filtered = pl.get("/prompt-templates", params={"label": "staging"}).json()["items"]
    assert [(t["prompt_name"], t["version"]) for t in filtered] == [("support-answer", 3)]


def test_unknown_templates_and_versions(pl: httpx.Client) -> None:
    assert pl.get("/prompt-templates/nothing-here").status_code == 404
    assert pl.get("/prompt-templates/support-answer", params={"version": 9}).status_code == 404
    both = pl.get("/prompt-templates/support-answer", params={"version": 1, "label": "prod"})
    assert both.status_code == 422


def test_workspaces_do_not_share_templates_or_generated_records(
    mock: Mock, pl: httpx.Client
) -> None:
    other = mock.client("promptlayer", OTHER)
    assert other.get("/prompt-templates/support-answer").status_code == 404
    table = pl.post("/api/public/v2/tables", json={"title": "Eval table"})
    assert table.status_code == 201, table.text
    table_id = table.json()["table"]["id"]
    assert pl.get(f"/api/public/v2/tables/{table_id}").status_code == 200
    assert other.get(f"/api/public/v2/tables/{table_id}").status_code == 404
    assert [t["id"] for t in pl.get("/api/public/v2/tables").json()["data"]] == [table_id]
    assert other.get("/api/public/v2/tables").json()["data"] == []


def test_a_frontend_session_beyond_datasets(pl: httpx.Client) -> None:
    """A prompt editor: list templates, open one at its prod label, publish an edit and move
    prod to it, then keep a folder and an evaluation table for it (generated tier)."""
    templates = pl.get("/prompt-templates").json()["items"]
    opened = pl.get(f"/prompt-templates/{templates[0]['id']}", params={"label": "prod"}).json()
    edited = publish(pl, opened["prompt_name"], "Answer in one sentence.", labels=["prod"])
    assert edited["version_number"] == 4
    folder = pl.post("/api/public/v2/folders", json={"name": "Support"})
    assert folder.status_code == 201, folder.text
    table = pl.post("/api/public/v2/tables", json={"title": "Support evals"})
    assert table.status_code == 201
    fetched = pl.get(f"/api/public/v2/tables/{table.json()['table']['id']}")
    assert fetched.status_code == 200
    assert (
        pl.get("/prompt-templates/support-answer", params={"label": "prod"}).json()["version"] == 4
    )


def test_no_key_is_the_vendors_401_on_generated_operations(mock: Mock) -> None:
    anonymous = mock.client("promptlayer")
    refused = anonymous.get("/api/public/v2/tables")
    assert refused.status_code == 401
    assert refused.json() == {
        "success": False,
        "message": "Invalid or missing API key",
        "error": "unauthorized",
    }
    invalid = mock.client("promptlayer", KEY).post("/api/public/v2/tables", json={"title": 5})
    assert invalid.status_code == 422
    assert invalid.json()["detail"][0]["loc"] == ["body", "title"]


def test_an_identifier_of_other_digits_is_a_name(pl: httpx.Client) -> None:
    """ "²" is a digit to Python's str.isdigit but no id: looked up as a name, not found."""
    assert pl.get("/prompt-templates/²/labels").status_code == 404
