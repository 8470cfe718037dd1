"""serve --watch: changed specs and fixtures are reloaded; state that still validates is kept."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import yaml

from draftmock.assembly import build_runtime, default_fixture_paths
from draftmock.clock import VirtualClock
from draftmock.paths import specs_dir
from draftmock.server.app import DraftmockApp
from draftmock.server.pipeline import Request
from draftmock.watch import Watcher

KEY = {"x-api-key": "pl-demo-key", "content-type": "application/json"}


def _setup(tmp_path: Path) -> tuple[DraftmockApp, Watcher, Path, Path]:
    specs = tmp_path / "specs"
    specs.mkdir()
    shutil.copy(specs_dir() / "promptlayer.yaml", specs / "promptlayer.yaml")
    fixture = tmp_path / "default.promptlayer.yaml"
    shutil.copy(next(p for p in default_fixture_paths() if "promptlayer" in p.name), fixture)
    runtime = build_runtime(
        specs=specs, fixtures=[fixture], apis=["promptlayer"], clock=VirtualClock(0, frozen=True)
    )
    app = DraftmockApp(runtime)
    return app, Watcher(app, [fixture]), specs / "promptlayer.yaml", fixture


def _touch(path: Path, text: str) -> None:
    path.write_text(text)
    stamp = path.stat().st_mtime + 5
    os.utime(path, (stamp, stamp))


def _create_draft(app: DraftmockApp, group_id: int) -> int:
    request = Request(
        "POST",
        "/api/public/v2/dataset-versions/create-draft",
        "",
        KEY,
        f'{{"dataset_group_id": {group_id}}}'.encode(),
        "r",
    )
    return app.pipelines["promptlayer"].handle(request).reply.status


def test_a_changed_spec_is_served_and_valid_state_kept(tmp_path: Path) -> None:
    app, watcher, spec, _ = _setup(tmp_path)
    assert _create_draft(app, 123) == 201
    document = yaml.safe_load(spec.read_text())
    document["info"]["description"] = "edited"
    _touch(spec, yaml.safe_dump(document, sort_keys=False))
    lines = watcher.check()
    assert lines == ["promptlayer.yaml: reloaded promptlayer; state kept"]
    assert app.runtime.documents["promptlayer"].raw["info"]["description"] == "edited"
    assert _create_draft(app, 123) == 409  # the draft made before the reload is still there


def test_state_that_no_longer_validates_is_dropped_and_reported(tmp_path: Path) -> None:
    app, watcher, spec, _ = _setup(tmp_path)
    document = yaml.safe_load(spec.read_text())
    group = document["components"]["schemas"]["DatasetGroup"]
    group["properties"]["name"]["maxLength"] = 26  # "Refund policy regression set" is longer
    _touch(spec, yaml.safe_dump(document, sort_keys=False))
    lines = watcher.check()
    assert any("dropped default: dataset group 124" in line for line in lines)
    assert any("dataset 459: its group was dropped" in line for line in lines)
    assert not any("group 123" in line for line in lines)
    assert _create_draft(app, 124) == 404
    assert _create_draft(app, 123) == 201  # group 123's name is short enough: kept


def test_a_broken_spec_leaves_the_old_one_serving(tmp_path: Path) -> None:
    app, watcher, spec, _ = _setup(tmp_path)
    _touch(spec, "openapi: [not, a, document")
    lines = watcher.check()
    assert len(lines) == 1
    assert "not reloaded" in lines[0]
    assert _create_draft(app, 123) == 201


def test_a_changed_fixture_restarts_its_api(tmp_path: Path) -> None:
    app, watcher, _, fixture = _setup(tmp_path)
    assert _create_draft(app, 123) == 201
    data = yaml.safe_load(fixture.read_text())
    data["workspaces"][0]["dataset_groups"].append({"id": 777, "name": "Added while serving"})
    _touch(fixture, yaml.safe_dump(data, sort_keys=False))
    assert watcher.check() == ["fixtures reloaded: promptlayer restarted from them in every world"]
    assert _create_draft(app, 777) == 201
    assert _create_draft(app, 123) == 201  # restarted: the earlier draft is gone


def test_a_bad_fixture_edit_is_refused(tmp_path: Path) -> None:
    app, watcher, _, fixture = _setup(tmp_path)
    _touch(fixture, "workspaces: [{id: 'one'}]\n")
    lines = watcher.check()
    assert len(lines) == 1 and "fixtures not reloaded" in lines[0]
    assert _create_draft(app, 123) == 201


def test_serve_watch_reloads_a_running_server_and_logs_what_it_dropped(tmp_path: Path) -> None:
    specs = tmp_path / "specs"
    specs.mkdir()
    spec = specs / "promptlayer.yaml"
    shutil.copy(specs_dir() / "promptlayer.yaml", spec)
    fixture = tmp_path / "default.promptlayer.yaml"
    shutil.copy(next(p for p in default_fixture_paths() if "promptlayer" in p.name), fixture)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    command = [sys.executable, "-m", "draftmock", "serve", "--port", str(port), "--watch"]
    command += ["--specs", str(specs), "--fixtures", str(fixture), "--log-format", "json"]
    proc = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(lambda: httpx.get(f"{base}/__draftmock/health", timeout=1).status_code == 200)

        def draft(group_id: int) -> int:
            return httpx.post(
                f"{base}/promptlayer/api/public/v2/dataset-versions/create-draft",
                json={"dataset_group_id": group_id},
                headers={"X-API-KEY": "pl-demo-key"},
            ).status_code

        assert draft(123) == 201
        document = yaml.safe_load(spec.read_text())
        document["info"]["description"] = "edited while serving"
        document["components"]["schemas"]["DatasetGroup"]["properties"]["name"]["maxLength"] = 26
        _touch(spec, yaml.safe_dump(document, sort_keys=False))
        _wait_for(
            lambda: (
                httpx.get(f"{base}/__draftmock/specs/promptlayer").json()["info"]["description"]
                == "edited while serving"
            )
        )
        assert draft(123) == 409  # the draft made before the reload was kept
        assert draft(124) == 404  # group 124's name breaks the new maxLength: dropped
    finally:
        proc.send_signal(signal.SIGINT)
        _, stderr = proc.communicate(timeout=15)
    messages = [json.loads(line)["message"] for line in stderr.splitlines() if line.startswith("{")]
    assert "promptlayer.yaml: reloaded promptlayer; state kept" in messages
    assert any("dropped default: dataset group 124" in m for m in messages)
    assert "Traceback" not in stderr


def _wait_for(condition: Callable[[], bool], timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            if condition():
                return
        except httpx.TransportError:
            pass
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


NOTES = """
openapi: 3.1.0
info: {title: notes, version: '1'}
paths:
  /notes:
    post:
      operationId: createNote
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
      responses:
        '201':
          description: created
          content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
  /notes/{id}:
    get:
      operationId: getNote
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: the note
          content: {application/json: {schema: {$ref: '#/components/schemas/Note'}}}
        '404': {description: no such note}
