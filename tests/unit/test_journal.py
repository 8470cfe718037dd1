"""The journal keeps the newest requests within its bound; coverage matches documented keys."""

from __future__ import annotations

import pytest

from draftmock.errors import ConfigError
from draftmock.journal import Coverage, Journal


def _record(journal: Journal, status: int, api: str = "omni", op: str = "getDocument") -> None:
    journal.record(
        at=0.0,
        method="GET",
        path="/x",
        api=api,
        operation_id=op,
        status=status,
        duration_ms=1.0,
        session="default",
    )


def test_newest_first_within_the_bound_and_filtered() -> None:
    journal = Journal(limit=3)
    for status in (200, 404, 200, 429, 200):
        _record(journal, status)
    _record(journal, 201, api="lunary", op="createDataset")
    assert len(journal) == 3
    assert [e.id for e in journal.query()] == [6, 5, 4]
    assert [e.status for e in journal.query(status=429)] == [429]
    assert [e.api for e in journal.query(api="lunary")] == ["lunary"]
    assert journal.query(operation_id="getDocument", limit=1)[0].id == 5


def test_a_negative_size_is_refused() -> None:
    with pytest.raises(ConfigError, match="journal"):
        Journal(limit=-1)


def test_coverage_matches_ranges_and_default() -> None:
    coverage = Coverage()
    coverage.record("omni", "getDocument", 200)
    coverage.record("omni", "getDocument", 404)
    report = coverage.report({"omni": {"getDocument": ["200", "4XX", "500"]}})
    row = report["apis"]["omni"]["getDocument"]
    assert row["exercised"] == ["200", "4XX"]
    assert row["missing"] == ["500"]
    assert (report["covered"], report["documented"]) == (2, 3)
    coverage.clear("omni")
    assert coverage.report({"omni": {"getDocument": ["default"]}})["covered"] == 0
