"""Omni's official Python SDK (``omni-python-sdk`` on PyPI), unmodified, given the mock as its
base URL the way Omni's own is written (``https://<org>.omniapp.co/api``): it builds every URL as
``<base>/api/v1/...``, which the mock answers below the document's server base path.

The released SDK (0.1.11) is hand-written and has, of the operations the mock serves, the reads
``list_documents``, ``list_folders`` and ``list_models``; it has no create-document, draft or
publish call (docs/omni.md), so those are made over HTTP and read back through the SDK."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Mock
from tests.scenarios.test_omni_access import MODEL

sdk_module = pytest.importorskip("omni_python_sdk")

EDITOR = {"Authorization": "Bearer omni-demo-editor"}


@pytest.fixture
def sdk(mock: Mock, monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> Any:
    monkeypatch.chdir(tmp_path)  # no .env of the working directory is read
    return sdk_module.OmniAPI(api_key="omni-demo-editor", base_url=f"{mock.url}/omni/api")


def test_the_sdk_lists_what_http_created_and_published(sdk: Any, mock: Mock) -> None:
    omni = mock.client("omni", EDITOR)
    created = omni.post("/v1/documents", json={"modelId": MODEL, "name": "Through the SDK"})
    assert created.status_code == 201, created.text
    identifier = created.json()["workbook"]["documentId"]
    draft = omni.patch(f"/v2/documents/{identifier}/draft", json={})
    published = omni.post(f"/v2/documents/{identifier}/draft/publish")

    listed = sdk.list_documents()
    assert listed == omni.get("/v1/documents").json()
    names = {d["identifier"]: d["name"] for d in listed["records"]}
    assert names[identifier] == "Through the SDK"
    assert (draft.status_code, published.status_code) == (200, 200), published.text
    assert set(published.json()) >= {"identifier", "name", "description"}


def test_the_sdk_lists_models_and_folders(sdk: Any, mock: Mock) -> None:
    omni = mock.client("omni", EDITOR)
    models = sdk.list_models()
    assert models == omni.get("/v1/models").json()
    assert MODEL in {m["id"] for m in models["records"]}
    # The SDK always sends ``path`` (empty by default): the same records as over HTTP (the
    # generated tier's pageInfo is generated anew per answer). A failed call returns None.
    folders = sdk.list_folders()
    assert folders is not None
    assert folders["records"] == omni.get("/v1/folders", params={"path": ""}).json()["records"]