components:
  schemas:
    Note:
      type: object
      required: [id, text]
      properties:
        id: {type: string, readOnly: true}
        text: {type: string}
"""

TAGS = """
  /tags:
    get:
      operationId: listTags
      responses:
        '200':
          description: tags
          content: {application/json: {schema: {type: array, items: {type: string}}}}
"""


def _call(app: DraftmockApp, method: str, path: str, body: bytes = b"") -> tuple[int, object]:
    headers = {"content-type": "application/json"}
    reply = app.pipelines["notes"].handle(Request(method, path, "", headers, body, "r")).reply
    return reply.status, reply.body


def _generated(tmp_path: Path, overlay: str | None = None) -> tuple[DraftmockApp, Watcher, Path]:
    document = tmp_path / "notes.yaml"
    document.write_text(NOTES)
    overlays = {}
    if overlay is not None:
        (tmp_path / "notes.overlay.yaml").write_text(overlay)
        overlays = {None: [tmp_path / "notes.overlay.yaml"]}
    runtime = build_runtime(
        documents=[(None, document)], overlays=overlays, clock=VirtualClock(0, frozen=True)
    )
    app = DraftmockApp(runtime)
    return app, Watcher(app, []), document


def test_a_changed_document_rebuilds_its_generated_api_keeping_its_records(
    tmp_path: Path,
) -> None:
    app, watcher, document = _generated(tmp_path)
    status, note = _call(app, "POST", "/notes", b'{"text": "kept"}')
    assert status == 201 and isinstance(note, dict)
    assert _call(app, "GET", "/tags")[0] == 404
    _touch(document, NOTES.replace("components:", TAGS.lstrip("\n") + "components:", 1))
    assert watcher.check() == ["notes.yaml: reloaded notes; state kept"]
    assert _call(app, "GET", "/tags")[0] == 200  # the new operation is served
    assert _call(app, "GET", f"/notes/{note['id']}") == (200, note)


def test_a_changed_document_drops_the_generated_records_it_no_longer_allows(
    tmp_path: Path,
) -> None:
    app, watcher, document = _generated(tmp_path)
    _, short = _call(app, "POST", "/notes", b'{"text": "ok"}')
    _, long = _call(app, "POST", "/notes", b'{"text": "far too long"}')
    assert isinstance(short, dict) and isinstance(long, dict)
    app.runtime.world("s1")  # another session's records are judged too
    _call_in(app, "s1", "POST", "/notes", b'{"text": "also far too long"}')
    _touch(document, NOTES.replace("text: {type: string}", "text: {type: string, maxLength: 5}"))
    lines = watcher.check()
    assert lines[0] == "notes.yaml: reloaded notes; state kept"
    assert len(lines) == 3, lines
    assert lines[1].startswith(f"notes: dropped default: notes {long['id']}: no longer valid (")
    assert "text" in lines[1]
    assert lines[2].startswith("notes: dropped s1: notes ")
    assert _call(app, "GET", f"/notes/{short['id']}") == (200, short)
    assert _call(app, "GET", f"/notes/{long['id']}")[0] == 404
    # A resource the document no longer describes leaves with its records.
    _touch(document, NOTES.replace("/notes", "/memos").replace("Note", "Memo"))
    lines = watcher.check()
    assert f"notes: dropped default: notes {short['id']}: no resource 'notes' any more" in lines


def _call_in(app: DraftmockApp, session: str, method: str, path: str, body: bytes) -> int:
    headers = {"content-type": "application/json", "x-draftmock-session": session}
    request = Request(method, path, "", headers, body, "r", session=session)
    return app.pipelines["notes"].handle(request).reply.status


OVERLAY = """
overlay: 1.0.0
info: {title: note limits, version: '1'}
actions:
  - target: $.components.schemas.Note.properties.text
    update: {maxLength: LIMIT}
