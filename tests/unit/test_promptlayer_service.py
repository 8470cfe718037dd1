"""PromptLayer behaviour without HTTP: the service over a backend, time and jobs injected."""

from __future__ import annotations

import json
from typing import Any

import pytest

from draftmock.ids import Ids
from draftmock.jobs import Scheduler
from draftmock.state_codec import decode, encode
from draftmock.vendors._kit import Blobs, Context, Jobs, Settings
from draftmock.vendors.promptlayer import fixture, service
from draftmock.vendors.promptlayer.errors import ConflictError, NotFoundError, PromptLayerError
from draftmock.vendors.promptlayer.models import ApiKey, Backend

KEY = ApiKey("k", workspace_id=1, user_id=1, email="a@example.com")


class Harness:
    def __init__(self) -> None:
        self.backend = Backend()
        self.ids = Ids(0)
        self.scheduler = Scheduler()
        self.now = 100.0
        fixture.load(
            self.backend,
            {
                "workspaces": [
                    {
                        "id": 1,
                        "dataset_groups": [
                            {
                                "id": 10,
                                "name": "g",
                                "versions": [
                                    {
                                        "id": 11,
                                        "version_number": 1,
                                        "column_names": ["a"],
                                        "rows": [["x"]],
                                    }
                                ],
                            }
                        ],
                    }
                ]
            },
            self.ids,
            self.now,
        )

    def ctx(self, now: float | None = None) -> Context[Backend]:
        at = self.now if now is None else now
        return Context(
            api="promptlayer",
            now=at,
            ids=self.ids,
            backend=self.backend,
            jobs=Jobs(self.scheduler, "promptlayer", at),
            settings=Settings(async_delay=2.0),
            request_id="r",
            blobs=Blobs({}, b"key"),
        )

    def run_jobs_until(self, when: float) -> None:
        jobs: dict[str, Any] = {
            service.COPY_JOB: service.finish_copy,
            service.PUBLISH_JOB: service.finish_publish,
        }
        while (job := self.scheduler.pop_due(when)) is not None:
            jobs[job.kind](self.ctx(job.due), job.payload)

    @property
    def ws(self):  # type: ignore[no-untyped-def]
        return self.backend.workspace(1)


def test_publish_assigns_the_next_version_number() -> None:
    h = Harness()
    draft, copying = service.create_draft(h.ctx(), KEY, 10, None)
    assert not copying
    service.save_draft(h.ctx(), KEY, 10)
    assert h.ws.datasets[draft.id].version_number == -1
    h.run_jobs_until(101.9)
    assert h.ws.datasets[draft.id].version_number == -1
    h.run_jobs_until(102.0)
    assert h.ws.datasets[draft.id].version_number == 2
    assert h.ws.datasets[draft.id].updated_at == 102.0


def test_second_draft_conflicts() -> None:
    h = Harness()
    service.create_draft(h.ctx(), KEY, 10, None)
    with pytest.raises(ConflictError):
        service.create_draft(h.ctx(), KEY, 10, None)


def test_copy_source_must_belong_to_the_group() -> None:
    h = Harness()
    group, _ = service.create_group(h.ctx(), KEY, "other", None, None, [])
    with pytest.raises(NotFoundError, match="does not belong"):
        service.create_draft(h.ctx(), KEY, group.id, 11)
    with pytest.raises(NotFoundError):
        service.create_draft(h.ctx(), KEY, 999, None)


def test_copy_completes_before_a_queued_save() -> None:
    h = Harness()
    draft, copying = service.create_draft(h.ctx(), KEY, 10, 11)
    assert copying and draft.rows == []
    service.save_draft(h.ctx(101.0), KEY, 10)
    h.run_jobs_until(102.0)
    assert draft.rows == [["x"]] and draft.version_number == -1
    h.run_jobs_until(103.0)
    assert draft.version_number == 2


def test_failed_publish_removes_the_draft() -> None:
    h = Harness()
    draft, _ = service.create_draft(h.ctx(), KEY, 10, None)
    service.save_draft(h.ctx(), KEY, 10)
    job = h.scheduler.pop_due(200)
    assert job is not None
    ctx = h.ctx(job.due)
    ctx.failure = "requested"
    service.finish_publish(ctx, job.payload)
    assert draft.is_deleted
    assert h.ws.draft(10) is None


