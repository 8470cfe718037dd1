"""The dashboard in real Chromium against a real server: it shows what other clients do (a new
draft in the state view, a journal line, the coverage they caused) and steers the mock (run a
pending job now, advance the clock) through the control API."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from draftmock.runtime import Runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from tests.conftest import frozen_runtime

pytestmark = pytest.mark.browser

KEY = {"X-API-KEY": "pl-demo-key"}
V2 = "/promptlayer/api/public/v2"


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[Runtime, str]]:
    runtime = frozen_runtime()
    with LiveServer(DraftmockApp(runtime)) as server:
        yield runtime, server.url


@pytest.fixture
def mock(served: tuple[Runtime, str]) -> tuple[Runtime, str]:
    runtime, url = served
    runtime.reset()
    runtime.world().journal.clear()
    return runtime, url


def _open(page: Any, url: str, tab: str) -> None:
    page.goto(f"{url}/__draftmock/#{tab}")
    page.wait_for_selector("#journal-live.live")  # loaded and following the journal


def test_a_new_draft_appears_in_the_state_view(page: Any, mock: tuple[Runtime, str]) -> None:
    _, url = mock
    _open(page, url, "state")
    page.select_option("#state-api", "promptlayer")
    page.wait_for_selector("table[data-kind=Dataset]")
    created = httpx.post(
        f"{url}{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}, headers=KEY
    )
    assert created.status_code == 201
    draft = created.json()["draft_dataset_id"]
    # Another client's request: the journal event makes the page reload the state.
    row = page.locator("table[data-kind=Dataset] td:first-child", has_text=re.compile(f"^{draft}$"))
    row.first.wait_for()
    assert row.count() >= 1
    page.check("#state-json")
    assert f'"id": {draft}' in page.inner_text("#state-raw")
    with page.expect_download() as download:
        page.click("#state-download")
    assert download.value.suggested_filename == "draftmock-default-state.json"


def test_run_now_completes_a_pending_job(page: Any, mock: tuple[Runtime, str]) -> None:
    _, url = mock
    saved = httpx.post(
        f"{url}{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}, headers=KEY
    )
    assert saved.status_code == 202
    [job] = httpx.get(f"{url}/__draftmock/jobs").json()["jobs"]
    _open(page, url, "jobs")
    row = page.locator(f"tr[data-job='{job['id']}']")
    row.wait_for()
    assert "saveDraftDatasetVersion" in row.inner_text()
    row.locator("button.run-now").click()
    row.wait_for(state="detached")
    assert httpx.get(f"{url}/__draftmock/jobs").json()["jobs"] == []
    listed = httpx.get(f"{url}{V2}/datasets", params={"dataset_group_id": 124}, headers=KEY).json()
    assert 3 in {d["version_number"] for d in listed["datasets"]}  # the draft was published


def test_the_clock_advances(page: Any, mock: tuple[Runtime, str]) -> None:
    runtime, url = mock
    _open(page, url, "state")
    before = float(page.get_attribute("#clock", "data-now"))
    page.fill("#advance-seconds", "90")
    page.click("#advance")
    page.wait_for_function(
        "before => Number(document.getElementById('clock').dataset.now) >= before + 90", arg=before
    )
    assert runtime.clock.now() == before + 90
    assert "frozen" in (page.get_attribute("#clock", "class") or "")


def test_another_clients_request_appears_in_the_journal(
    page: Any, mock: tuple[Runtime, str]
) -> None:
    _, url = mock
    _open(page, url, "journal")
    assert page.locator("tr.journal-row").count() == 0
    answer = httpx.get(
        f"{url}/omni/v1/documents/nope-404", headers={"Authorization": "Bearer omni-demo-editor"}
    )
    row = page.locator("tr.journal-row", has_text="/omni/v1/documents/nope-404")
    row.wait_for()
    assert str(answer.status_code) in row.inner_text()
    row.click()
    assert "omni-demo-editor" in page.inner_text(".detail")
    page.fill("#journal-status", "2")
    row.wait_for(state="detached")  # filtered out: not a 2xx


def test_coverage_marks_the_status_a_client_caused(page: Any, mock: tuple[Runtime, str]) -> None:
    _, url = mock
    _open(page, url, "coverage")
    cell = page.locator(
        "table[data-api=promptlayer] tr[data-operation=createDraftDatasetVersion] "
        "td[data-status='409']"
    )
    cell.wait_for()
    assert cell.get_attribute("class") == "missing"
    conflict = httpx.post(
        f"{url}{V2}/dataset-versions/create-draft", json={"dataset_group_id": 124}, headers=KEY
    )
    assert conflict.status_code == 409
    page.wait_for_selector(
        "table[data-api=promptlayer] tr[data-operation=createDraftDatasetVersion] "
        "td[data-status='409'].hit"
    )


def test_faults_and_snapshots_are_managed_from_the_page(
    page: Any, mock: tuple[Runtime, str]
) -> None:
    _, url = mock
    httpx.delete(f"{url}/__draftmock/faults")
    _open(page, url, "faults")
    page.select_option("#fault-form select[name=api]", "omni")
    page.select_option("#fault-form select[name=operation]", "documentsList")
    page.fill("#fault-form input[name=status]", "429")
    page.fill("#fault-form input[name=count]", "1")
    page.click("#fault-form button[type=submit]")
    page.wait_for_selector("#faults-table tr[data-rule]")
    throttled = httpx.get(
        f"{url}/omni/v1/documents", headers={"Authorization": "Bearer omni-demo-editor"}
    )
    assert throttled.status_code == 429
    page.click("#faults-table tr[data-rule] button")
    page.wait_for_selector("#faults-table tr[data-rule]", state="detached")
    assert httpx.get(f"{url}/__draftmock/faults").json()["rules"] == []

    page.goto(f"{url}/__draftmock/#snapshots")
    page.fill("#snapshot-form input[name=name]", "clean")
    page.click("#snapshot-form button")
    page.wait_for_selector("tr[data-snapshot=clean]")
    assert "clean" in httpx.get(f"{url}/__draftmock/snapshots").json()["snapshots"]
    page.click("tr[data-snapshot=clean] >> text=Delete")
    page.wait_for_selector("tr[data-snapshot=clean]", state="detached")


def test_a_session_is_picked_reset_and_deleted(page: Any, mock: tuple[Runtime, str]) -> None:
    runtime, url = mock
    alice = {"X-Draftmock-Session": "alice"}
    created = httpx.post(
        f"{url}{V2}/dataset-versions/create-draft",
        json={"dataset_group_id": 123},
        headers={**KEY, **alice},
    )
    assert created.status_code == 201
    draft = created.json()["draft_dataset_id"]
    page.on("dialog", lambda dialog: dialog.accept())
    _open(page, url, "state")
    page.select_option("#session", "alice")
    page.select_option("#state-api", "promptlayer")
    row = page.locator("table[data-kind=Dataset] td:first-child", has_text=re.compile(f"^{draft}$"))
    row.first.wait_for()
    page.click("#reset")
    row.first.wait_for(state="detached")
    assert "alice" in runtime.worlds()
    page.click("#delete-session")
    page.wait_for_function("() => document.getElementById('session').value === 'default'")
    assert "alice" not in runtime.worlds()
    assert "alice" not in page.inner_text("#session")