"""


def test_a_changed_overlay_is_applied_again(tmp_path: Path) -> None:
    app, watcher, _ = _generated(tmp_path, OVERLAY.replace("LIMIT", "3"))
    assert _call(app, "POST", "/notes", b'{"text": "long"}')[0] == 400
    _touch(tmp_path / "notes.overlay.yaml", OVERLAY.replace("LIMIT", "10"))
    assert watcher.check() == ["notes.overlay.yaml: reloaded notes; state kept"]
    assert _call(app, "POST", "/notes", b'{"text": "long"}')[0] == 201
    _touch(tmp_path / "notes.overlay.yaml", "overlay: [not an overlay")
    lines = watcher.check()
    assert len(lines) == 1 and lines[0].startswith("notes.overlay.yaml: not reloaded")
    assert _call(app, "POST", "/notes", b'{"text": "long"}')[0] == 201


def test_a_built_in_apis_changed_document_rebuilds_its_generated_operations(
    tmp_path: Path,
) -> None:
    app, watcher, spec, _ = _setup(tmp_path)
    assert _create_draft(app, 123) == 201
    document = yaml.safe_load(spec.read_text())
    document["paths"]["/api/public/v2/widgets/{widget_id}"] = {
        "get": {
            "operationId": "getWidget",
            "parameters": [
                {"name": "widget_id", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "responses": {
                "200": {
                    "description": "A widget",
                    "content": {
                        "application/json": {
                            "schema": {
                                "type": "object",
                                "required": ["kind"],
                                "properties": {"kind": {"const": "widget"}},
                            }
                        }
                    },
                },
            },
        }
    }
    _touch(spec, yaml.safe_dump(document, sort_keys=False))
    assert watcher.check() == ["promptlayer.yaml: reloaded promptlayer; state kept"]
    request = Request("GET", "/api/public/v2/widgets/w1", "", KEY, b"", "r")
    reply = app.pipelines["promptlayer"].handle(request).reply
    assert (reply.status, reply.body) == (200, {"kind": "widget"})
    assert _create_draft(app, 123) == 409  # the module's state is kept beside it
