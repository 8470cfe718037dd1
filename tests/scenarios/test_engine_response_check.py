"""The engine checks every reply against its operation before it leaves: a PromptLayer handler
broken on purpose (an undocumented status, a body missing a required member) is answered with a
500 diagnostic naming the violation (strict, the default), or sent unchanged and logged
(``--lenient-responses``). Over a real socket."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from draftmock.vendors._kit import Call, OperationTable, Reply
from tests.conftest import frozen_runtime

KEY = {"X-API-KEY": "pl-demo-key"}
CREATE_DRAFT = "/api/public/v2/dataset-versions/create-draft"
SAVE_DRAFT = "/api/public/v2/dataset-versions/save-draft"


def _undocumented_status(ctx: Any, call: Call) -> Reply:
    return Reply(200, {"success": True, "message": "ok", "draft_dataset_id": 1})


def _missing_member(ctx: Any, call: Call) -> Reply:
    return Reply(202, {"success": True, "message": "Dataset save job queued"})


def broken(runtime: Runtime) -> Runtime:
    vendor = runtime.vendors["promptlayer"]
    table = OperationTable()
    table.handlers = {
        **vendor.operations.handlers,
        "createDraftDatasetVersion": _undocumented_status,
        "saveDraftDatasetVersion": _missing_member,
    }
    runtime.vendors["promptlayer"] = dataclasses.replace(vendor, operations=table)
    return runtime


@pytest.fixture(params=[True, False], ids=["strict", "lenient"])
def served(request: pytest.FixtureRequest) -> Iterator[tuple[bool, str]]:
    runtime = broken(frozen_runtime(strict_responses=request.param))
    with LiveServer(DraftmockApp(runtime)) as live:
        yield request.param, f"{live.url}/promptlayer"


def test_off_spec_replies_never_leave_silently(
    served: tuple[bool, str], caplog: pytest.LogCaptureFixture
) -> None:
    strict, base = served
    with caplog.at_level(logging.ERROR, logger="draftmock"):
        status = httpx.post(base + CREATE_DRAFT, json={"dataset_group_id": 123}, headers=KEY)
        member = httpx.post(base + SAVE_DRAFT, json={"dataset_group_id": 124}, headers=KEY)
    logged = " ".join(r.getMessage() for r in caplog.records)
    assert "status 200 is not documented for createDraftDatasetVersion" in logged
    assert "draft_dataset_id" in logged
    if strict:
        for response in (status, member):
            assert response.status_code == 500
            assert response.json()["draftmock_error"] == "contract violation"
        assert "status 200 is not documented" in status.headers["x-draftmock-violation"]
        assert "draft_dataset_id" in member.headers["x-draftmock-violation"]
    else:
        assert status.status_code == 200
        assert member.status_code == 202
        assert member.json() == {"success": True, "message": "Dataset save job queued"}


def test_the_unbroken_operations_still_answer(served: tuple[bool, str]) -> None:
    _, base = served
    rows = httpx.get(base + "/api/public/v2/datasets/456/rows", headers=KEY)
    assert rows.status_code == 200
    assert "x-draftmock-violation" not in rows.headers
