"""Input no client should send, over a real socket: every answer is a documented error (or a
documented success), in PromptLayer's envelope, never a 500. Each response is refereed."""

from __future__ import annotations

import base64

import httpx
import pytest

from draftmock.server.pipeline import MAX_BODY_DEPTH
from tests.conftest import ASYNC_DELAY, Mock

KEY = {"X-API-KEY": "pl-demo-key"}
V2 = "/api/public/v2"
CREATE_DRAFT = f"{V2}/dataset-versions/create-draft"
JSON = {"content-type": "application/json"}


@pytest.fixture
def pl(mock: Mock) -> httpx.Client:
    return mock.client("promptlayer", KEY)


def detail(response: httpx.Response) -> list[dict[str, object]]:
    assert response.status_code == 422, response.text
    found: list[dict[str, object]] = response.json()["detail"]
    assert found
    return found


@pytest.mark.parametrize(
    ("content", "headers", "loc", "kind"),
    [
        pytest.param(b"\xff\xfe{\x00}", JSON, ["body", 0], "json_invalid", id="not-utf-8"),
        pytest.param(b"", JSON, ["body"], "missing", id="empty"),
        pytest.param(b"   \n", JSON, ["body"], "missing", id="whitespace"),
        pytest.param(b'{"dataset_group_id": ', JSON, ["body", 21], "json_invalid", id="cut-off"),
        pytest.param(b"null", JSON, ["body"], "dict_type", id="null"),
        pytest.param(b"[123]", JSON, ["body"], "dict_type", id="array"),
        pytest.param(b"dataset_group_id=123", {}, ["body", 0], "json_invalid", id="form"),
        pytest.param(b"<a>123</a>", {"content-type": "application/xml"}, ["body"],
                     "model_attributes_type", id="xml"),
        pytest.param(b'{"dataset_group_id": 123}', {"content-type": "text/plain"}, ["body"],
                     "model_attributes_type", id="json-sent-as-text"),
        pytest.param(b'{"dataset_group_id": 1e400}', JSON, ["body", 21], "json_invalid",
                     id="number-beyond-float"),
        pytest.param(b'{"dataset_group_id": ' + b"9" * 5000 + b"}", JSON, ["body", 21],
                     "json_invalid", id="5000-digit-integer"),
        pytest.param(b'{"dataset_group_id": 12.5}', JSON, ["body", "dataset_group_id"],
                     "int_type", id="fraction"),
        pytest.param(b'{"dataset_group_id": true}', JSON, ["body", "dataset_group_id"],
                     "int_type", id="boolean"),
        pytest.param(b'{"dataset_group_id": "twelve"}', JSON, ["body", "dataset_group_id"],
                     "int_parsing", id="string"),
    ],
)  # fmt: skip
def test_malformed_bodies_are_422_with_the_location(
    pl: httpx.Client, content: bytes, headers: dict[str, str], loc: list[object], kind: str
) -> None:
    errors = detail(pl.post(CREATE_DRAFT, content=content, headers=headers))
    assert errors[0]["loc"] == loc
    assert errors[0]["type"] == kind


def test_huge_integers_are_not_found_rather_than_a_crash(pl: httpx.Client) -> None:
    beyond_64_bits = pl.post(CREATE_DRAFT, content=b'{"dataset_group_id": 18446744073709551616}')
    assert beyond_64_bits.status_code == 404
    assert beyond_64_bits.json()["success"] is False
    path = pl.get(f"{V2}/datasets/{'9' * 40}/rows")
    assert path.status_code == 404
    query = pl.get(f"{V2}/datasets", params={"page": "9" * 40})
    assert query.status_code == 200
    assert query.json()["datasets"] == []


