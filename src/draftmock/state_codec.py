"""World state as JSON, and back: the ``/__draftmock/state`` dump and restore.

Plain JSON values pass through; everything else is tagged so it can be rebuilt exactly:
dataclasses by field, other objects through their pickle state (``__getstate__``), tuples,
sets, non-string dict keys and infinities. Only draftmock's own classes are rebuilt.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import math
from typing import Any

from draftmock.errors import ConfigError

_ALLOWED_PREFIX = "draftmock."


def encode(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        cls = type(value)
        return {"__enum__": f"{cls.__module__}:{cls.__qualname__}", "value": encode(value.value)}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, bytes):
        return {"__bytes__": value.hex()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {"__set__": [encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    cls = type(value)
    path = f"{cls.__module__}:{cls.__qualname__}"
    if dataclasses.is_dataclass(value):
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"__dataclass__": path, "fields": fields}
    return {"__object__": path, "state": encode(value.__getstate__())}


def decode(value: Any) -> Any:
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__enum__" in value:
        return _class(value["__enum__"])(decode(value["value"]))
    if "__float__" in value:
        return float(value["__float__"])
    if "__bytes__" in value:
        return bytes.fromhex(value["__bytes__"])
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__set__" in value:
        return {decode(v) for v in value["__set__"]}
    if "__dict__" in value:
        return {decode(k): decode(v) for k, v in value["__dict__"]}
    if "__dataclass__" in value:
        cls = _class(value["__dataclass__"])
        return cls(**{k: decode(v) for k, v in value["fields"].items()})
    if "__object__" in value:
        cls = _class(value["__object__"])
        obj = cls.__new__(cls)
        state = decode(value["state"])
        if hasattr(obj, "__setstate__"):
            obj.__setstate__(state)
        else:
            obj.__dict__.update(state)
        return obj
    return {k: decode(v) for k, v in value.items()}


def _class(path: str) -> Any:
    module, _, qualname = path.partition(":")
    if not module.startswith(_ALLOWED_PREFIX):
        raise ConfigError(f"state dump names a class outside draftmock: {path}")
    try:
        target: Any = importlib.import_module(module)
        for part in qualname.split("."):
            target = getattr(target, part)
    except (ImportError, AttributeError) as exc:
        raise ConfigError(f"state dump names an unknown class: {path}") from exc
    return target
