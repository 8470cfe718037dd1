"""A multipart form body is read for what can be checked of it: its required members."""

from __future__ import annotations

import httpx

from tests.conftest import Mock

OMNI = {"Authorization": "Bearer omni-demo-manager"}
CSV = {"file": ("users.csv", b"a,b\n1,2\n", "text/csv")}


def test_a_form_without_a_required_member_is_the_documented_400(mock: Mock) -> None:
    answer = httpx.post(
        f"{mock.url}/omni/v1/uploads", files=CSV, data={"viewName": "x"}, headers=OMNI
    )
    assert answer.status_code == 400
    assert "modelId" in answer.json()["message"]


def test_a_complete_form_is_served(mock: Mock) -> None:
    data = {"modelId": "ddb2f6c5-fa8c-49b6-b70f-b6b7b29843e8"}
    answer = httpx.post(f"{mock.url}/omni/v1/uploads", files=CSV, data=data, headers=OMNI)
    assert answer.status_code == 201, answer.text
    assert answer.json()["fileName"]


def test_a_body_that_is_not_multipart_is_refused(mock: Mock) -> None:
    headers = {**OMNI, "Content-Type": "multipart/form-data; boundary=zz"}
    answer = httpx.post(f"{mock.url}/omni/v1/uploads", content=b"garbage", headers=headers)
    assert answer.status_code == 400


def test_a_file_member_sent_as_text_is_refused(mock: Mock) -> None:
    data = {"modelId": "ddb2f6c5-fa8c-49b6-b70f-b6b7b29843e8", "file": "a,b\n1,2\n"}
    answer = httpx.post(
        f"{mock.url}/omni/v1/uploads", files={"viewName": (None, "v")}, data=data, headers=OMNI
    )
    assert answer.status_code == 400
    assert "file" in answer.json()["message"]


def test_an_empty_form_is_read_as_a_form_without_members(mock: Mock) -> None:
    """Only the closing delimiter (how HTTP clients send a form with no field): a form lacking
    its required members, not an unreadable body."""
    headers = {**OMNI, "Content-Type": "multipart/form-data; boundary=zz"}
    answer = httpx.post(f"{mock.url}/omni/v1/uploads", content=b"--zz--\r\n", headers=headers)
    assert answer.status_code == 400
    assert "modelId" in answer.json()["message"], answer.text
