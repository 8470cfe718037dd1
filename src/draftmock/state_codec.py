"""World state as JSON, and back: the ``/__draftmock/state`` dump and restore.

Plain JSON values pass through; everything else is tagged so it can be rebuilt exactly:
dataclasses by field, other objects through ``__getstate__``/``__setstate__``, enums by value,
tuples, sets, bytes, non-string dict keys and infinities.

Only the project's own state types are ever rebuilt, and only from an explicit registry: the
module that owns a type registers it under a stable name (``register("omni", Document, ...)``
makes ``omni.Document``). A dump names types by those names, never by import path, and decoding
calls nothing but the registered classes (a dataclass's constructor, an enum's lookup, or the
``__setstate__`` of a registered class). An unknown name is refused before anything is built.

``dump(value)`` wraps ``encode(value)`` with the format version (``{"format": 1, "state": ...}``);
``load(document)`` refuses any other format with a message saying so, then decodes.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections.abc import Mapping
from typing import Any, TypeVar

from draftmock.errors import ConfigError
from draftmock.ids import Ids
from draftmock.jobs import Job, Scheduler

FORMAT = 1

T = TypeVar("T", bound=type)

_TYPES: dict[str, type] = {}
_NAMES: dict[type, str] = {}


class StateFormatError(ConfigError):
    """A dump this codec cannot read: another format, an unknown type, a malformed tag."""


def register(namespace: str, *classes: type) -> None:
    """Make ``classes`` restorable from a dump, each as ``<namespace>.<qualname>``.

    A class must be a dataclass, an enum, or define both ``__getstate__`` and ``__setstate__``.
    Registering the same class twice is harmless; two classes under one name is an error.
    """
    for cls in classes:
        name = f"{namespace}.{cls.__qualname__}"
        if not (
            dataclasses.is_dataclass(cls)
            or issubclass(cls, enum.Enum)
            or ("__setstate__" in _own_attrs(cls) and "__getstate__" in _own_attrs(cls))
        ):
            raise TypeError(
                f"{name}: only dataclasses, enums and classes with __getstate__/__setstate__ "
                "can be state types"
            )
        known = _TYPES.get(name)
        if known is not None and known is not cls:
            raise TypeError(f"two state types are named {name}")
        if _NAMES.get(cls, name) != name:
            raise TypeError(f"{name} is already registered as {_NAMES[cls]}")
        _TYPES[name] = cls
        _NAMES[cls] = name


def state_type(namespace: str) -> Any:
    """Class decorator form of ``register``."""

    def decorate(cls: T) -> T:
        register(namespace, cls)
        return cls

    return decorate


def registered() -> Mapping[str, type]:
    """Every registered state type by name (a copy)."""
    return dict(_TYPES)


def name_of(cls: type) -> str | None:
    return _NAMES.get(cls)


def _own_attrs(cls: type) -> set[str]:
    return {name for klass in cls.__mro__ if klass is not object for name in vars(klass)}


# -- the dump document ---------------------------------------------------------------------


def dump(value: Any) -> dict[str, Any]:
    """``value`` encoded, with the format version a reader checks first."""
    return {"format": FORMAT, "state": encode(value)}


def load(document: Any) -> Any:
    """A ``dump`` decoded; ``StateFormatError`` for another format or anything malformed."""
    if not isinstance(document, dict) or "state" not in document:
        raise StateFormatError('not a state dump: expected {"format": 1, "state": {...}}')
    found = document.get("format")
    if found != FORMAT or isinstance(found, bool):
        raise StateFormatError(
            f"this dump is in format {found!r}; this server reads state dumps of format {FORMAT} "
            "only (take a new dump with GET /__draftmock/state)"
        )
    return decode(document["state"])


# -- values --------------------------------------------------------------------------------


def encode(value: Any) -> Any:
    """``value`` as JSON-ready data; a class that is not a registered state type is a
    ``TypeError`` (a defect: its module must ``register`` it)."""
    # The common kinds first, by exact type (a world holds tens of thousands of them; a
    # checkpoint encodes them all). Subclasses, such as enums of str or int, take the long way.
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is dict:
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: v if type(v) in _PLAIN else encode(v) for k, v in value.items()}
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    if kind is list:
        return [v if type(v) in _PLAIN else encode(v) for v in value]
    known = _DATACLASSES.get(kind)
    if known is not None:
        name, names = known
        fields = {f: getattr(value, f) for f in names}
        return {
            "__dataclass__": name,
            "fields": {f: v if type(v) in _PLAIN else encode(v) for f, v in fields.items()},
        }
    return _encode_other(value)


# JSON values as they are (exact types: a subclass, such as an enum of str, is tagged).
_PLAIN = frozenset({str, int, bool, type(None)})
# A registered dataclass: its name and its fields' names, looked up once per class.
_DATACLASSES: dict[type, tuple[str, tuple[str, ...]]] = {}


def _encode_other(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return {"__enum__": _name(type(value)), "value": encode(value.value)}
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, bytes):
        return {"__bytes__": value.hex()}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, tuple) and type(value) is tuple:
        return {"__tuple__": [encode(v) for v in value]}
    if isinstance(value, set | frozenset):
        return {"__set__": [encode(v) for v in sorted(value, key=repr)]}
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in value):
            return {k: encode(v) for k, v in value.items()}
        return {"__dict__": [[encode(k), encode(v)] for k, v in value.items()]}
    name = _name(type(value))
    if dataclasses.is_dataclass(value):
        names = tuple(f.name for f in dataclasses.fields(value))
        _DATACLASSES[type(value)] = (name, names)
        return {"__dataclass__": name, "fields": {f: encode(getattr(value, f)) for f in names}}
    return {"__object__": name, "state": encode(value.__getstate__())}


def _name(cls: type) -> str:
    name = _NAMES.get(cls)
    if name is None:
        raise TypeError(
            f"{cls.__module__}.{cls.__qualname__} is not a registered state type "
            "(its module must call draftmock.state_codec.register)"
        )
    return name


def decode(value: Any) -> Any:
    """Data produced by ``encode`` rebuilt; ``StateFormatError`` names what cannot be."""
    if type(value) is list:
        return [v if type(v) in _JSON_SCALARS else decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__enum__" in value:
        cls = _lookup(value["__enum__"], "__enum__")
        return cls(decode(value.get("value")))
    if "__float__" in value:
        text = value["__float__"]
        if text not in ("inf", "-inf", "nan"):
            raise StateFormatError(f"__float__ holds {str(text)[:40]!r}, not inf, -inf or nan")
        return float(text)
    if "__bytes__" in value:
        return bytes.fromhex(_text(value["__bytes__"], "__bytes__"))
    if "__tuple__" in value:
        return tuple(decode(v) for v in _items(value["__tuple__"], "__tuple__"))
    if "__set__" in value:
        return {decode(v) for v in _items(value["__set__"], "__set__")}
    if "__dict__" in value:
        pairs = _items(value["__dict__"], "__dict__")
        if not all(isinstance(p, list) and len(p) == 2 for p in pairs):
            raise StateFormatError("__dict__ must hold [key, value] pairs")
        return {decode(k): decode(v) for k, v in pairs}
    if "__dataclass__" in value:
        cls = _lookup(value["__dataclass__"], "__dataclass__")
        fields = value.get("fields")
        if not isinstance(fields, dict):
            raise StateFormatError(f"{value['__dataclass__']}: fields must be an object")
        return cls(
            **{str(k): v if type(v) in _JSON_SCALARS else decode(v) for k, v in fields.items()}
        )
    if "__object__" in value:
        cls = _lookup(value["__object__"], "__object__")
        state = decode(value.get("state"))
        obj = cls.__new__(cls)
        obj.__setstate__(state)
        return obj
    return {k: v if type(v) in _JSON_SCALARS else decode(v) for k, v in value.items()}


# What JSON decodes to besides lists and objects: decoded as it is.
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


def _lookup(name: Any, tag: str) -> Any:
    cls = _TYPES.get(name) if isinstance(name, str) else None
    if cls is None:
        raise StateFormatError(f"the dump names an unknown state type: {str(name)[:80]!r}")
    expected = {
        "__enum__": issubclass(cls, enum.Enum),
        "__dataclass__": dataclasses.is_dataclass(cls),
        "__object__": not dataclasses.is_dataclass(cls) and not issubclass(cls, enum.Enum),
    }[tag]
    if not expected:
        raise StateFormatError(f"{name} cannot be rebuilt as {tag}")
    return cls


def _text(value: Any, tag: str) -> str:
    if not isinstance(value, str):
        raise StateFormatError(f"{tag} must hold a string")
    return value


def _items(value: Any, tag: str) -> list[Any]:
    if not isinstance(value, list):
        raise StateFormatError(f"{tag} must hold a list")
    return value


# The core's own state types (the modules below this one cannot import it).
register("draftmock", Ids, Scheduler, Job)
