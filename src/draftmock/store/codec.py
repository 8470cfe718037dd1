"""What the store writes: checkpoints of whole worlds and log entries, as JSON bytes.

A checkpoint holds the world's state through the state codec (``state_codec.dump``: the same
versioned, tagged JSON as ``GET /__draftmock/state``) plus its steering and history (fault rules,
progressions, failures asked for the next jobs, journal, coverage), which are plain data here.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from draftmock.faults import FaultRule
from draftmock.journal import Coverage, Entry, Message
from draftmock.progression import Progression, Progressions
from draftmock.runtime import World
from draftmock.state_codec import dump, load


def dumps(value: Any) -> bytes:
    try:
        return orjson.dumps(value)
    except TypeError:  # integers beyond 64 bits
        return json.dumps(value, separators=(",", ":")).encode("utf-8")


def loads(data: bytes) -> Any:
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def world_checkpoint(world: World, last_now: float) -> bytes:
    """Everything ``world`` holds, as of now (call under its lock)."""
    coverage = [[api, op, sorted(seen)] for (api, op), seen in world.coverage._seen.items()]
    return dumps(
        {
            "state": dump(world.state_parts()),
            "faults": [rule.to_json() for rule in world.faults.rules],
            "progressions": world.progressions.to_json(),
            "fail_next": [[api, op, n] for (api, op), n in world.fail_next.items()],
            "journal": [_entry(e) for e in world.journal.query(limit=1 << 62)][::-1],
            "coverage": coverage,
            "last_now": last_now,
        }
    )


def read_checkpoint(data: bytes) -> dict[str, Any]:
    """The parts of a checkpoint; ``state`` decoded to live objects."""
    raw = loads(data)
    return {**raw, "state": load(raw["state"])}


def restore_steering(world: World, parts: dict[str, Any]) -> None:
    """Put a checkpoint's steering and history into ``world`` (its state goes through
    ``Runtime.restore``)."""
    world.faults.rules = [
        FaultRule(
            **{**rule, "latency_ms": tuple(rule["latency_ms"]) if rule["latency_ms"] else None}
        )
        for rule in parts["faults"]
    ]
    world.progressions = Progressions()
    for rule in parts["progressions"]:
        fields = {k: rule[k] for k in ("mode", "seconds", "polls")}
        world.progressions.set(rule["api"], rule["operation_id"], Progression(**fields))
    world.fail_next = {(api, op): int(n) for api, op, n in parts["fail_next"]}
    world.journal.clear()
    for entry in parts["journal"]:
        world.journal.record(
            **{
                **{k: v for k, v in entry.items() if k != "id"},
                "request": _message(entry["request"]),
                "reply": _message(entry["reply"]),
            }
        )
    world.coverage = Coverage()
    for api, op, statuses in parts["coverage"]:
        for status in statuses:
            world.coverage.record(api, op, status)


def _entry(entry: Entry) -> dict[str, Any]:
    """A journal entry as JSON, bodies byte for byte (as Latin-1 text)."""
    fields = {name: getattr(entry, name) for name in entry.__dataclass_fields__}
    for name in ("request", "reply"):
        message: Message | None = fields[name]
        fields[name] = (
            None
            if message is None
            else {
                "headers": dict(message.headers),
                "body": message.body.decode("latin-1"),
                "size": message.size,
            }
        )
    return fields


def _message(data: dict[str, Any] | None) -> Message | None:
    if data is None:
        return None
    return Message(data["headers"], data["body"].encode("latin-1"), data["size"])
