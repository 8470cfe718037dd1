"""Injected faults: make an operation answer one of its documented error statuses (with a
probability, or for the next N calls) and/or add latency (fixed or ranged).

Rules are plain data kept per world. Checking that a rule's status is documented is the
control plane's job (it knows the compiled operations); here rules are matched and fired.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class FaultRule:
    id: str
    api: str
    operation_id: str | None = None  # None: every operation of the API
    status: int | None = None  # None: latency only
    probability: float = 1.0
    remaining: int | None = None  # None: no limit
    latency_ms: tuple[float, float] | None = None  # (min, max); equal for a fixed delay
    message: str = "Fault injected by draftmock"

    def applies_to(self, api: str, operation_id: str) -> bool:
        return self.api == api and self.operation_id in (None, operation_id)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["latency_ms"] = list(self.latency_ms) if self.latency_ms else None
        return data


@dataclass(frozen=True)
class Decision:
    rule: FaultRule | None  # the rule whose status fires, if any
    delay_seconds: float


class Faults:
    def __init__(self) -> None:
        self.rules: list[FaultRule] = []

    def add(self, rule: FaultRule) -> FaultRule:
        self.rules.append(rule)
        return rule

    def remove(self, rule_id: str) -> bool:
        before = len(self.rules)
        self.rules = [r for r in self.rules if r.id != rule_id]
        return len(self.rules) != before

    def clear(self, api: str | None = None) -> None:
        self.rules = [r for r in self.rules if api is not None and r.api != api]

    def decide(self, api: str, operation_id: str, roll: Callable[[], float]) -> Decision:
        if not self.rules:
            return Decision(None, 0.0)
        firing: FaultRule | None = None
        delay = 0.0
        for rule in self.rules:
            if not rule.applies_to(api, operation_id) or rule.remaining == 0:
                continue
            if rule.probability < 1.0 and roll() >= rule.probability:
                continue
            if rule.latency_ms is not None:
                low, high = rule.latency_ms
                delay += (low + (high - low) * roll()) / 1000
            if rule.status is not None and firing is None:
                firing = rule
            if rule.remaining is not None and (rule.status is not None or rule.latency_ms):
                rule.remaining -= 1
        return Decision(firing, delay)
