"""One unit of work per request: a request that fails after some of its writes keeps none of them."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import APIRouter

from praxis.backend.api.app import create_app
from praxis.backend.api.dependencies import UnitOfWorkDep
from tests.harness.auth import bearer, committed_token


@pytest.fixture
async def api_with_a_two_step_route(committed_database: str) -> AsyncIterator[httpx.AsyncClient]:
    """The real app and its real per-request transaction, plus one route whose second write fails."""
    app = create_app(database_url=committed_database)
    extra = APIRouter()

    @extra.post("/two-writes/{name}")
    async def two_writes(name: str, uow: UnitOfWorkDep) -> None:
        repos = uow.repos
        await repos.workcell.create(name=f"{name}-first")  # written and flushed
        await repos.workcell.create(name="taken")  # refused if "taken" exists: 409

    app.include_router(extra)
    token = await committed_token(committed_database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost", headers=bearer(token)
        ) as client:
            yield client


async def test_a_failed_request_keeps_none_of_its_earlier_writes(
    api_with_a_two_step_route: httpx.AsyncClient,
) -> None:
    api = api_with_a_two_step_route
    assert (await api.post("/two-writes/a")).status_code == 200  # both writes committed

    response = await api.post("/two-writes/b")  # the first write lands, the second is refused

    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    names = sorted(w["name"] for w in (await api.get("/api/v1/workcells")).json())
    assert names == ["a-first", "taken"]  # nothing of the failed request


async def test_a_refused_deck_type_edit_changes_nothing(api: httpx.AsyncClient) -> None:
    created = await api.post(
        "/api/v1/decks/types",
        json={
            "name": "STARlet",
            "fqn": "pylabrobot.resources.STARLetDeck",
            "positions": [{"name": "rail-1"}],
        },
    )
    url = f"/api/v1/decks/types/{created.json()['accession_id']}"

    response = await api.patch(url, json={"name": "renamed", "positions": [{"name": "A"}, {"name": "A"}]})

    assert response.status_code in {409, 422}
    stored = (await api.get(url)).json()
    assert (stored["name"], [p["name"] for p in stored["positions"]], stored["version"]) == (
        "STARlet",
        ["rail-1"],
        1,
    )
