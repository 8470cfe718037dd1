"""Each request to a vendor API logs one line naming API, operation and status (text or JSON),
and lands in the journal of the session it was made in."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import httpx
import pytest

from draftmock.cli import JsonLogFormatter
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime


class Lines(logging.Handler):
    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.INFO)
        self.setFormatter(formatter)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def served() -> Iterator[str]:
    with LiveServer(DraftmockApp(frozen_runtime())) as server:
        yield server.url


def _capture(formatter: logging.Formatter) -> tuple[Lines, logging.Logger, int]:
    logger = logging.getLogger("draftmock.access")
    handler = Lines(formatter)
    level = logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return handler, logger, level


def test_json_log_lines_name_api_operation_and_status(served: str) -> None:
    handler, logger, level = _capture(JsonLogFormatter())
    try:
        httpx.get(
            f"{served}/promptlayer/api/public/v2/datasets/999999/rows",
            headers={"X-API-KEY": "pl-demo-key"},
        )
        httpx.get(f"{served}/omni/v1/nowhere")
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    found, unrouted = (json.loads(line) for line in handler.lines)
    assert {k: found[k] for k in ("api", "operation", "status", "method")} == {
        "api": "promptlayer",
        "operation": "getDatasetRows",
        "status": 404,
        "method": "GET",
    }
    assert found["path"] == "/promptlayer/api/public/v2/datasets/999999/rows"
    assert (unrouted["api"], unrouted["operation"], unrouted["status"]) == ("omni", "-", 404)


def test_text_log_lines_name_api_operation_and_status(served: str) -> None:
    handler, logger, level = _capture(logging.Formatter("%(levelname)s %(message)s"))
    try:
        httpx.post(
            f"{served}/promptlayer/api/public/v2/dataset-versions/create-draft",
            json={"dataset_group_id": 123},
            headers={"X-API-KEY": "pl-demo-key"},
        )
    finally:
        logger.removeHandler(handler)
        logger.setLevel(level)
    [line] = handler.lines
    assert "promptlayer -> createDraftDatasetVersion 201" in line


def test_the_journal_records_each_request_in_its_session(served: str) -> None:
    for session in ("one", "two", "two"):
        httpx.get(
            f"{served}/promptlayer/api/public/v2/datasets",
            headers={"X-API-KEY": "pl-demo-key", "X-Draftmock-Session": session},
        )
    journal = httpx.get(
        f"{served}/__draftmock/requests", headers={"X-Draftmock-Session": "two"}
    ).json()
    assert journal["kept"] == 2
    [newest, oldest] = journal["requests"]
    assert newest["id"] > oldest["id"]
    assert {e["session"] for e in journal["requests"]} == {"two"}
    assert newest["method"] == "GET"
    assert newest["path"] == "/promptlayer/api/public/v2/datasets"
    assert (newest["api"], newest["operation_id"], newest["status"]) == (
        "promptlayer",
        "listDatasets",
        200,
    )
    assert newest["duration_ms"] >= 0
    filtered = httpx.get(
        f"{served}/__draftmock/requests",
        params={"api": "lunary"},
        headers={"X-Draftmock-Session": "two"},
    ).json()
    assert filtered["requests"] == []
