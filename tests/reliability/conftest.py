from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from praxis.backend.api.app import create_app


@pytest.fixture
async def api(committed_database: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its real unit of work (a session and a transaction per request) on a committed
    database: what several clients, or a failed request, do to stored data."""
    app = create_app(database_url=committed_database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://praxis.test") as client:
            yield client
