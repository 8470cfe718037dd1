"""Omni's rate limit set the way the README tells local users to: `draftmock serve --option
omni.rate_limit=N`, on a real process and port. The option wins over a seeded fixture."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import httpx

from tests.support.serving import serve_process

VIEWER = {"Authorization": "Bearer omni-demo-viewer"}


@contextmanager
def serving(*options: str) -> Iterator[str]:
    arguments = ["--quiet"]
    for option in options:
        arguments += ["--option", option]
    with serve_process(*arguments) as served:
        yield served.url


def test_a_lower_limit_answers_429_naming_it_and_wins_over_fixtures() -> None:
    with serving("omni.rate_limit=3") as root:
        models = f"{root}/omni/v1/models"
        for _ in range(3):
            assert httpx.get(models, headers=VIEWER).status_code == 200
        limited = httpx.get(models, headers=VIEWER)
        assert limited.status_code == 429
        assert limited.json() == {
            "error": "Too Many Requests",
            "message": "Too Many Requests - Rate limit exceeded (3 requests/minute)",
        }
        assert 50 <= int(limited.headers["Retry-After"]) <= 60  # counted from the first call
        seeded = httpx.post(
            f"{root}/__draftmock/seed", json={"api": "omni", "fixture": {"rate_limit": 0}}
        )
        assert seeded.status_code == 200
        assert httpx.get(models, headers=VIEWER).status_code == 429


def test_zero_turns_the_limit_off() -> None:
    with serving("omni.rate_limit=0") as root:
        with httpx.Client(base_url=f"{root}/omni", headers=VIEWER) as client:
            statuses = {client.get("/v1/models").status_code for _ in range(75)}
        assert statuses == {200}
