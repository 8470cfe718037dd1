"""Schemathesis settings per API (``<api>.toml``), each with the rationale for its choices."""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent


def config_for(api: str) -> Path | None:
    path = HERE / f"{api}.toml"
    return path if path.exists() else None
