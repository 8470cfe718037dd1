from __future__ import annotations

from draftmock.jobs import Scheduler


def test_due_jobs_pop_in_due_order_and_only_when_due() -> None:
    jobs = Scheduler()
    late = jobs.schedule("api", "b", {"n": 2}, due=20)
    early = jobs.schedule("api", "a", {"n": 1}, due=10)
    assert jobs.pop_due(5) is None
    assert jobs.pop_due(30) is early
    assert jobs.pop_due(30) is late
    assert jobs.pop_due(30) is None


def test_same_due_time_keeps_scheduling_order() -> None:
    jobs = Scheduler()
    first = jobs.schedule("api", "a", {}, due=10)
    second = jobs.schedule("api", "b", {}, due=10)
    assert [jobs.pop_due(10), jobs.pop_due(10)] == [first, second]


def test_due_of_finds_matching_payloads() -> None:
    jobs = Scheduler()
    jobs.schedule("api", "copy", {"draft_id": 1}, due=10)
    jobs.schedule("api", "copy", {"draft_id": 2}, due=15)
    assert jobs.due_of("api", "copy", {"draft_id": 2}) == 15
    assert jobs.due_of("api", "copy", {"draft_id": 3}) is None
    assert jobs.due_of("other", "copy", {"draft_id": 1}) is None


def test_discard_by_api() -> None:
    jobs = Scheduler()
    jobs.schedule("a", "x", {}, due=1)
    kept = jobs.schedule("b", "x", {}, due=1)
    jobs.discard("a")
    assert jobs.pending() == [kept]
    jobs.discard()
    assert jobs.pending() == []
