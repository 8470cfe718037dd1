"""References written as URI fragments (RFC 6901 §6: ``%7B`` for ``{``) into another path item,
as Codat's documents write their shared path parameter, resolve for validation as they read."""

from __future__ import annotations

from pathlib import Path

import httpx

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer

DOCUMENT = """
openapi: 3.1.0
info: {title: syncs, version: '1'}
paths:
  /companies/{companyId}/syncs:
    parameters:
      - {in: path, name: companyId, required: true, schema: {type: string, format: uuid}}
    post:
      operationId: startSync
      parameters: [{$ref: '#/paths/~1companies~1%7BcompanyId%7D~1syncs/parameters/0'}]
      requestBody: {$ref: '#/paths/~1companies~1%7BcompanyId%7D~1config/post/requestBody'}
      responses:
        '202': {$ref: '#/paths/~1companies~1%7BcompanyId%7D~1config/post/responses/200'}
  /companies/{companyId}/config:
    parameters: [{$ref: '#/paths/~1companies~1%7BcompanyId%7D~1syncs/parameters/0'}]
    post:
      operationId: saveConfig
      requestBody:
        content:
          application/json:
            schema: {type: object, required: [mode], properties: {mode: {enum: [auto]}}}
      responses:
        '200':
          description: saved
          content:
            application/json:
              schema: {type: object, required: [mode], properties: {mode: {enum: [auto]}}}
"""


def test_percent_encoded_references_resolve(tmp_path: Path) -> None:
    path = tmp_path / "syncs.yaml"
    path.write_text(DOCUMENT)
    runtime = build_runtime(documents=[(None, path)])
    company = "8a210b68-6988-11ed-a1eb-0242ac120002"
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as api:
        for operation in ("syncs", "config"):
            answered = api.post(f"/companies/{company}/{operation}", json={"mode": "auto"})
            assert answered.status_code in (200, 202), answered.text
            assert answered.json() == {"mode": "auto"}
            refused = api.post(f"/companies/not-a-uuid/{operation}", json={"mode": "auto"})
            assert refused.status_code == 400, refused.text
            refused = api.post(f"/companies/{company}/{operation}", json={"mode": "manual"})
            assert refused.status_code == 400, refused.text
