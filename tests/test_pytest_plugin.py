"""The pytest plugin, exercised the way users use it: in a separate pytest run (pytester)."""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]


def test_fixtures_give_a_running_mock_with_clock_control(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        V2 = "/api/public/v2"

        def versions(pl, group_id):
            listing = pl.get(f"{V2}/datasets", params={"dataset_group_id": group_id})
            return {d["id"]: d["version_number"] for d in listing.json()["datasets"]}

        def test_save_publishes_after_the_delay(draftmock):
            pl = draftmock.client("promptlayer")
            assert pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 124}).status_code == 202
            assert versions(pl, 124)[459] == -1
            ran = draftmock.advance(2)["ran"]
            assert [job["kind"] for job in ran] == ["publish_draft"]
            assert versions(pl, 124)[459] == 3

        def test_state_is_reset_between_tests(draftmock):
            pl = draftmock.client("promptlayer")
            assert versions(pl, 124)[459] == -1
            assert pl.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}).status_code == 201

        def test_sessions_are_isolated(draftmock_session, draftmock):
            mine = draftmock_session.client("promptlayer")
            shared = draftmock.client("promptlayer")
            assert mine.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}).status_code == 201
            assert shared.post(f"{V2}/dataset-versions/create-draft", json={"dataset_group_id": 123}).status_code == 201

        def test_frozen_clock_does_not_move(draftmock):
            first = draftmock.now()
            assert draftmock.now() == first
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=4)


def test_a_failing_expectation_fails(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_second_draft(draftmock):
            pl = draftmock.client("promptlayer")
            body = {"dataset_group_id": 123}
            pl.post("/api/public/v2/dataset-versions/create-draft", json=body)
            assert pl.post("/api/public/v2/dataset-versions/create-draft", json=body).status_code == 201
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(failed=1)
