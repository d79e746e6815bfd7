"""The live tier: the production server, on a committed database of the test's own.

The in-process ``client`` serves each request inside the test's transaction, which is what makes it
fast; it cannot show what only production's transaction lifecycle shows: when a commit happens
relative to the response, what another connection sees, whether a COMMIT the database refuses still
gets a 2xx, and how long a request holds a pooled connection. The live tier runs the real server
(``praxis.backend.api.server.http_server``, as ``praxis serve`` does, with its real unit of work and
real commits) under uvicorn in a thread of its own, on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import asyncpg
from sqlalchemy import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.api.server import http_server
from praxis.backend.db.session import create_sessionmaker
from praxis.backend.services.unit_of_work import UnitOfWork
from praxis.backend.settings import Settings
from tests.builders import Builders

T = TypeVar("T")
_START_TIMEOUT_S = 20.0


@dataclass(frozen=True)
class LiveServer:
    """A running server: its base ``url`` and the URL of the database it commits to."""

    url: str
    database_url: str

    @property
    def dsn(self) -> str:
        """The database for plain asyncpg: a connection that is not the server's."""
        url = make_url(self.database_url).set(drivername="postgresql")
        return url.render_as_string(hide_password=False)

    async def arrange(self, work: Callable[[Builders], Awaitable[T]]) -> T:
        """Run ``work`` with builders in a unit of work of its own, committed: set-up data the server
        sees. ``await live_server.arrange(lambda repos: repos.deck.create())``."""
        engine = create_async_engine(self.database_url, poolclass=NullPool)
        try:
            async with UnitOfWork(create_sessionmaker(engine)) as uow:
                result = await work(Builders(uow.session, uow.repos))
                await uow.commit()
                return result
        finally:
            await engine.dispose()

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[asyncpg.Connection]:
        """Another connection to the server's database, as a second client would have."""
        connection = await asyncpg.connect(self.dsn)
        try:
            yield connection
        finally:
            await connection.close()

    async def fetchval(self, query: str, *args: Any) -> Any:
        """One value read on a new connection of its own."""
        async with self.connection() as connection:
            return await connection.fetchval(query, *args)


@contextmanager
def running_server(database_url: str, settings: Settings | None = None) -> Iterator[LiveServer]:
    """Start the server in a thread (its own event loop), wait until it listens, stop it at the end."""
    server = http_server(
        settings or Settings(),
        database_url=database_url,
        host="127.0.0.1",
        port=0,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
    )
    thread = threading.Thread(target=server.run, name="praxis-live-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + _START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.should_exit = True
            raise RuntimeError("the live server did not start; its log says why")
        time.sleep(0.005)
    try:
        host, port = server.address()  # bound by the server itself (port 0)
        yield LiveServer(url=f"http://{host}:{port}", database_url=database_url)
    finally:
        server.should_exit = True
        thread.join(timeout=_START_TIMEOUT_S)
