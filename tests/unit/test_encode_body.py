"""Reply bodies always encode as JSON, whatever values they echo back."""

from __future__ import annotations

import json

from draftmock.server.app import encode_body
from draftmock.vendors._kit import Reply


def test_huge_integers_and_non_finite_floats_stay_valid_json() -> None:
    body = {"big": 2**70, "nan": float("nan"), "inf": [float("inf"), 1.5], "s": "\ud800"}
    assert json.loads(encode_body(Reply(200, body))) == {
        "big": 2**70,
        "nan": None,
        "inf": [None, 1.5],
        "s": "\ud800",
    }


def test_ordinary_bodies_encode_as_orjson_writes_them() -> None:
    assert encode_body(Reply(200, {"a": float("nan"), "b": [1, "x"]})) == b'{"a":null,"b":[1,"x"]}'
    assert encode_body(Reply(204)) == b""
