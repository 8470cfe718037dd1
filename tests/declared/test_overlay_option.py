from __future__ import annotations

from pathlib import Path

import pytest

from draftmock.cli import parse_overlays
from draftmock.errors import ConfigError


def test_overlay_options_name_their_api_or_apply_to_all(tmp_path: Path) -> None:
    first, second = tmp_path / "a.yaml", tmp_path / "odd=name.yaml"
    first.write_text("{}")
    second.write_text("{}")
    parsed = parse_overlays([str(first), f"books={first}", str(second), f"books={second}"])
    assert parsed == {None: [first, second], "books": [first, second]}
    with pytest.raises(ConfigError, match=r"--overlay books=missing\.yaml: no such file"):
        parse_overlays(["books=missing.yaml"])
