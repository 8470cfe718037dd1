"""Python behaviour for a user's own document: ``serve DOC --behaviour module:attr``.

The same shape as a built-in vendor module: ``@ops("operationId")`` handlers taking a
``Context`` and a ``Call`` and returning a ``Reply`` (or raising ``VendorError``). They replace
the generated handling of the operations they name; every other operation stays generated.
``ctx.backend`` is the API's ``Store`` (the inferred resources' records), and
``ctx.backend.custom`` the module's own state, made by ``new_state()`` if it defines one, kept
per session and snapshotted like the rest (so: plain data).

``attr`` may name an ``OperationTable``, a ``Behaviour``, or be left out (``module`` or
``path/to/file.py``): then the module's ``ops`` table and its ``new_state`` are used.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from draftmock.errors import ConfigError
from draftmock.vendors._kit import OperationTable


@dataclass(frozen=True)
class Behaviour:
    operations: OperationTable
    new_state: Callable[[], Any] | None = None


def load_behaviour(reference: str) -> Behaviour:
    """``package.module:attr``, ``package.module``, ``file.py`` or ``file.py:attr``."""
    target, _, attr = reference.partition(":")
    module = _module(target, reference)
    if attr:
        try:
            value: Any = module
            for part in attr.split("."):
                value = getattr(value, part)
        except AttributeError:
            raise ConfigError(f"--behaviour {reference}: {target} has no {attr}") from None
        return _as_behaviour(value, module, reference)
    return _as_behaviour(getattr(module, "ops", None), module, reference)


def _module(target: str, reference: str) -> ModuleType:
    path = Path(target)
    if target.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ConfigError(f"--behaviour {reference}: no such file {path}")
        name = f"draftmock_behaviour_{abs(hash(str(path.resolve())))}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ConfigError(f"--behaviour {reference}: cannot load {path}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except Exception as exc:
            raise ConfigError(f"--behaviour {reference}: {type(exc).__name__}: {exc}") from exc
        return module
    try:
        return importlib.import_module(target)
    except ImportError as exc:
        raise ConfigError(f"--behaviour {reference}: cannot import {target}: {exc}") from exc


def _as_behaviour(value: Any, module: ModuleType, reference: str) -> Behaviour:
    if isinstance(value, Behaviour):
        return value
    if isinstance(value, OperationTable):
        new_state = getattr(module, "new_state", None)
        return Behaviour(value, new_state if callable(new_state) else None)
    raise ConfigError(
        f"--behaviour {reference}: expected an OperationTable (@ops handlers) or a Behaviour, "
        f"found {type(value).__name__}"
    )
