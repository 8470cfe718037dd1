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


def test_a_client_per_api_with_default_credentials_and_clock_control(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(
        """
        def test_every_api_answers_with_the_default_credentials(draftmock):
            assert draftmock.client("promptlayer").get("/api/public/v2/datasets").status_code == 200
            assert draftmock.client("lunary").get("/v1/datasets-v2").status_code == 200
            assert draftmock.client("omni").get("/v1/documents").status_code == 200
            listed = draftmock.boto3_client().list_datasets()
            assert listed["ResponseMetadata"]["HTTPStatusCode"] == 200

        def test_freeze_advance_and_jobs_from_python(draftmock):
            frozen = draftmock.freeze()
            assert frozen["frozen"] is True
            assert draftmock.now() == frozen["now"]
            pl = draftmock.client("promptlayer")
            pl.post("/api/public/v2/dataset-versions/save-draft", json={"dataset_group_id": 124})
            assert [job["kind"] for job in draftmock.jobs("promptlayer")] == ["publish_draft"]
            moved = draftmock.advance(2)
            assert moved["now"] == frozen["now"] + 2
            assert [job["kind"] for job in moved["ran"]] == ["publish_draft"]
            assert draftmock.jobs() == []

        def test_a_session_is_steered_on_its_own(draftmock_session, draftmock):
            draftmock_session.control(
                "POST",
                "jobs/fail",
                {"api": "promptlayer", "operation": "saveDraftDatasetVersion"},
            )
            body = {"dataset_group_id": 124}
            mine = draftmock_session.client("promptlayer")
            shared = draftmock.client("promptlayer")
            mine.post("/api/public/v2/dataset-versions/save-draft", json=body)
            shared.post("/api/public/v2/dataset-versions/save-draft", json=body)
            assert len(draftmock_session.jobs()) == 1
            draftmock_session.run_jobs()
            assert draftmock.jobs()  # the shared state's job is still pending
            assert mine.post("/api/public/v2/dataset-versions/save-draft", json=body).status_code == 404

        def test_steering_is_gone_in_the_next_test_1(draftmock):
            draftmock.control(
                "POST",
                "jobs/fail",
                {"api": "promptlayer", "operation": "saveDraftDatasetVersion"},
            )
            draftmock.control("POST", "faults", {"api": "promptlayer", "operation": "listDatasets", "status": 401})
            draftmock.resume()

        def test_steering_is_gone_in_the_next_test_2(draftmock):
            assert draftmock.control("GET", "clock")["frozen"] is True
            assert draftmock.control("GET", "sessions")["sessions"] == ["default"]
            pl = draftmock.client("promptlayer")
            assert pl.post("/api/public/v2/dataset-versions/save-draft", json={"dataset_group_id": 124}).status_code == 202
            draftmock.advance(2)
            listing = pl.get("/api/public/v2/datasets", params={"dataset_group_id": 124}).json()
            assert {d["id"]: d["version_number"] for d in listing["datasets"]}[459] == 3
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly")
    result.assert_outcomes(passed=5)


def test_on_a_shared_server_a_run_touches_only_its_own_sessions(
    pytester: pytest.Pytester,
) -> None:
    """Against ``--draftmock-url``, resets before each test never reach a colleague's session
    or the server's default state, and the run leaves no session behind."""
    import httpx

    from draftmock.server.app import DraftmockApp
    from draftmock.testing import LiveServer
    from tests.conftest import frozen_runtime

    create = "/promptlayer/api/public/v2/dataset-versions/create-draft"
    key = {"X-API-KEY": "pl-demo-key"}

    def draft(url: str, session: str | None = None) -> int:
        headers = {**key, **({"X-Draftmock-Session": session} if session else {})}
        reply = httpx.post(f"{url}{create}", json={"dataset_group_id": 123}, headers=headers)
        return reply.status_code

    pytester.makepyfile(
        """
        CREATE = "/api/public/v2/dataset-versions/create-draft"

        def test_one(draftmock):
            assert draftmock.client("promptlayer").post(CREATE, json={"dataset_group_id": 123}).status_code == 201

        def test_two(draftmock):
            assert draftmock.client("promptlayer").post(CREATE, json={"dataset_group_id": 123}).status_code == 201

        def test_three(draftmock_session):
            draftmock_session.reset()
            assert draftmock_session.client("promptlayer").post(CREATE, json={"dataset_group_id": 123}).status_code == 201
        """
    )
    runtime = frozen_runtime()
    with LiveServer(DraftmockApp(runtime)) as shared:
        assert draft(shared.url) == 201
        assert draft(shared.url, "colleague") == 201
        result = pytester.runpytest_subprocess("-q", f"--draftmock-url={shared.url}")
        result.assert_outcomes(passed=3)
        assert draft(shared.url) == 409  # the default state's draft is still there
        assert draft(shared.url, "colleague") == 409
        assert runtime.worlds() == ["colleague", "default"]


LUNARY_FIXTURE = """
projects:
  - id: 9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d
    api_keys:
      - key: 11111111-1111-4111-8111-111111111111
    datasets:
      - id: 0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e
        name: Only this one
"""


def test_the_ini_configures_apis_fixtures_and_options(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        draftmock_apis = lunary omni
        draftmock_fixtures = mock-data
        draftmock_options =
            lunary.rate_limit=0
        """
    )
    data = pytester.mkdir("mock-data")
    (data / "mine.lunary.yaml").write_text(LUNARY_FIXTURE)
    pytester.makepyfile(
        """
        def test_the_configured_server(draftmock):
            lunary = draftmock.client("lunary")
            listed = lunary.get("/v1/datasets-v2")
            assert [d["name"] for d in listed.json()] == ["Only this one"]
            assert "Rate-Limit-Remaining" not in listed.headers  # rate_limit=0
            assert draftmock.client("promptlayer").get("/api/public/v2/datasets").status_code == 404
            # The fixtures replace the bundled ones, as serve --fixtures: Omni has no keys.
            assert draftmock.client("omni").get("/v1/documents").status_code == 401
        """
    )
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)


def test_a_marker_gives_a_test_its_own_server(pytester: pytest.Pytester) -> None:
    pytester.mkdir("data")
    (pytester.path / "data" / "lunary.yaml").write_text(LUNARY_FIXTURE)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.draftmock(apis=["lunary"], fixtures=["data/lunary.yaml"], options={"lunary": {"rate_limit": 1}})
        def test_marked(draftmock):
            lunary = draftmock.client("lunary")
            assert [d["name"] for d in lunary.get("/v1/datasets-v2").json()] == ["Only this one"]
            assert lunary.get("/v1/datasets-v2").status_code == 429
            assert draftmock.client("omni").get("/v1/documents").status_code == 404  # not served

        @pytest.mark.draftmock(options=["lunary.rate_limit=1"])
        def test_same_options_other_test(draftmock_session):
            lunary = draftmock_session.client("lunary")
            assert lunary.get("/v1/datasets-v2").status_code == 200
            assert lunary.get("/v1/datasets-v2").status_code == 429
            assert draftmock_session.client("omni").get("/v1/documents").status_code == 200

        def test_unmarked_uses_the_defaults(draftmock):
            lunary = draftmock.client("lunary")
            assert len(lunary.get("/v1/datasets-v2").json()) == 2
            assert lunary.get("/v1/datasets-v2").status_code == 200

        @pytest.mark.draftmock(fixture=["typo"])
        def test_a_misspelt_argument_is_refused(draftmock):
            pass
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:randomly")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*takes only apis=, fixtures= and options=*"])
