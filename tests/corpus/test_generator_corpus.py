"""Generated values on real-world documents: every request and response body schema of every
operation gets a value, and the project's validators accept each one.

The default run takes a handful of small documents (3.0 and 3.1); ``-m slow`` takes the fixed
sample of 40 and GitHub's REST document.
"""

from __future__ import annotations

import pytest

from tests.corpus.corpus import (
    DIRECTORY,
    GITHUB,
    generation_outcome,
    name_of,
    require_corpus,
    sample,
)

SMALL = [
    "adyen.com/RecurringService",  # 3.1
    "codat.io/commerce",  # 3.1
    "azure.com/azsadmin-AcquiredPlan",
    "greenpeace.org",
    "twilio.com/twilio_pricing_v1",
    "amazonaws.com/kinesisvideo",  # Unicode property escapes in patterns
]


def _check(path_name: str) -> None:
    outcome = generation_outcome(DIRECTORY / f"{path_name}.json")
    assert outcome.slots > 0
    assert not outcome.invalid, outcome.invalid
    assert not outcome.unsatisfiable, outcome.unsatisfiable
    assert outcome.valid + len(outcome.broken) == outcome.slots


@pytest.mark.parametrize("name", SMALL)
def test_small_documents(name: str) -> None:
    require_corpus()
    _check(name)


# Named when the corpus is installed; otherwise one case, which skips (or fails under CI).
SAMPLE = [name_of(path) for path in sample()] if DIRECTORY.is_dir() else ["not-installed"]


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLE)
def test_sample(name: str) -> None:
    require_corpus()
    outcome = generation_outcome(DIRECTORY / f"{name}.json")
    assert not outcome.invalid, outcome.invalid
    assert not outcome.unsatisfiable, outcome.unsatisfiable


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_github() -> None:
    require_corpus()
    outcome = generation_outcome(GITHUB)
    assert outcome.slots > 1000
    assert not outcome.invalid, outcome.invalid[:10]
    assert not outcome.unsatisfiable, outcome.unsatisfiable[:10]
