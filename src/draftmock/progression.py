"""How asynchronous work progresses, per operation (moto's state-manager idea, on our clock).

time    the job is due N seconds of clock time after it was scheduled (default)
polls   the job is due when the API's status-reading operation has been called N times
manual  the job waits until the control API completes it
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

Mode = Literal["time", "polls", "manual"]
NEVER = float("inf")


@dataclass(frozen=True)
class Progression:
    mode: Mode = "time"
    seconds: float | None = None  # time mode; None: the server's --async-delay
    polls: int = 1  # polls mode

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Progressions:
    """(api, operationId) -> Progression; absent means time mode with the default delay."""

    def __init__(self) -> None:
        self._rules: dict[tuple[str, str], Progression] = {}

    def set(self, api: str, operation_id: str, progression: Progression) -> None:
        self._rules[(api, operation_id)] = progression

    def get(self, api: str, operation_id: str | None) -> Progression | None:
        if operation_id is None:
            return None
        return self._rules.get((api, operation_id))

    def clear(self, api: str | None = None) -> None:
        self._rules = {k: v for k, v in self._rules.items() if api is not None and k[0] != api}

    def to_json(self) -> list[dict[str, Any]]:
        return [
            {"api": api, "operation_id": op, **rule.to_json()}
            for (api, op), rule in sorted(self._rules.items())
        ]
