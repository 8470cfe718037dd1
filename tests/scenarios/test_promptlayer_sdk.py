"""PromptLayer's official Python SDK (``promptlayer``), unmodified, its base URL pointed at the
mock: ``tables.imports.add_trace`` (what its evaluation runner calls) posts the SDK's own body,
``{trace_id, sheet_id, smart_table_id, span_id, metadata}``, and the trace lands in the group
the sheet names."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from tests.conftest import Mock
from tests.scenarios.test_promptlayer_operations import KEY, table

promptlayer = pytest.importorskip("promptlayer")


@pytest.fixture
def sdk(mock: Mock) -> object:
    return promptlayer.PromptLayer(api_key="pl-demo-key", base_url=f"{mock.url}/promptlayer")


@pytest.fixture
def pl(mock: Mock) -> httpx.Client:
    return mock.client("promptlayer", KEY)


def test_add_trace_through_the_sdk_lands_in_the_sheets_draft(sdk: object, pl: httpx.Client) -> None:
    made = sdk.tables.imports.add_trace(  # type: ignore[attr-defined]
        {
            "trace_id": "trace-7f3a",
            "sheet_id": 124,
            "smart_table_id": 9,
            "metadata": {"eval_name": "nightly"},
        }
    )
    assert made == {"success": True, "draft_dataset_id": 459, "mode": "trace"}
    _, rows = table(pl, 459)
    assert rows[-1]["input"] == "Where is my order 1234?"
    assert rows[-1]["output"] == "It ships tomorrow."


def test_the_sdks_span_import_and_a_sheet_id_given_as_a_string(
    sdk: object, pl: httpx.Client
) -> None:
    made = sdk.tables.imports.add_trace(  # type: ignore[attr-defined]
        {"trace_id": "trace-7f3a", "sheet_id": "124", "table_id": 9, "span_id": "span-lookup"}
    )
    assert made == {"success": True, "draft_dataset_id": 459, "mode": "span"}
    _, rows = table(pl, 459)
    assert rows[-1]["order_lookup.input"] == {"order_id": 1234}


def test_the_async_client_imports_a_trace_too(mock: Mock, pl: httpx.Client) -> None:
    client = promptlayer.AsyncPromptLayer(api_key="pl-demo-key", base_url=f"{mock.url}/promptlayer")
    made = asyncio.run(client.tables.imports.add_trace({"trace_id": "trace-7f3a", "sheet_id": 124}))
    assert made["draft_dataset_id"] == 459


def test_an_unknown_sheet_is_the_sdks_error(mock: Mock) -> None:
    strict = promptlayer.PromptLayer(
        api_key="pl-demo-key", base_url=f"{mock.url}/promptlayer", throw_on_error=True
    )
    with pytest.raises(Exception, match="not found"):
        strict.tables.imports.add_trace({"trace_id": "trace-7f3a", "sheet_id": "sheet-x"})
    with pytest.raises(Exception, match="999 not found"):
        strict.tables.imports.add_trace({"trace_id": "trace-7f3a", "sheet_id": 999})


def test_a_body_naming_neither_group_nor_sheet_is_refused(pl: httpx.Client) -> None:
    refused = pl.post("/api/public/v2/dataset-versions/add-trace", json={"trace_id": "trace-7f3a"})
    assert refused.status_code == 422
