"""The JSON dump of a world restores exactly: dataclasses, objects, enums, odd keys.

Round trips compare the decoded objects with the originals (dataclass equality, the state of
``Ids``/``Scheduler``/limiters), not one encoding with another.
"""

from __future__ import annotations

import dataclasses
import json
import typing
from typing import Any

from draftmock import state_codec
from draftmock.assembly import build_runtime
from draftmock.ids import Ids
from draftmock.jobs import Scheduler
from draftmock.runtime import World
from draftmock.state_codec import decode, encode
from draftmock.vendors import VENDORS
from draftmock.vendors.omni.models import Role
from tests.conftest import Mock
from tests.support.agentcore import FIXTURE_DATASET, PREDEFINED, client, example, inline

PL = {"X-API-KEY": "pl-demo-key"}
LUNARY = {"Authorization": "Bearer 11111111-1111-4111-8111-111111111111"}
OMNI = {"Authorization": "Bearer omni-demo-editor"}


def through_json(value: Any) -> Any:
    return state_codec.load(json.loads(json.dumps(state_codec.dump(value))))


def assert_same_world(back: dict[str, Any], parts: dict[str, Any]) -> None:
    assert set(back) == set(parts)
    assert back["backends"] == parts["backends"]
    assert back["blobs"] == parts["blobs"]
    assert isinstance(back["ids"], Ids) and isinstance(back["jobs"], Scheduler)
    assert back["ids"].__getstate__() == parts["ids"].__getstate__()
    assert back["jobs"].pending() == parts["jobs"].pending()
    assert back["jobs"].__getstate__() == parts["jobs"].__getstate__()
    for api, backend in parts["backends"].items():
        limiter = getattr(backend, "limiter", None)
        if limiter is not None:
            assert type(back["backends"][api].limiter) is type(limiter)
            assert back["backends"][api].limiter.__getstate__() == limiter.__getstate__()


def test_every_default_world_round_trips_through_json() -> None:
    runtime = build_runtime()
    parts = runtime.snapshot(runtime.world())
    back = through_json(parts)
    assert_same_world(back, parts)
    assert set(back["backends"]) == set(runtime.vendors)
    # The restored ids go on exactly where the originals would.
    assert back["ids"].uuid() == parts["ids"].uuid()
    assert back["ids"].next_int("x") == parts["ids"].next_int("x")


def test_a_busy_world_round_trips_through_json(mock: Mock) -> None:
    """Pending jobs, published blobs, idempotency records, page tokens, rate-limit windows."""
    pl = mock.client("promptlayer", PL)
    assert pl.post(
        "/api/public/v2/dataset-versions/create-draft",
        json={"dataset_group_id": 123, "source_dataset_id": 456},
    ).status_code in (201, 202)
    ac = client(mock.url)
    ac.create_dataset(
        datasetName="busy", schemaType=PREDEFINED, source=inline(example("A")), clientToken="t" * 40
    )
    ac.get_dataset(datasetId=FIXTURE_DATASET, datasetVersion="1")
    ac.list_datasets(maxResults=1)
    assert mock.client("lunary", LUNARY).get("/v1/datasets-v2").status_code == 200
    assert mock.client("omni", OMNI).get("/v1/documents").status_code == 200
    world: World = mock.runtime.world()
    parts = mock.runtime.snapshot(world)
    assert parts["jobs"].pending() and parts["blobs"]
    assert parts["backends"]["lunary"].limiter is not None
    assert parts["backends"]["omni"].limiter is not None
    assert_same_world(through_json(parts), parts)


def test_enums_tuples_sets_bytes_and_non_string_keys_survive() -> None:
    value = {
        "role": Role.EDITOR,
        1: (2, 3),
        "s": {4},
        "inf": float("inf"),
        "b": b"\x00\xff",
        "__x": [frozenset()],
    }
    back = decode(json.loads(json.dumps(encode(value))))
    assert back == {**value, "__x": [set()]}
    assert back["role"] is Role.EDITOR
    assert isinstance(back[1], tuple)


def _reachable(tp: Any, seen: set[type]) -> None:
    if typing.get_origin(tp) is not None:
        for arg in typing.get_args(tp):
            _reachable(arg, seen)
        return
    if isinstance(tp, type) and tp.__module__.startswith("draftmock") and tp not in seen:
        seen.add(tp)
        if dataclasses.is_dataclass(tp):
            for hint in typing.get_type_hints(tp).values():
                _reachable(hint, seen)


def test_every_type_a_backend_declares_is_registered() -> None:
    """A new record type in a vendor's state must be registered, or dumps would fail."""
    for api, vendor in VENDORS.items():
        seen: set[type] = set()
        _reachable(type(vendor.new_backend()), seen)
        missing = sorted(c.__qualname__ for c in seen if state_codec.name_of(c) is None)
        assert not missing, f"{api}: register {', '.join(missing)} with state_codec.register"
        assert len(seen) > 3
