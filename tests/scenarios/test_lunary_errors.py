"""Lunary's refusals: credentials, access, validation, lookups and conflicts, as upstream words them."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Mock

KEY_A = "11111111-1111-4111-8111-111111111111"
PUBLIC_A = "22222222-2222-4222-8222-222222222222"
KEY_B = "33333333-3333-4333-8333-333333333333"
BASE = "/v1/datasets-v2"
FAQ = "3f6b8d2e-1a4c-4e7b-9d5f-8c2a6e0b1d94"
REFUND = "0a4f7e2c-6d1b-4c83-9e5a-3b7d2f8c1e60"
REFUND_V1 = "4e8b1d5c-9a2f-4c63-b7e0-5d1c8a4f2b37"
FAQ_ITEM = "2c5e8a1f-9d3b-4a76-b0e4-3f7c1d6a9e52"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
FORBIDDEN = {"error": "Forbidden", "message": "You don't have access to this resource"}


@pytest.fixture
def lu(mock: Mock) -> httpx.Client:
    return mock.client("lunary", {"X-API-Key": KEY_A})


# A compact JWS whose signature jose checks and refuses (HS256 header, wrong key).
FOREIGN_JWT = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJ1c2VySWQiOiJ4In0.c2lnbmF0dXJlLW9mLWFub3RoZXIta2V5"
)
PROJECT_A = "7c1e4b2a-3f5d-4e8a-9b6c-2d1f0a9e8b7c"
NOT_FOUND = {"message": "Not Found"}
NO_PROJECT = {"message": "projectId is required"}
INVALID_TOKEN = {"message": "Invalid access token"}
INVALID_KEY = {"message": "Invalid API key"}


@pytest.mark.parametrize(
    ("headers", "bare", "one"),
    [
        # No credentials: the bare routes get no answer from the auth middleware (koa's 404);
        # every /v1/datasets-v2/<...> path is a public route, so its handler runs with no one.
        ({}, (404, NOT_FOUND), (400, NO_PROJECT)),
        # An X-API-Key that is not a UUID, without a bearer token: no answer either.
        ({"X-API-Key": "not-a-key"}, (404, NOT_FOUND), (404, NOT_FOUND)),
        # A bearer token that is not a UUID is verified as a session JWT: not a JWS at all...
        ({"Authorization": "Bearer not-a-key"}, (401, INVALID_TOKEN), (401, INVALID_TOKEN)),
        # ... or a JWS signed with another key (no answer).
        ({"Authorization": f"Bearer {FOREIGN_JWT}"}, (404, NOT_FOUND), (404, NOT_FOUND)),
        # One word in Authorization presents nothing; there is no X-API-Key either.
        ({"Authorization": KEY_A}, (404, NOT_FOUND), (400, NO_PROJECT)),
        # A UUID is looked up as an API key (then as a project id); an unknown one has its text.
        ({"X-API-Key": UNKNOWN}, (401, INVALID_KEY), (401, INVALID_KEY)),
        ({"Authorization": f"Bearer {UNKNOWN.upper()}"}, (401, INVALID_KEY), (401, INVALID_KEY)),
        # A project id is that project's public key (upstream's legacy public key).
        ({"X-API-Key": PROJECT_A}, (401, {"message": "This route requires a private API key"}), (200, None)),
    ],
)  # fmt: skip
def test_credentials_are_answered_as_upstream(
    mock: Mock,
    headers: dict[str, str],
    bare: tuple[int, object],
    one: tuple[int, object],
) -> None:
    client = mock.client("lunary", headers)
    for response, (status, body) in ((client.get(BASE), bare), (client.get(f"{BASE}/{FAQ}"), one)):
        assert response.status_code == status, response.request.url
        if body is not None:
            assert response.json() == body
    if not headers:  # routes with an access check refuse the caller who is nobody
        assert client.get(f"{BASE}/{FAQ}/items").json() == FORBIDDEN


def test_bearer_and_header_keys_are_both_accepted(mock: Mock) -> None:
    bearer = mock.client("lunary", {"Authorization": f"Bearer {KEY_A}"})
    assert bearer.get(f"{BASE}/{FAQ}").status_code == 200
    header = mock.client("lunary", {"X-API-Key": KEY_A})
    assert header.get(f"{BASE}/{FAQ}").status_code == 200


def test_the_second_word_of_authorization_is_the_credential(mock: Mock) -> None:
    """Upstream reads ``authorization.split(" ")[1]``: the scheme word is not checked, and the
    token, when there is one, wins over X-API-Key."""
    for authorization in (f"Basic {KEY_A}", f"Token {KEY_A}"):
        assert mock.client("lunary", {"Authorization": authorization}).get(BASE).status_code == 200
    wrong = mock.client("lunary", {"Authorization": "Bearer not-a-key", "X-API-Key": KEY_A})
    assert wrong.get(BASE).status_code == 401
    empty = mock.client("lunary", {"Authorization": "Bearer", "X-API-Key": KEY_A})
    assert empty.get(BASE).status_code == 200


def test_an_org_key_is_refused_with_upstreams_words(mock: Mock) -> None:
    org = "44444444-4444-4444-8444-444444444444"
    project = {"id": PROJECT_A, "api_keys": [{"key": org, "kind": "org"}]}
    mock.admin("seed", {"api": "lunary", "fixture": {"projects": [project]}})
    client = mock.client("lunary", {"X-API-Key": org})
    for response in (client.get(BASE), client.get(f"{BASE}/{FAQ}")):
        assert response.status_code == 401
        assert response.json() == {"message": "Org API key cannot access this route"}


def test_public_key_reads_one_dataset_and_nothing_else(mock: Mock) -> None:
    public = mock.client("lunary", {"X-API-Key": PUBLIC_A})
    assert public.get(f"{BASE}/{FAQ}").status_code == 200
    # The bare routes check the key's kind themselves, with a 401 of their own.
    for bare in (public.get(BASE), public.post(BASE, json={"name": "nope"})):
        assert bare.status_code == 401, bare.request.url
        assert bare.json()["message"] == "This route requires a private API key"
    refused = [
        public.get(f"{BASE}/{FAQ}/items"),
        public.post(f"{BASE}/{FAQ}/versions"),
        public.delete(f"{BASE}/{FAQ}"),
        public.get(f"{BASE}/not-a-uuid/items"),  # the access check runs before validation
    ]
    for response in refused:
        assert response.status_code == 403, response.request.url
        assert response.json() == FORBIDDEN


def test_another_projects_dataset_is_not_found(mock: Mock) -> None:
    other = mock.client("lunary", {"X-API-Key": KEY_B})
    for response in (
        other.get(f"{BASE}/{FAQ}"),
        other.patch(f"{BASE}/{FAQ}", json={"name": "mine"}),
        other.post(f"{BASE}/{FAQ}/versions"),
        other.delete(f"{BASE}/{FAQ}"),
    ):
        assert response.status_code == 404
        assert response.json() == {"message": "Dataset not found"}
    assert [d["name"] for d in other.get(BASE).json()] == ["Onboarding prompts"]


@pytest.mark.parametrize(
    ("method", "path", "message"),
    [
        ("GET", f"{BASE}/nope", 'Validation error: Invalid uuid at "datasetId"'),
        ("DELETE", f"{BASE}/{FAQ}/items/42", 'Validation error: Invalid uuid at "itemId"'),
        ("GET", f"{BASE}/{FAQ}/versions/v1", 'Validation error: Invalid uuid at "versionId"'),
        ("GET", f"{BASE}/{FAQ}/versions?limit=101", 'Validation error: Number must be less than or equal to 100 at "limit"'),
        ("GET", f"{BASE}/{FAQ}/versions?limit=ten", 'Validation error: Expected number, received nan at "limit"'),
        ("GET", f"{BASE}/{FAQ}/versions?limit=1.5", 'Validation error: Expected integer, received float at "limit"'),
        ("GET", f"{BASE}?sort=oldest", "Validation error: Invalid enum value. Expected 'newest' | 'alphabetical' | 'items' | 'updated', received 'oldest' at \"sort\""),
    ],
)  # fmt: skip
def test_invalid_parameters_are_422(lu: httpx.Client, method: str, path: str, message: str) -> None:
    response = lu.request(method, path)
    assert response.status_code == 422
    assert response.json() == {"error": "Error", "message": message}


def test_invalid_bodies_are_422(lu: httpx.Client) -> None:
    missing = lu.post(BASE, json={"description": "no name"})
    assert missing.json() == {"error": "Error", "message": 'Validation error: Required at "name"'}
    wrong = lu.post(f"{BASE}/{FAQ}/items", json={"input": 3})
    assert wrong.status_code == 422
    assert (
        wrong.json()["message"] == 'Validation error: Expected string, received number at "input"'
    )
    fmt = lu.post(f"{BASE}/{FAQ}/import", json={"format": "xml", "content": "x"})
    assert fmt.status_code == 422


def test_unknown_ids_use_upstreams_messages(lu: httpx.Client) -> None:
    cases = [
        (lu.get(f"{BASE}/{UNKNOWN}"), "Dataset not found"),
        (lu.get(f"{BASE}/{FAQ}/items/{UNKNOWN}"), "Dataset item not found"),
        (lu.patch(f"{BASE}/{FAQ}/items/{UNKNOWN}", json={"input": "x"}), "Dataset item not found"),
        (lu.get(f"{BASE}/{FAQ}/versions/{UNKNOWN}"), "Dataset version not found"),
        (lu.get(f"{BASE}/{FAQ}/versions/{REFUND_V1}"), "Dataset version not found"),
        (lu.post(f"{BASE}/{FAQ}/versions/{UNKNOWN}/restore"), "Dataset version not found"),
        (lu.post(f"{BASE}/{UNKNOWN}/duplicate"), "Dataset not found"),
    ]
    for response, message in cases:
        assert response.status_code == 404, response.request.url
        assert response.json() == {"message": message}


def test_uuid_spelling_does_not_matter(lu: httpx.Client) -> None:
    assert lu.get(f"{BASE}/{FAQ.upper()}").json()["id"] == FAQ


def test_no_fields_to_update(lu: httpx.Client) -> None:
    for response in (
        lu.patch(f"{BASE}/{FAQ}", json={"unknown": 1}),
        lu.patch(f"{BASE}/{FAQ}"),
        lu.patch(f"{BASE}/{UNKNOWN}", json={}),  # 400 comes before the lookup
        lu.patch(f"{BASE}/{FAQ}/items/{FAQ_ITEM}", json={}),
        lu.patch(f"{BASE}/{FAQ}/items/{UNKNOWN}"),  # and before the item lookup
    ):
        assert response.status_code == 400
        assert response.json() == {"message": "No fields to update"}
    assert lu.get(f"{BASE}/{FAQ}").json()["currentVersionNumber"] == 4  # nothing versioned


def test_name_conflicts_are_409_and_change_nothing(lu: httpx.Client) -> None:
    conflict = {"message": "Dataset name already exists in this project"}
    created = lu.post(BASE, json={"name": " Support FAQ answers "})
    assert (created.status_code, created.json()) == (409, conflict)
    assert lu.post(BASE, json={"name": "support faq answers"}).status_code == 201  # exact match
    renamed = lu.patch(f"{BASE}/{REFUND}", json={"name": "Support FAQ answers"})
    assert (renamed.status_code, renamed.json()) == (409, conflict)
    # Restoring a version whose name another dataset took in the meantime.
    assert lu.patch(f"{BASE}/{REFUND}", json={"name": "Refunds v2"}).status_code == 200
    assert lu.post(BASE, json={"name": "Refund policy checks"}).status_code == 201
    before = lu.get(f"{BASE}/{REFUND}").json()
    restore = lu.post(f"{BASE}/{REFUND}/versions/{REFUND_V1}/restore")
    assert (restore.status_code, restore.json()) == (409, conflict)
    assert lu.get(f"{BASE}/{REFUND}").json() == before
    # Renaming a dataset to its own name is no conflict.
    assert lu.patch(f"{BASE}/{REFUND}", json={"name": "Refunds v2"}).status_code == 200


def test_unknown_routes_are_koas_404(lu: httpx.Client, mock: Mock) -> None:
    response = httpx.get(f"{mock.url}/lunary/v1/datasets-v3", headers={"X-API-Key": KEY_A})
    assert (response.status_code, response.json()) == (404, {"message": "Not Found"})
    put = httpx.put(f"{mock.url}/lunary{BASE}/{FAQ}", headers={"X-API-Key": KEY_A})
    assert (put.status_code, put.json()) == (404, {"message": "Not Found"})


def test_an_unknown_dataset_is_404_before_the_body_is_judged(mock: Mock) -> None:
    lu = mock.client("lunary", {"X-API-Key": "11111111-1111-4111-8111-111111111111"})
    unknown = "00000000-0000-4000-8000-000000000000"
    bad_import = lu.post(f"/v1/datasets-v2/{unknown}/import", json={"format": "xml"})
    assert bad_import.status_code == 404
    assert bad_import.json() == {"message": "Dataset not found"}
    bad_item = lu.post(f"/v1/datasets-v2/{unknown}/items", json={"input": 5})
    assert bad_item.status_code == 404


def test_the_lookup_before_the_body_compares_uuids_not_spellings(lu: httpx.Client) -> None:
    """An existing dataset spelled in capitals is found, so its invalid body is judged: 422."""
    upper = FAQ.upper()
    for response in (
        lu.post(f"{BASE}/{upper}/items", json={"input": 5}),
        lu.post(f"{BASE}/{upper}/import", json={"format": "xml", "content": "x"}),
        lu.patch(f"{BASE}/{upper}/items/{FAQ_ITEM}", json={"output": 5}),
    ):
        assert response.status_code == 422, response.request.url
        assert response.json()["error"] == "Error"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{bad", 'JSON Parse error: Unexpected identifier "bad"'),
        (b'{"name": "x",}', "JSON Parse error: Property name must be a string literal"),
        (b'{"name": "x"', "JSON Parse error: Unexpected EOF"),
        (b'{"name": "x', "JSON Parse error: Unterminated string"),
        (b"name=x", "invalid JSON, only supports object and array"),
        (b'"a bare string"', "invalid JSON, only supports object and array"),
    ],
)
def test_a_body_that_is_not_json_is_the_body_parsers_400(
    lu: httpx.Client, content: bytes, message: str
) -> None:
    json_type = {"content-type": "application/json"}
    for response in (
        lu.post(BASE, content=content, headers=json_type),
        lu.post(f"{BASE}/{UNKNOWN}/items", content=content, headers=json_type),  # before lookup
        lu.request("GET", f"{BASE}/{FAQ}", content=content, headers=json_type),  # every route
    ):
        assert response.status_code == 400, response.request.url
        assert response.json() == {"message": message}


def test_a_body_without_a_json_content_type_is_not_read(lu: httpx.Client) -> None:
    text = lu.post(
        BASE, content=b'{"name": "sent as text"}', headers={"content-type": "text/plain"}
    )
    assert text.status_code == 422
    assert text.json() == {"error": "Error", "message": 'Validation error: Required at "name"'}
    untyped = lu.post(BASE, content=b'{"name": "no type"}')
    assert untyped.status_code == 422
    form = lu.post(BASE, data={"name": "From a form"})
    assert form.status_code == 201
    assert form.json()["name"] == "From a form"
    names = [d["name"] for d in lu.get(BASE).json()]
    assert "sent as text" not in names and "From a form" in names


def test_a_blank_value_is_reported_once(lu: httpx.Client) -> None:
    for params in ({"search": ""}, {"search": "   "}):
        response = lu.get(BASE, params=params)
        assert response.status_code == 422
        assert response.json()["message"] == (
            'Validation error: String must contain at least 1 character(s) at "search"'
        )


def test_item_generation_is_answered_by_the_generated_tier(lu: httpx.Client, mock: Mock) -> None:
    """Generation calls a language model upstream; the mock answers the documented 200 with a
    generated value (docs/lunary.md), behind the same keys."""
    path = f"{BASE}/{FAQ}/items/{FAQ_ITEM}/generate"
    assert lu.post(path, json={"model": "gpt-5-mini"}).status_code == 200
    anonymous = httpx.post(f"{mock.url}/lunary{path}", json={"model": "gpt-5-mini"})
    assert (anonymous.status_code, anonymous.json()) == (400, {"message": "projectId is required"})
