"""The worked example of docs/declaring-behaviour.md, end to end over a real socket: the
notebooks document served with its overlay of x-draftmock declarations, every reply checked
against the document by openapi-core."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from draftmock.assembly import build_runtime
from draftmock.cli import main
from draftmock.clock import VirtualClock
from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.support.referee import refereed_client

EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "notebooks"
DOC = EXAMPLE / "notebooks.yaml"
OVERLAY = EXAMPLE / "notebooks.overlay.yaml"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Runtime, str]]:
    runtime = build_runtime(
        documents=[(None, DOC)],
        overlays={None: [OVERLAY]},
        clock=VirtualClock(start=1_780_000_000.0, frozen=True),
    )
    with LiveServer(DraftmockApp(runtime)) as server:
        yield runtime, server.url


@pytest.fixture
def api(served: tuple[Runtime, str]) -> Iterator[httpx.Client]:
    runtime, url = served
    runtime.reset()
    for world in runtime.worlds():
        runtime.world(world).progressions.clear()
    with refereed_client(runtime.documents["notebooks"].raw, url, timeout=30) as client:
        yield client


def control(
    served: tuple[Runtime, str], method: str, path: str, body: Any = None, **headers: str
) -> Any:
    response = httpx.request(
        method, f"{served[1]}/__draftmock/{path}", json=body, headers=headers, timeout=30
    )
    assert response.status_code == 200, response.text
    return response.json()


def notebook(api: httpx.Client) -> str:
    made = api.post("/notebooks", json={"name": "Field notes"})
    assert made.status_code == 201
    return str(made.json()["id"])


def test_one_draft_per_notebook_get_or_create_and_idempotent_retries(
    api: httpx.Client,
) -> None:
    nb = notebook(api)
    key = {"Idempotency-Key": "k-1"}
    first = api.post(f"/notebooks/{nb}/draft", json={"title": "One", "cells": ["a"]}, headers=key)
    assert first.status_code == 201
    assert first.json() == {"notebookId": nb, "title": "One", "cells": ["a"]}
    retried = api.post(f"/notebooks/{nb}/draft", json={"title": "One", "cells": ["a"]}, headers=key)
    assert (retried.status_code, retried.json()) == (201, first.json())
    reused = api.post(f"/notebooks/{nb}/draft", json={"title": "Other"}, headers=key)
    assert reused.status_code == 422
    assert "k-1 was used with another request" in reused.json()["message"]
    second = api.post(f"/notebooks/{nb}/draft", json={"title": "Two"})
    assert second.status_code == 409
    assert "already has a draft" in second.json()["message"]
    assert second.json()["code"] == "conflict"
    opened = api.put(f"/notebooks/{nb}/draft", json={"title": "Ignored"})
    assert (opened.status_code, opened.json()["title"]) == (200, "One")
    other = notebook(api)
    fresh = api.put(f"/notebooks/{other}/draft", json={"title": "Fresh"})
    assert (fresh.status_code, fresh.json()["notebookId"]) == (201, other)


def test_edit_discard_and_the_documented_404(api: httpx.Client) -> None:
    nowhere = "00000000-0000-4000-8000-000000000000"
    orphan = api.post(f"/notebooks/{nowhere}/draft", json={"title": "One"})
    assert orphan.status_code == 404
    assert orphan.json()["message"] == f"no parent notebookId {nowhere}"
    assert api.get(f"/notebooks/{nowhere}/versions/1").status_code == 404
    nb = notebook(api)
    missing = api.get(f"/notebooks/{nb}/draft")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    api.post(f"/notebooks/{nb}/draft", json={"title": "One"})
    edited = api.patch(f"/notebooks/{nb}/draft", json={"cells": ["x", "y"]})
    assert edited.status_code == 200
    assert (edited.json()["title"], edited.json()["cells"]) == ("One", ["x", "y"])
    assert api.delete(f"/notebooks/{nb}/draft").status_code == 204
    assert api.get(f"/notebooks/{nb}/draft").status_code == 404
    assert api.delete(f"/notebooks/{nb}/draft").status_code == 404


def test_publish_makes_version_n_plus_one_live_on_the_virtual_clock(
    served: tuple[Runtime, str], api: httpx.Client
) -> None:
    nb = notebook(api)
    assert api.post(f"/notebooks/{nb}/draft/publish").status_code == 404
    api.post(f"/notebooks/{nb}/draft", json={"title": "One", "cells": ["a"]})
    published = api.post(f"/notebooks/{nb}/draft/publish")
    assert published.status_code == 202
    assert published.json() == {
        "notebookId": nb,
        "title": "One",
        "cells": ["a"],
        "version": 1,
        "status": "in_review",
    }
    assert api.get(f"/notebooks/{nb}/draft").status_code == 404  # the draft became version 1
    api.put(f"/notebooks/{nb}/draft", json={"title": "Two"})
    assert api.post(f"/notebooks/{nb}/draft/publish").json()["version"] == 2
    jobs = control(served, "GET", "jobs")["jobs"]
    assert [(j["kind"], j["operation"]) for j in jobs] == [
        ("x-draftmock.async", "publishDraft")
    ] * 2
    listed = api.get(f"/notebooks/{nb}/versions").json()
    assert listed["total"] == 2
    assert [(v["version"], v["title"], v["status"]) for v in listed["items"]] == [
        (1, "One", "in_review"),
        (2, "Two", "in_review"),
    ]
    control(served, "POST", "clock/advance", {"seconds": 30})
    assert api.get(f"/notebooks/{nb}/versions/1").json()["status"] == "live"
    assert api.get(f"/notebooks/{nb}/versions/3").status_code == 404
    assert api.get(f"/notebooks/{notebook(api)}/versions").json() == {"items": [], "total": 0}


def test_a_failed_review_ends_rejected(served: tuple[Runtime, str], api: httpx.Client) -> None:
    nb = notebook(api)
    api.post(f"/notebooks/{nb}/draft", json={"title": "One"})
    control(served, "POST", "jobs/fail", {"api": "notebooks", "operation": "publishDraft"})
    api.post(f"/notebooks/{nb}/draft/publish")
    control(served, "POST", "jobs/run", {"api": "notebooks"})
    assert api.get(f"/notebooks/{nb}/versions/1").json()["status"] == "rejected"


def test_an_export_moves_one_state_per_poll_and_its_token_replays(api: httpx.Client) -> None:
    nb = notebook(api)
    started = api.post(f"/notebooks/{nb}/exports", json={"format": "pdf", "requestToken": "t"})
    assert started.status_code == 202
    export = started.json()
    assert export == {"id": export["id"], "notebookId": nb, "format": "pdf", "status": "queued"}
    assert len(export["id"]) == 36  # a fresh UUID, not the schema's placeholder
    second = api.post(f"/notebooks/{nb}/exports", json={"format": "html"}).json()
    assert second["id"] != export["id"]
    states = [api.get(f"/exports/{export['id']}").json()["status"] for _ in range(3)]
    assert states == ["running", "done", "done"]
    again = api.post(f"/notebooks/{nb}/exports", json={"format": "pdf", "requestToken": "t"})
    assert (again.status_code, again.json()) == (202, export)  # the first answer, replayed
    clash = api.post(f"/notebooks/{nb}/exports", json={"format": "html", "requestToken": "t"})
    assert clash.status_code == 409  # the first documented of 409/422/400
    assert api.get("/exports/nope").status_code == 404


def test_the_control_plane_steers_declared_work(
    served: tuple[Runtime, str], api: httpx.Client
) -> None:
    control(
        served,
        "PUT",
        "progression",
        {"api": "notebooks", "operation": "startExport", "mode": "manual"},
    )
    nb = notebook(api)
    export = api.post(f"/notebooks/{nb}/exports", json={"format": "html"}).json()
    for _ in range(3):
        assert api.get(f"/exports/{export['id']}").json()["status"] == "queued"
    control(served, "POST", "jobs/run", {"api": "notebooks"})
    assert api.get(f"/exports/{export['id']}").json()["status"] == "running"


def test_sessions_reset_and_dumps_hold_declared_state(
    served: tuple[Runtime, str], api: httpx.Client
) -> None:
    nb = notebook(api)
    api.post(f"/notebooks/{nb}/draft", json={"title": "Published"})
    api.post(f"/notebooks/{nb}/draft/publish")  # leaves a pending job in the dump
    api.post(f"/notebooks/{nb}/draft", json={"title": "Mine"})
    elsewhere = api.get(f"/notebooks/{nb}/draft", headers={"X-Draftmock-Session": "other"})
    assert elsewhere.status_code == 404
    dump = control(served, "GET", "state")
    control(served, "POST", "reset", {})
    assert api.get(f"/notebooks/{nb}/draft").status_code == 404
    control(served, "PUT", "state", {"format": dump["format"], "state": dump["state"]})
    assert api.get(f"/notebooks/{nb}/draft").json()["title"] == "Mine"
    control(served, "POST", "clock/advance", {"seconds": 30})
    assert api.get(f"/notebooks/{nb}/versions/1").json()["status"] == "live"


def test_a_declaration_the_document_contradicts_stops_start_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    overlay = tmp_path / "wrong.yaml"
    overlay.write_text(
        yaml.safe_dump(
            {
                "overlay": "1.0.0",
                "info": {"title": "wrong", "version": "1"},
                "actions": [
                    {
                        "target": "$.paths['/notebooks/{notebookId}/draft'].put",
                        "update": {
                            "x-draftmock": {"draft": {"action": "create", "parent": "notebookId"}}
                        },
                    }
                ],
            }
        )
    )
    assert main(["serve", str(DOC), "--overlay", str(overlay), "--port", "1"]) == 2
    assert capsys.readouterr().err.strip() == (
        "draftmock: openDraft: x-draftmock at "
        "/paths/~1notebooks~1{notebookId}~1draft/put/x-draftmock/draft/existing: a second draft "
        "for a parent answers 409, which the operation does not document "
        "(documented: 200, 201, 400)"
    )


def test_the_same_declarations_inline_in_the_document(tmp_path: Path) -> None:
    from draftmock.declared.overlay import apply_overlay, load_overlay

    inline = apply_overlay(yaml.safe_load(DOC.read_text()), load_overlay(OVERLAY), "overlay")
    assert "x-draftmock" in inline["paths"]["/notebooks/{notebookId}/draft"]["post"]
    path = tmp_path / "notebooks.yaml"
    path.write_text(yaml.safe_dump(inline, sort_keys=False))
    runtime = build_runtime(documents=[(None, path)])
    with (
        LiveServer(DraftmockApp(runtime)) as server,
        refereed_client(runtime.documents["notebooks"].raw, server.url, timeout=30) as client,
    ):
        nb = client.post("/notebooks", json={"name": "n"}).json()["id"]
        assert client.post(f"/notebooks/{nb}/draft", json={"title": "a"}).status_code == 201
        assert client.post(f"/notebooks/{nb}/draft", json={"title": "b"}).status_code == 409


def test_an_overlay_for_an_api_not_served_is_refused() -> None:
    from draftmock.errors import ConfigError

    with pytest.raises(ConfigError, match="--overlay for books: no such API"):
        build_runtime(documents=[(None, DOC)], overlays={"books": [OVERLAY]})


def test_a_specs_directory_applies_each_documents_sidecar_overlay(tmp_path: Path) -> None:
    import shutil

    shutil.copy(DOC, tmp_path / "notebooks.yaml")
    shutil.copy(OVERLAY, tmp_path / "notebooks.overlay.yaml")
    runtime = build_runtime(specs=tmp_path)
    assert "notebooks.overlay" not in runtime.vendors  # the sidecar is no API of its own
    assert "x-draftmock.async" in runtime.vendors["notebooks"].jobs
