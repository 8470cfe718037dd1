"""``PUT /__draftmock/state`` rebuilds only the server's own registered state types.

A dump used to name classes by import path, and any attribute under a ``draftmock.`` module was
called with the dump's fields: ``os.system`` through a module that imports ``os`` ran a shell
command. Now names are looked up in a registry; nothing else is ever imported or called.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from draftmock import state_codec
from draftmock.errors import ConfigError
from draftmock.state_codec import StateFormatError, decode, encode
from tests.conftest import Mock


def _hostile_tags(target: Path) -> list[dict[str, Any]]:
    command = {"command": f"touch {target}"}
    return [
        {"__dataclass__": "draftmock.conformance.sigv4:os.system", "fields": command},
        {"__enum__": "draftmock.conformance.sigv4:os.system", "value": f"touch {target}"},
        {"__object__": "draftmock.conformance.sigv4:os.system", "state": f"touch {target}"},
        {"__dataclass__": "os.system", "fields": command},
        {"__dataclass__": "draftmock.conformance.sigv4.os.system", "fields": command},
    ]


@pytest.mark.parametrize("with_format", [True, False])
def test_the_issue_repro_runs_nothing_and_is_a_400(
    mock: Mock, tmp_path: Path, with_format: bool
) -> None:
    target = tmp_path / "ran"
    for tag in _hostile_tags(target):
        body: dict[str, Any] = {"state": {"ids": tag}}
        if with_format:
            body["format"] = state_codec.FORMAT
        reply = httpx.put(f"{mock.url}/__draftmock/state", json=body, timeout=30)
        assert reply.status_code == 400, reply.text
        assert reply.json()["error"] == "draftmock"
        assert not target.exists(), f"{tag} ran a command"
    if with_format:
        assert "unknown state type" in reply.json()["message"]


def test_decoding_imports_nothing(tmp_path: Path) -> None:
    """Naming a module that was never imported does not import it."""
    unloaded = "draftmock.conformance.cli"
    sys.modules.pop(unloaded, None)
    for name in (f"{unloaded}:main", f"{unloaded}.main", "draftmock.missing_module:Thing"):
        with pytest.raises(StateFormatError, match="unknown state type"):
            decode({"__dataclass__": name, "fields": {}})
    assert unloaded not in sys.modules
    for tag in _hostile_tags(tmp_path / "ran"):
        with pytest.raises(StateFormatError):
            decode({"nested": [tag]})
    assert not (tmp_path / "ran").exists()


def test_a_missing_module_is_a_documented_400(mock: Mock) -> None:
    body = {"format": 1, "state": {"ids": {"__object__": "draftmock.nowhere:Ids", "state": {}}}}
    reply = httpx.put(f"{mock.url}/__draftmock/state", json=body, timeout=30)
    assert reply.status_code == 400
    assert "draftmock.nowhere:Ids" in reply.json()["message"]


def test_a_registered_name_used_with_the_wrong_tag_is_refused() -> None:
    with pytest.raises(StateFormatError, match="cannot be rebuilt"):
        decode({"__object__": "omni.Role", "state": 1})
    with pytest.raises(StateFormatError, match="cannot be rebuilt"):
        decode({"__dataclass__": "draftmock.Ids", "fields": {}})


def test_dumps_carry_their_format_and_another_format_is_refused(mock: Mock) -> None:
    dump = httpx.get(f"{mock.url}/__draftmock/state", timeout=30).json()
    assert dump["format"] == state_codec.FORMAT
    for other in (0, 2, state_codec.FORMAT + 1):
        reply = httpx.put(f"{mock.url}/__draftmock/state", json={**dump, "format": other})
        assert reply.status_code == 400
        assert f"format {other}" in reply.json()["message"]
        assert f"format {state_codec.FORMAT}" in reply.json()["message"]
    missing = httpx.put(f"{mock.url}/__draftmock/state", json={"state": dump["state"]})
    assert missing.status_code == 400
    assert "format" in missing.json()["message"]
    assert httpx.put(f"{mock.url}/__draftmock/state", json=dump).status_code == 200
    with pytest.raises(StateFormatError, match="format 7"):
        state_codec.load({"format": 7, "state": {}})
    with pytest.raises(StateFormatError, match="format None"):
        state_codec.load({"state": {}})


def test_unregistered_classes_do_not_encode() -> None:
    class Stray:
        def __getstate__(self) -> dict[str, Any]:
            return {}

    with pytest.raises(TypeError, match="not a registered state type"):
        encode({"x": Stray()})


def test_registering_refuses_clashes_and_unrebuildable_classes() -> None:
    class Plain:
        pass

    with pytest.raises(TypeError, match="only dataclasses, enums"):
        state_codec.register("test", Plain)
    with pytest.raises(TypeError, match="two state types"):
        from draftmock.vendors.lunary.models import Backend as LunaryBackend
        from draftmock.vendors.omni.models import Backend as OmniBackend

        assert state_codec.name_of(OmniBackend) == "omni.Backend"
        state_codec.register("omni", LunaryBackend)
    assert state_codec.registered()["omni.Backend"].__module__.endswith("omni.models")


def test_a_state_error_is_a_config_error() -> None:
    """The control API answers every ``ConfigError`` as a 400."""
    assert issubclass(StateFormatError, ConfigError)


def test_a_malformed_rate_limiter_state_is_refused(mock: Mock) -> None:
    dump = httpx.get(f"{mock.url}/__draftmock/state", timeout=30).json()
    text = json.dumps(dump).replace(
        '"limiter": null',
        '"limiter": {"__object__": "draftmock.SlidingWindowLimiter", '
        '"state": {"limit": 5, "window": 60, "hits": {"k": ["x"]}}}',
        1,
    )
    assert text != json.dumps(dump)
    reply = httpx.put(
        f"{mock.url}/__draftmock/state",
        content=text,
        timeout=30,
        headers={"Content-Type": "application/json"},
    )
    assert reply.status_code == 400
    assert "rate limiter" in reply.json()["message"]
