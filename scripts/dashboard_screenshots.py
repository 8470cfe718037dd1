"""Screenshots of the dashboard for docs/: a mock with some traffic, in headless Chromium.

.venv/bin/python scripts/dashboard_screenshots.py [--out docs] [--chromium /usr/bin/chromium]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import httpx
from playwright.sync_api import sync_playwright

from draftmock.assembly import build_runtime
from draftmock.clock import VirtualClock
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer
from draftmock.vendors._kit import Settings

KEY = {"X-API-KEY": "pl-demo-key"}
V2 = "/promptlayer/api/public/v2"


def traffic(url: str) -> None:
    """A few calls a frontend would make: a draft, a conflict, a publish in flight, Lunary, Omni."""
    httpx.post(
        f"{url}{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}, headers=KEY
    )
    httpx.post(
        f"{url}{V2}/dataset-versions/create-draft", json={"dataset_group_id": 124}, headers=KEY
    )
    httpx.post(
        f"{url}{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}, headers=KEY
    )
    httpx.get(f"{url}{V2}/datasets", params={"dataset_group_id": 124}, headers=KEY)
    lunary = {"Authorization": "Bearer 11111111-1111-4111-8111-111111111111"}
    httpx.get(f"{url}/lunary/v1/datasets-v2", headers=lunary)
    httpx.get(f"{url}/omni/v1/documents", headers={"Authorization": "Bearer omni-demo-viewer"})
    httpx.post(
        f"{url}/omni/v1/documents/93874a87/draft",
        headers={"Authorization": "Bearer omni-demo-viewer"},
    )
    httpx.post(
        f"{url}/__draftmock/faults",
        json={"api": "lunary", "operation": "listDatasets", "status": 429, "count": 3},
    )
    httpx.post(f"{url}/__draftmock/snapshots", json={"name": "before-publish"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path("docs"))
    parser.add_argument("--chromium", default="/usr/bin/chromium")
    args = parser.parse_args()
    runtime = build_runtime(
        clock=VirtualClock(start=1_780_000_000.0, frozen=True), settings=Settings(async_delay=2.0)
    )
    with LiveServer(DraftmockApp(runtime)) as server, sync_playwright() as playwright:
        traffic(server.url)
        browser = playwright.chromium.launch(executable_path=args.chromium)
        page = browser.new_page(viewport={"width": 1200, "height": 700})
        for tab, ready in [
            ("state", "#state-records table"),
            ("jobs", "#jobs-table tr[data-job]"),
            ("journal", "#journal-table tr.journal-row"),
            ("coverage", "#coverage-tables table"),
        ]:
            page.goto(f"{server.url}/__draftmock/#{tab}")
            page.wait_for_selector(ready)
            if tab == "state":
                page.select_option("#state-api", "promptlayer")
                page.wait_for_selector("table[data-kind=Dataset]")
            if tab == "coverage":
                page.locator("table[data-api=promptlayer]").scroll_into_view_if_needed()
                page.evaluate("window.scrollBy(0, -60)")
            if tab == "journal":
                page.click("#journal-table tr.journal-row >> nth=1")
                page.wait_for_selector(".detail pre")
            page.screenshot(path=str(args.out / f"dashboard-{tab}.png"))
        browser.close()


if __name__ == "__main__":
    main()
