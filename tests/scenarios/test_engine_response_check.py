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


def _no_body(ctx: Any, call: Call) -> Reply:
    return Reply(200, None)


def _plain_text(ctx: Any, call: Call) -> Reply:
    return Reply(200, "rows", media_type="text/plain")


def _crash(ctx: Any, call: Call) -> Reply:
    raise RuntimeError("the handler broke")


def _body_on_204(ctx: Any, call: Call) -> Reply:
    return Reply(204, {"deleted": True})


def replaced(runtime: Runtime, api: str, **handlers: Any) -> Runtime:
    vendor = runtime.vendors[api]
    table = OperationTable()
    table.handlers = {**vendor.operations.handlers, **handlers}
    runtime.vendors[api] = dataclasses.replace(vendor, operations=table)
    return runtime


@pytest.fixture(scope="module")
def defective() -> Iterator[str]:
    runtime = replaced(
        frozen_runtime(),
        "promptlayer",
        getDatasetRows=_no_body,
        listDatasets=_plain_text,
        createDatasetGroup=_crash,
    )
    replaced(runtime, "lunary", deleteDataset=_body_on_204)
    with LiveServer(DraftmockApp(runtime)) as live:
        yield live.url


@pytest.mark.parametrize(
    ("method", "path", "body", "violation"),
    [
        (
            "GET",
            "/promptlayer/api/public/v2/datasets/456/rows",
            None,
            "status 200 documents a body but none was sent",
        ),
        (
            "GET",
            "/promptlayer/api/public/v2/datasets",
            None,
            "media type text/plain is not documented for 200",
        ),
        (
            "DELETE",
            "/lunary/v1/datasets-v2/3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94",
            None,
            "status 204 documents no body but one was sent",
        ),
    ],
)
def test_a_reply_with_a_missing_undeclared_or_unknown_body_is_a_500_diagnostic(
    defective: str, method: str, path: str, body: Any, violation: str
) -> None:
    headers = {**KEY, "Authorization": "Bearer 11111111-1111-4111-8111-111111111111"}
    answer = httpx.request(method, defective + path, json=body, headers=headers)
    assert answer.status_code == 500
    assert answer.json()["draftmock_error"] == "contract violation"
    assert violation in answer.headers["x-draftmock-violation"]


def test_a_handler_that_crashes_is_a_500_naming_the_operation_and_the_error(
    defective: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="draftmock"):
        answer = httpx.post(
            defective + "/promptlayer/api/public/v2/dataset-groups",
            json={"name": "crash"},
            headers=KEY,
        )
    assert answer.status_code == 500
    message = answer.json()["message"]
    assert "createDatasetGroup raised RuntimeError: the handler broke" in message
    assert "the handler broke" in " ".join(r.getMessage() for r in caplog.records)
