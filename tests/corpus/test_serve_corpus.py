"""Real-world documents served by ``draftmock serve DOC`` and fuzzed by Schemathesis (positive
mode, examples and fuzzing, the four response checks): the fixed sample of 40, each expected
clean — started, no server error, no undocumented status, no off-schema body or content type.

A document that falls short is a failure; none is marked as a known gap.

``bench/corpus.py`` runs the same beside Prism and writes the figures.
"""

from __future__ import annotations

import pytest

from tests.corpus.corpus import DIRECTORY, name_of, require_corpus, sample
from tests.corpus.fuzz import run_one

SAMPLE = [name_of(path) for path in sample()] if DIRECTORY.is_dir() else ["not-installed"]


@pytest.mark.slow
@pytest.mark.timeout(400)
@pytest.mark.parametrize("name", SAMPLE)
def test_sample_document_is_served_within_its_contract(name: str) -> None:
    require_corpus()
    result = run_one(
        "draftmock", DIRECTORY / f"{name}.json", max_examples=2, budget=150, start_timeout=60
    )
    assert result.started, f"draftmock did not start: {result.note}"
    assert result.exit_code is not None, result.note
    assert not result.failures, result.failures