def test_bodies_nested_too_deeply_are_422(pl: httpx.Client) -> None:
    def nested(levels: int) -> bytes:
        group = b'{"filters": [' * levels + b"]}" * levels
        return b'{"dataset_group_id": 124, "filter_group": ' + group + b"}"

    url = f"{V2}/dataset-versions/from-filter-params"
    # each filter group is two levels (the group, its list), below the top-level object
    fits = pl.post(url, content=nested((MAX_BODY_DEPTH - 1) // 2), headers=JSON)
    assert fits.status_code == 201, fits.text
    for levels in (MAX_BODY_DEPTH // 2, 300, 3000):
        errors = detail(pl.post(url, content=nested(levels), headers=JSON))
        assert errors[0]["type"] == "json_invalid"
        assert errors[0]["loc"][0] == "body"


def test_non_utf8_in_query_and_path_is_422_or_harmless(pl: httpx.Client) -> None:
    path = pl.get(f"{V2}/datasets/%FF%FE/rows")
    assert detail(path)[0]["loc"] == ["path", "dataset_id"]
    query = pl.get(f"{V2}/datasets?page=%FF")
    assert detail(query)[0]["loc"] == ["query", "page"]
    search = pl.get(f"{V2}/datasets?name=%FF%FE")
    assert search.status_code == 200
    assert search.json()["total"] == 0


def test_hostile_files_are_400(pl: httpx.Client) -> None:
    def upload(name: str, raw: bytes) -> httpx.Response:
        return pl.post(
            f"{V2}/dataset-versions/from-file",
            json={
                "dataset_group_id": 124,
                "file_name": name,
                "file_content_base64": base64.b64encode(raw).decode(),
            },
        )

    hostile = {
        "deep.json": b"[" * 100_000 + b"]" * 100_000,
        "nested-cell.json": b'[{"a": ' + b"[" * 5_000 + b"]" * 5_000 + b"}]",
        "too-deep-for-a-cell.json": b'[{"a": ' + b"[" * 100 + b"]" * 100 + b"}]",
        "digits.json": b'[{"a": ' + b"9" * 5_000 + b"}]",
        "latin-1.csv": "q\ncaf\xe9\n".encode("latin-1"),
        "huge-field.csv": b"q\n" + b"x" * 200_000 + b"\n",
        "header-only-blank.csv": b"\n\n",
        "nan.json": b'[{"a": NaN}]',
        "infinity.json": b'[{"a": -Infinity}]',
        "beyond-float.json": b'[{"a": 1e999}]',
    }
    for name, raw in hostile.items():
        response = upload(name, raw)
        assert response.status_code == 400, (name, response.text)
        assert response.json()["success"] is False
        assert response.json()["message"]


def test_a_file_with_huge_integers_publishes_and_reads_back(mock: Mock, pl: httpx.Client) -> None:
    big = 10**30
    made = pl.post(
        f"{V2}/dataset-versions/from-file",
        json={
            "dataset_group_id": 124,
            "file_name": "big.json",
            "file_content_base64": base64.b64encode(f'[{{"n": {big}}}]'.encode()).decode(),
        },
    )
    assert made.status_code == 201
    mock.advance(ASYNC_DELAY)
    rows = pl.get(f"{V2}/datasets/{made.json()['dataset_id']}/rows")
    assert rows.status_code == 200
    assert rows.json()["rows"] == [[{"type": "dataset", "value": big}]]


def test_a_fault_injected_403_carries_the_whole_envelope(mock: Mock, pl: httpx.Client) -> None:
    mock.admin(
        "faults",
        {
            "api": "promptlayer",
            "operation": "createDraftDatasetVersion",
            "status": 403,
            "count": 1,
        },
    )
    forbidden = pl.post(CREATE_DRAFT, json={"dataset_group_id": 123})
    assert forbidden.status_code == 403
    body = forbidden.json()
    assert body["success"] is False
    assert body["error"] == "forbidden"
    assert isinstance(body["message"], str) and body["message"]


def test_only_json_content_types_are_read_as_json(pl: httpx.Client, mock: Mock) -> None:
    """As FastAPI: no Content-Type, application/json or application/*+json are parsed; any other
    body reaches the model unparsed, and the 422 echoes it as the input."""
    body = b'{"dataset_group_id": 123}'
    for media_type in ("application/json; charset=utf-8", "application/vnd.promptlayer+json"):
        assert (
            pl.post(CREATE_DRAFT, content=body, headers={"content-type": media_type}).status_code
            == 201
        )
        pl.post(f"{V2}/dataset-versions/save-draft", json={"dataset_group_id": 123})
        mock.advance(ASYNC_DELAY)  # the draft is published: the next create-draft may succeed
    [error] = detail(pl.post(CREATE_DRAFT, content=body, headers={"content-type": "text/plain"}))
    assert error == {
        "type": "model_attributes_type",
        "loc": ["body"],
        "msg": "Input should be a valid dictionary or object to extract fields from",
        "input": '{"dataset_group_id": 123}',
    }


def test_dataset_rows_refuse_a_workspace_id_below_1(pl: httpx.Client) -> None:
    """Upstream declares `getDatasetRows.workspace_id` with `minimum: 1`."""
    refused = pl.get("/api/public/v2/datasets/456/rows", params={"workspace_id": 0})
    assert refused.status_code == 422
    [detail] = refused.json()["detail"]
    assert (detail["type"], detail["loc"]) == ("greater_than_equal", ["query", "workspace_id"])
    assert detail["msg"] == "Input should be greater than or equal to 1"
