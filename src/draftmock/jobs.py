"""Deferred work with a due time on the virtual clock.

Nothing runs in a background thread: ``Runtime.tick`` pops every job whose due time has come
(in due order) before a request is handled, and the control API can advance the clock and tick.
A job is plain data (api, kind, payload), so snapshots of a world copy its pending work too.
"""

from __future__ import annotations

import heapq
import itertools
from dataclasses import dataclass, field
from typing import Any


@dataclass(order=True)
class Job:
    due: float
    seq: int
    id: str = field(compare=False)
    api: str = field(compare=False)
    kind: str = field(compare=False)
    payload: dict[str, Any] = field(compare=False, default_factory=dict)
    operation: str | None = field(compare=False, default=None)
    failure: str | None = field(compare=False, default=None)
    polls_left: int | None = field(compare=False, default=None)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "api": self.api,
            "kind": self.kind,
            "operation": self.operation,
            "due": self.due if self.due != float("inf") else None,
            "polls_left": self.polls_left,
            "payload": self.payload,
            "failure": self.failure,
        }


class Scheduler:
    def __init__(self) -> None:
        self._heap: list[Job] = []
        self._seq = itertools.count(1)

    def __getstate__(self) -> dict[str, Any]:
        return {
            "heap": list(self._heap),
            "next_seq": max((j.seq for j in self._heap), default=0) + 1,
        }

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._heap = list(state["heap"])
        heapq.heapify(self._heap)
        self._seq = itertools.count(int(state["next_seq"]))

    def schedule(
        self,
        api: str,
        kind: str,
        payload: dict[str, Any],
        due: float,
        *,
        operation: str | None = None,
        failure: str | None = None,
        polls_left: int | None = None,
    ) -> Job:
        """Add a job; ``due`` may be ``inf`` (manual, or waiting for polls)."""
        seq = next(self._seq)
        job = Job(
            due=due,
            seq=seq,
            id=f"job-{seq}",
            api=api,
            kind=kind,
            payload=payload,
            operation=operation,
            failure=failure,
            polls_left=polls_left,
        )
        heapq.heappush(self._heap, job)
        return job

    def polled(self, api: str, now: float) -> int:
        """One status read of ``api``: poll-driven jobs count down; those at zero become due."""
        flipped = 0
        for job in self._heap:
            if job.api == api and job.polls_left is not None:
                job.polls_left -= 1
                if job.polls_left <= 0:
                    job.polls_left = None
                    job.due = now
                    flipped += 1
        if flipped:
            heapq.heapify(self._heap)
        return flipped

    def get(self, job_id: str) -> Job | None:
        return next((job for job in self._heap if job.id == job_id), None)

    def pop_due(self, now: float) -> Job | None:
        if self._heap and self._heap[0].due <= now:
            return heapq.heappop(self._heap)
        return None

    def next_due(self) -> float | None:
        return self._heap[0].due if self._heap else None

    def pending(self, api: str | None = None) -> list[Job]:
        return sorted(job for job in self._heap if api is None or job.api == api)

    def due_of(self, api: str, kind: str, match: dict[str, Any]) -> float | None:
        """The latest due time of pending jobs of ``kind`` whose payload contains ``match``."""
        dues = [
            job.due
            for job in self._heap
            if job.api == api
            and job.kind == kind
            and all(job.payload.get(k) == v for k, v in match.items())
        ]
        return max(dues) if dues else None

    def reschedule(self, job_id: str, due: float) -> Job | None:
        job = self.get(job_id)
        if job is not None:
            job.due = due
            job.polls_left = None
            heapq.heapify(self._heap)
        return job

    def discard(self, api: str | None = None) -> None:
        self._heap = [job for job in self._heap if api is not None and job.api != api]
        heapq.heapify(self._heap)
