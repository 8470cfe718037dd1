"""The JSON dump of a world restores exactly: dataclasses, objects, enums, odd keys."""

from __future__ import annotations

import json

import pytest

from draftmock.assembly import build_runtime
from draftmock.errors import ConfigError
from draftmock.state_codec import decode, encode
from draftmock.vendors.omni.models import Role


def test_every_default_world_round_trips_through_json() -> None:
    runtime = build_runtime()
    parts = runtime.snapshot(runtime.world())
    text = json.dumps(encode(parts))
    back = decode(json.loads(text))
    assert json.dumps(encode(back)) == text
    assert set(back["backends"]) == set(runtime.vendors)


def test_enums_tuples_sets_and_non_string_keys_survive() -> None:
    value = {"role": Role.EDITOR, 1: (2, 3), "s": {4}, "inf": float("inf")}
    back = decode(json.loads(json.dumps(encode(value))))
    assert back == value
    assert back["role"] is Role.EDITOR


def test_classes_outside_draftmock_are_refused() -> None:
    with pytest.raises(ConfigError, match="outside draftmock"):
        decode({"__dataclass__": "os:PathLike", "fields": {}})
