"""The API while its database is down: 503 with the error shape, then service again, no restart.

The test stops and starts a PostgreSQL server of its own (an embedded one in a temporary directory),
so it never disturbs the server the rest of the suite runs on.
"""

from __future__ import annotations

import errno
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import APIRouter
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.api.app import create_app
from praxis.backend.db.migrations import upgrade_to_head
from tests.harness.auth import bearer, committed_token
from tests.harness.session import bind_app


@pytest.fixture
async def api_on_private_server(private_server: tuple[Any, str]) -> AsyncIterator[httpx.AsyncClient]:
    _, url = private_server
    engine = create_async_engine(url, poolclass=NullPool)
    await upgrade_to_head(engine)
    await engine.dispose()
    app = create_app(database_url=url)
    token = await committed_token(url)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://localhost", headers=bearer(token)
        ) as client,
    ):
        yield client


async def test_the_api_answers_503_while_the_database_is_down_and_recovers(
    private_server: tuple[Any, str], api_on_private_server: httpx.AsyncClient
) -> None:
    server, _ = private_server
    api = api_on_private_server
    assert (await api.post("/api/v1/workcells", json={"name": "before the outage"})).status_code == 201

    server.stop()
    try:
        reads = await api.get("/api/v1/workcells")
        writes = await api.post("/api/v1/workcells", json={"name": "during the outage"})
        health = await api.get("/health")
    finally:
        server.ensure_postgres_running()

    for response in (reads, writes, health):
        assert response.status_code == 503
        assert response.json()["code"] == "database_unavailable"
        assert "detail" in response.json()

    # the same app, no restart: the pool replaces its dead connections
    assert (await api.get("/health")).status_code == 200
    names = [w["name"] for w in (await api.get("/api/v1/workcells")).json()]
    assert names == ["before the outage"]  # the refused write left nothing behind
    assert (await api.post("/api/v1/workcells", json={"name": "after the outage"})).status_code == 201


async def test_a_filesystem_error_is_a_logged_500_not_an_outage(db_session: AsyncSession) -> None:
    """Connection failures are ``OSError``s naming no file; one that names a file is this server's fault."""
    app = create_app()
    failing = APIRouter()

    @failing.get("/read-a-file")
    async def read_a_missing_file() -> None:
        raise FileNotFoundError(errno.ENOENT, "No such file or directory", "/praxis/missing.cfg")

    app.include_router(failing)
    bind_app(app, db_session)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        response = await http.get("/read-a-file")

    assert response.status_code == 500
    assert response.json()["code"] == "internal_error"