def test_workspace_must_be_the_keys_own() -> None:
    h = Harness()
    with pytest.raises(PromptLayerError, match="Invalid workspace_id"):
        service.create_group(h.ctx(), KEY, "x", 2, None, [])


def test_csv_and_json_files_become_rows() -> None:
    import base64

    csv_text = base64.b64encode(b'q,a\n"x, y",z\n').decode()
    assert service.parse_file("f.csv", csv_text) == (["q", "a"], [["x, y", "z"]])
    json_text = base64.b64encode(b'[{"q": 1}, {"a": 2}]').decode()
    assert service.parse_file("f.JSON", json_text) == (["q", "a"], [[1, None], [None, 2]])


def test_file_size_limit_applies_to_the_decoded_content(monkeypatch: pytest.MonkeyPatch) -> None:
    import base64

    monkeypatch.setattr(service, "MAX_FILE_BYTES", 8)
    at_limit = base64.b64encode(b"a\n123456").decode()
    assert service.parse_file("f.csv", at_limit) == (["a"], [["123456"]])
    one_over = base64.b64encode(b"a\n1234567").decode()  # 12 characters: only decoding tells
    with pytest.raises(PromptLayerError, match="too large"):
        service.parse_file("f.csv", one_over)
    far_over = base64.b64encode(b"a\n" + b"1" * 40).decode()  # refused before decoding
    with pytest.raises(PromptLayerError, match="too large"):
        service.parse_file("f.csv", far_over)


def test_a_file_over_100_mb_is_refused_before_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    def decoded(*args: object, **kwargs: object) -> bytes:
        raise AssertionError("decoded")

    monkeypatch.setattr(service.base64, "b64decode", decoded)
    over = 100 * 1024 * 1024 + 3  # bytes: its base64 is 4 characters longer than 100 MB's
    content = "A" * (4 * -(-over // 3))  # valid base64 of zeros
    with pytest.raises(PromptLayerError, match="at most 100 MB"):
        service.parse_file("f.csv", content)


@pytest.mark.parametrize(
    ("name", "raw", "message"),
    [
        ("f.xlsx", b"a\n1\n", "Unsupported file type"),
        ("f.csv", b"a,a\n1,2\n", "unique"),
        ("f.json", b'{"a": 1}', "array of objects"),
        ("f.json", b"[1, 2]", "array of objects"),
        ("f.json", b"[{]", "Invalid JSON file"),
        ("f.json", b'[{"a": NaN}]', "NaN is not a JSON value"),
        ("f.json", b'[{"a": ' + b"[" * 65 + b"]" * 65 + b"}]", "nested deeper than 64"),
    ],
)
def test_file_format_errors(name: str, raw: bytes, message: str) -> None:
    import base64

    with pytest.raises(PromptLayerError, match=message):
        service.parse_file(name, base64.b64encode(raw).decode())
    if name != "f.xlsx":
        with pytest.raises(PromptLayerError, match="not valid base64"):
            service.parse_file(name, base64.b64encode(raw).decode() + "!")


def test_group_names_and_drafts_are_found_among_many_groups_and_after_a_json_dump() -> None:
    h = Harness()
    for i in range(200):
        service.create_group(h.ctx(), KEY, f"g{i}", None, None, [])
    with pytest.raises(PromptLayerError, match="already exists"):
        service.create_group(h.ctx(), KEY, "g150", None, None, [])
    with pytest.raises(ConflictError):  # every new group has its draft
        service.create_draft(h.ctx(), KEY, h.ws.live_group_named("g199").id, None)

    h.backend = decode(json.loads(json.dumps(encode(h.backend))))
    with pytest.raises(PromptLayerError, match="already exists"):
        service.create_group(h.ctx(), KEY, "g7", None, None, [])
    group = h.ws.live_group_named("g7")
    [draft] = h.ws.versions(group.id)
    assert draft.is_draft
    service.save_draft(h.ctx(), KEY, group.id)
    h.run_jobs_until(102.0)
    assert h.ws.datasets[draft.id].version_number == 1
    assert h.ws.latest_published(group.id) is h.ws.datasets[draft.id]
