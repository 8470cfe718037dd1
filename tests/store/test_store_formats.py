"""What a SQLite store holds from elsewhere: another store format (refused with a message, never
misread), or state written against documents that have changed since (pruned as --watch does)."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.paths import specs_dir
from draftmock.server.app import DraftmockApp
from draftmock.server.pipeline import Request
from draftmock.store import StoreError, open_store
from draftmock.store.durable import Durable

PL = {"x-api-key": "pl-demo-key", "content-type": "application/json"}


def _app(specs: Path, state: str) -> DraftmockApp:
    runtime = build_runtime(specs=specs, apis=["promptlayer"], clock=VirtualClock(0, frozen=True))
    return DraftmockApp(runtime, durable=Durable(runtime, open_store(state)))


def _create_draft(app: DraftmockApp, group: int) -> int:
    body = f'{{"dataset_group_id": {group}}}'.encode()
    request = Request("POST", "/api/public/v2/dataset-versions/create-draft", "", PL, body, "r")
    return app.pipelines["promptlayer"].handle(request).reply.status


@pytest.fixture
def specs(tmp_path: Path) -> Path:
    directory = tmp_path / "specs"
    directory.mkdir()
    shutil.copy(specs_dir() / "promptlayer.yaml", directory / "promptlayer.yaml")
    return directory


def test_a_store_of_another_format_is_refused_with_a_message(specs: Path, tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    _app(specs, state).durable.store.close()  # type: ignore[union-attr]
    with sqlite3.connect(state) as db:
        db.execute("UPDATE draftmock_meta SET value = '99' WHERE key = 'format'")
    with pytest.raises(StoreError, match=r"store format 99.*reads format 2"):
        _app(specs, state)


def test_a_store_of_format_1_is_migrated_and_keeps_its_state(specs: Path, tmp_path: Path) -> None:
    state = str(tmp_path / "state.db")
    app = _app(specs, state)
    assert _create_draft(app, 123) == 201
    app.durable.store.close()  # type: ignore[union-attr]
    with sqlite3.connect(state) as db:  # as format 1 wrote it: no record of when a world was used
        db.execute("DROP INDEX draftmock_worlds_used")
        db.execute("ALTER TABLE draftmock_worlds DROP COLUMN used")
        db.execute("UPDATE draftmock_meta SET value = '1' WHERE key = 'format'")
    app = _app(specs, state)
    assert _create_draft(app, 123) == 409  # the draft made before is there
    app.durable.store.close()  # type: ignore[union-attr]
    with sqlite3.connect(state) as db:
        assert db.execute("SELECT value FROM draftmock_meta WHERE key = 'format'").fetchone() == (
            "2",
        )
        assert db.execute("SELECT used FROM draftmock_worlds").fetchall()


def test_stored_records_a_changed_document_refuses_are_dropped_and_logged(
    specs: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    state = str(tmp_path / "state.db")
    app = _app(specs, state)
    long_name = "x" * 30  # the fixtures' longest group name has 28 characters
    body = f'{{"name": "{long_name}"}}'.encode()
    made = app.pipelines["promptlayer"].handle(
        Request("POST", "/api/public/v2/dataset-groups", "", PL, body, "r")
    )
    assert made.reply.status == 201
    group_id = made.reply.body["dataset_group"]["id"]  # type: ignore[index]
    assert _create_draft(app, 123) == 201
    app.durable.store.close()  # type: ignore[union-attr]
    spec = specs / "promptlayer.yaml"
    document = yaml.safe_load(spec.read_text())
    document["components"]["schemas"]["DatasetGroup"]["properties"]["name"]["maxLength"] = 29
    spec.write_text(yaml.safe_dump(document, sort_keys=False))
    with caplog.at_level(logging.WARNING, logger="draftmock.store"):
        app = _app(specs, state)
    dropped = [r.getMessage() for r in caplog.records]
    assert any(f"default: dataset group {group_id}" in line for line in dropped), dropped
    assert not any("group 123" in line or "group 124" in line for line in dropped)
    assert _create_draft(app, group_id) == 404
    assert _create_draft(app, 123) == 409  # the draft made before is kept
    app.durable.store.close()  # type: ignore[union-attr]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="draftmock.store"):
        app = _app(specs, state)  # the same documents again: nothing more to drop
    assert caplog.records == []
    assert _create_draft(app, group_id) == 404
