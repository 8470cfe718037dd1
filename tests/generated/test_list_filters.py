"""List filters a document declares beyond equality: comparisons named by suffix or prefix
(``total_gte``, ``min_total``, ``placed_after``), ``status_in``, and a deepObject of operators."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from draftmock.assembly import build_runtime
from draftmock.server.app import DraftmockApp
from draftmock.testing import LiveServer

DOCUMENT = """
openapi: 3.1.0
info: {title: orders, version: '1'}
paths:
  /orders:
    get:
      operationId: listOrders
      parameters:
        - {name: status, in: query, schema: {type: string}}
        - {name: status_in, in: query, schema: {type: array, items: {type: string}}, explode: false}
        - {name: total_gte, in: query, schema: {type: number}}
        - {name: max_total, in: query, schema: {type: number}}
        - {name: placed_after, in: query, schema: {type: string, format: date}}
        - name: placed
          in: query
          style: deepObject
          schema: {type: object, properties: {gte: {type: string}, lt: {type: string}}}
      responses:
        '200':
          description: orders
          content:
            application/json: {schema: {type: array, items: {$ref: '#/components/schemas/Order'}}}
    post:
      operationId: createOrder
      requestBody:
        required: true
        content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
      responses:
        '201':
          description: created
          content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
  /orders/{id}:
    get:
      operationId: getOrder
      parameters: [{name: id, in: path, required: true, schema: {type: string}}]
      responses:
        '200':
          description: the order
          content: {application/json: {schema: {$ref: '#/components/schemas/Order'}}}
components:
  schemas:
    Order:
      type: object
      required: [id, status, total, placed_on]
      properties:
        id: {type: string, readOnly: true}
        status: {type: string, enum: [open, paid, void]}
        total: {type: number}
        placed_on: {type: string, format: date}
"""

ORDERS = [
    {"status": "open", "total": 5, "placed_on": "2026-01-10"},
    {"status": "paid", "total": 50, "placed_on": "2026-02-10"},
    {"status": "void", "total": 500, "placed_on": "2026-03-10"},
]


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    path = tmp_path_factory.mktemp("orders") / "orders.yaml"
    path.write_text(DOCUMENT)
    runtime = build_runtime(documents=[(None, path)])
    with LiveServer(DraftmockApp(runtime)) as server, httpx.Client(base_url=server.url) as client:
        for order in ORDERS:
            assert client.post("/orders", json=order).status_code == 201
        yield client


def _totals(api: httpx.Client, params: Any) -> list[float]:
    listed = api.get("/orders", params=params)
    assert listed.status_code == 200, listed.text
    return [order["total"] for order in listed.json()]


def test_comparisons_and_membership_filter_the_list(api: httpx.Client) -> None:
    assert _totals(api, {}) == [5, 50, 500]
    assert _totals(api, {"status": "paid"}) == [50]
    assert _totals(api, {"total_gte": "50"}) == [50, 500]
    assert _totals(api, {"max_total": "50"}) == [5, 50]
    assert _totals(api, {"placed_after": "2026-02-10"}) == [500]
    assert _totals(api, {"status_in": "open,void"}) == [5, 500]
    assert _totals(api, {"placed[gte]": "2026-02-01", "placed[lt]": "2026-03-01"}) == [50]
