"""``/health`` and what the API answers outside its routes: the same error shape everywhere."""

from __future__ import annotations

import uuid

import httpx

from praxis.backend.db.migrations import head_revision
from tests.api.helpers import API, assert_error


async def test_health_reports_the_app_and_its_database(client: httpx.AsyncClient) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "revision": head_revision()}


async def test_an_unknown_path_is_a_404_in_the_error_shape(client: httpx.AsyncClient) -> None:
    assert_error(await client.get(f"{API}/spaceships"), 404, "not_found")
    assert_error(await client.get("/health/"), 404, "not_found")  # no redirects, trailing slash or not


async def test_a_method_a_route_lacks_is_405_in_the_error_shape(client: httpx.AsyncClient) -> None:
    response = await client.delete(f"{API}/workcells")

    assert_error(response, 405, "method_not_allowed")
    assert set(response.headers["allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    on_item = await client.post(f"{API}/workcells/{uuid.uuid4()}")
    assert_error(on_item, 405, "method_not_allowed")
    assert set(on_item.headers["allow"].split(", ")) == {"GET", "HEAD", "PATCH", "PUT", "DELETE", "OPTIONS"}
