"""The journal: each entry shows the request and the reply; the live stream (server-sent
events) delivers entries as they happen, resumes after Last-Event-ID and filters."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import httpx

from draftmock.journal import BODY_LIMIT
from tests.conftest import Mock

KEY = {"X-API-KEY": "pl-demo-key"}
DRAFTS = "/promptlayer/api/public/v2/dataset-versions/create-draft"


def _events(lines: Iterator[str]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(event, id, data) of each event in a text/event-stream."""
    event, ident, data = "message", "", ""
    for line in lines:
        if line == "":
            if data:
                yield event, ident, json.loads(data)
            event, ident, data = "message", "", ""
        elif line.startswith("event: "):
            event = line[7:]
        elif line.startswith("id: "):
            ident = line[4:]
        elif line.startswith("data: "):
            data += line[6:]


def _create_draft(url: str, group: int, headers: dict[str, str] | None = None) -> int:
    response = httpx.post(
        url + DRAFTS, json={"dataset_group_id": group}, headers={**KEY, **(headers or {})}
    )
    return response.status_code


def test_an_entry_holds_the_request_and_the_reply(mock: Mock) -> None:
    assert _create_draft(mock.url, 124) == 409
    entry = httpx.get(f"{mock.url}/__draftmock/requests?limit=1").json()["requests"][0]
    assert entry["operation_id"] == "createDraftDatasetVersion" or entry["status"] == 409
    assert json.loads(entry["request"]["body"]) == {"dataset_group_id": 124}
    assert entry["request"]["headers"]["x-api-key"] == "pl-demo-key"
    assert entry["reply"]["headers"]["content-type"] == "application/json"
    assert "draft" in entry["reply"]["body"].lower()
    assert entry["reply"]["size"] == len(entry["reply"]["body"].encode())
    assert entry["reply"]["truncated"] is False


def test_a_long_body_is_kept_in_part(mock: Mock) -> None:
    name = "x" * (3 * BODY_LIMIT)
    httpx.post(
        f"{mock.url}/promptlayer/api/public/v2/dataset-groups",
        json={"name": name},
        headers={**KEY, "X-Draftmock-Admin-Token": "not-kept"},
    )
    entry = httpx.get(f"{mock.url}/__draftmock/requests?limit=1").json()["requests"][0]
    assert entry["request"]["truncated"] is True
    assert len(entry["request"]["body"]) == BODY_LIMIT
    assert entry["request"]["size"] > 3 * BODY_LIMIT
    assert entry["request"]["headers"]["x-draftmock-admin-token"] == "(redacted)"


def test_the_stream_delivers_new_entries_as_they_happen(mock: Mock) -> None:
    session = {"X-Draftmock-Session": "streamed"}
    assert _create_draft(mock.url, 124, session) == 409  # creates the session
    seen: list[tuple[str, str, dict[str, Any]]] = []
    ready = threading.Event()

    def read() -> None:
        with httpx.stream(
            "GET",
            f"{mock.url}/__draftmock/requests/stream",
            params={"session": "streamed", "api": "promptlayer"},
            timeout=30,
        ) as response:
            assert response.status_code == 200
            assert response.headers["content-type"].startswith("text/event-stream")
            ready.set()
            for event in _events(response.iter_lines()):
                seen.append(event)
                if len(seen) == 2:
                    return

    reader = threading.Thread(target=read)
    reader.start()
    assert ready.wait(10)
    httpx.get(f"{mock.url}/omni/v1/documents", headers=session)  # filtered out (api)
    _create_draft(mock.url, 124)  # the default session: not this stream's
    _create_draft(mock.url, 124, session)
    _create_draft(mock.url, 123, session)
    reader.join(20)
    assert not reader.is_alive()
    assert [(event, data["status"], data["session"]) for event, _, data in seen] == [
        ("request", 409, "streamed"),
        ("request", 201, "streamed"),
    ]
    first_id = int(seen[0][1])
    assert int(seen[1][1]) > first_id

    # Reconnecting with Last-Event-ID resumes after it (the omni call is filtered again).
    with httpx.stream(
        "GET",
        f"{mock.url}/__draftmock/requests/stream",
        params={"session": "streamed", "api": "promptlayer"},
        headers={"Last-Event-ID": str(first_id)},
        timeout=30,
    ) as response:
        resumed = next(_events(response.iter_lines()))
    assert resumed[2]["status"] == 201
    assert resumed[1] == seen[1][1]
    httpx.delete(f"{mock.url}/__draftmock/sessions/streamed")


def test_a_deleted_session_ends_its_stream(mock: Mock) -> None:
    session = {"X-Draftmock-Session": "short-lived"}
    _create_draft(mock.url, 124, session)
    with httpx.stream(
        "GET",
        f"{mock.url}/__draftmock/requests/stream",
        params={"session": "short-lived", "since": "0"},
        timeout=30,
    ) as response:
        events = _events(response.iter_lines())
        assert next(events)[0] == "request"  # since=0: what the journal holds
        httpx.delete(f"{mock.url}/__draftmock/sessions/short-lived")
        event, _, data = next(events)
    assert (event, data) == ("gone", {"session": "short-lived"})
