"""The corpus harness sets aside only what a 204 without content draws, and only when every
failing case behind a complaint was such a 204."""

from __future__ import annotations

import json
from pathlib import Path

from tests.corpus.fuzz import _only_on_bodiless_204


def _scenario(operation: str, status: int, content: str, title: str) -> str:
    failure = {"title": title, "operation": operation}
    return json.dumps(
        {
            "ScenarioFinished": {
                "recorder": {
                    "checks": {
                        "c1": [
                            {"name": "not_a_server_error", "status": "success"},
                            {"status": "failure", "failure_info": {"failure": failure}},
                        ]
                    },
                    "interactions": {
                        "c1": {"response": {"status_code": status, "content": {"$base64": content}}}
                    },
                }
            }
        }
    )


def test_only_complaints_about_bodiless_204s_are_set_aside(tmp_path: Path) -> None:
    events = tmp_path / "events.ndjson"
    malformed = "JSON deserialization error"
    events.write_text(
        "\n".join(
            [
                _scenario("DELETE /a", 204, "", malformed),
                _scenario("DELETE /a", 204, "", "Missing Content-Type header"),
                _scenario("DELETE /b", 204, "", malformed),
                _scenario("DELETE /b", 200, "e30=", malformed),  # also on a 200: stays
                _scenario("DELETE /c", 204, "", "Undocumented status code"),
                _scenario("DELETE /d", 204, "e30=", malformed),  # a 204 with content: stays
                '{"EngineFinished": {}}',
            ]
        )
    )
    assert _only_on_bodiless_204(events) == {
        (malformed, "DELETE /a"),
        ("Missing Content-Type header", "DELETE /a"),
    }
    assert _only_on_bodiless_204(tmp_path / "absent.ndjson") == set()
