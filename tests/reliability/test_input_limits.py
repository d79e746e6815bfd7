"""Oversized and malformed input gets 413 / 414 / 422 / 431 with the API's error shape, never a 500, and
stores nothing."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx

from praxis.backend.models.schemas.fields import MAX_JSON_BYTES
from tests.builders import Builders


async def test_a_body_over_the_limit_is_refused_with_413(client: httpx.AsyncClient, repos: Builders) -> None:
    body = json.dumps({"name": "bay", "latest_state": {"blob": "x" * 2_000_000}})

    response = await client.post(
        "/api/v1/workcells", content=body, headers={"content-type": "application/json"}
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert await repos.workcell.count() == 0


async def test_a_streamed_body_over_the_limit_is_refused_with_413(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"name": "bay", "latest_state": {"blob": "'
        for _ in range(40):
            yield b"x" * 64_000
        yield b'"}}'

    response = await client.post(
        "/api/v1/workcells", content=chunks(), headers={"content-type": "application/json"}
    )

    assert "content-length" not in response.request.headers
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert await repos.workcell.count() == 0


async def test_a_query_string_over_the_head_limit_is_414_and_stores_nothing(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    """A request line longer than the whole head may be (16 KiB): the client must shorten its query."""
    response = await client.post("/api/v1/workcells", params={"note": "x" * 17_000}, json={"name": "bay"})

    assert response.status_code == 414
    assert response.json()["code"] == "uri_too_long"
    assert "16384 bytes" in response.json()["detail"]
    assert response.headers["connection"] == "close"
    assert await repos.workcell.count() == 0


async def test_header_fields_over_the_head_limit_are_431(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/v1/workcells", headers={"X-Padding": "x" * 17_000})

    assert response.status_code == 431
    assert response.json()["code"] == "request_header_fields_too_large"


async def test_a_delete_with_a_body_over_the_limit_is_refused_before_it_runs(
    client: httpx.AsyncClient, repos: Builders
) -> None:
    """A route that never reads its body is refused too, and before it runs: the workcell stays.

    (FastAPI's own ``max_body_size`` answers such a request only when the route's response starts,
    after the delete was committed, and in plain text; hence ``BodySizeLimit``.)"""
    workcell = await repos.workcell.create()

    response = await client.request(
        "DELETE", f"/api/v1/workcells/{workcell.accession_id}", content=b"x" * 2_000_000
    )

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"
    assert await repos.workcell.get(workcell.accession_id) is not None


async def test_json_properties_over_their_limit_are_422_naming_the_field(client: httpx.AsyncClient) -> None:
    state = {"blob": "x" * (MAX_JSON_BYTES + 1)}

    response = await client.post("/api/v1/workcells", json={"name": "bay", "latest_state": state})

    assert response.status_code == 422
    assert response.json()["field"] == "latest_state"


async def test_malformed_json_is_422_not_500(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/api/v1/workcells", content=b'{"name": "bay",', headers={"content-type": "application/json"}
    )

    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation_error"
    assert body["field"] == "body"


async def test_names_and_free_text_have_length_limits(client: httpx.AsyncClient, repos: Builders) -> None:
    too_long_name = await client.post("/api/v1/workcells", json={"name": "n" * 256})
    too_long_text = await client.post("/api/v1/workcells", json={"name": "bay", "description": "d" * 10_001})

    assert (too_long_name.status_code, too_long_name.json()["field"]) == (422, "name")
    assert (too_long_text.status_code, too_long_text.json()["field"]) == (422, "description")
    assert await repos.workcell.count() == 0
