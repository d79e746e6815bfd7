"""The transaction-per-test session (SQLAlchemy's "Joining a Session into an External Transaction").

The test's connection opens a transaction that is always rolled back. The session joins it with
``join_transaction_mode="create_savepoint"``: the session's own ``commit()`` and ``rollback()`` only
release or roll back a SAVEPOINT, so application code that commits behaves as in production while
nothing it writes outlives the test or is ever visible to another connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from praxis.backend.api.app import create_app
from praxis.backend.api.dependencies import get_session
from praxis.backend.settings import Settings


@asynccontextmanager
async def isolated_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    async with engine.connect() as connection:
        transaction = await connection.begin()
        session = AsyncSession(
            bind=connection,
            join_transaction_mode="create_savepoint",
            expire_on_commit=False,
            autoflush=False,
        )
        # Open the session's SAVEPOINT now rather than at its first statement, so that statement
        # counts inside a test show only what the code under test sends.
        await session.connection()
        try:
            yield session
        finally:
            # Whatever the test did (committed, failed mid-flush, left the session broken), the outer
            # transaction is rolled back and the connection goes back to the pool clean. Rolling it
            # back first makes closing the session free: its SAVEPOINTs are already gone, so it sends
            # no ROLLBACK TO SAVEPOINT of its own (one round trip less per test).
            if transaction.is_active:
                await transaction.rollback()
            await session.close()


def per_request_savepoint(session: AsyncSession) -> Callable[[], AsyncIterator[AsyncSession]]:
    """A stand-in for the app's ``get_session`` that serves every request from the test's session.

    Each request gets a SAVEPOINT of its own, committed if the request succeeds and rolled back if it
    fails: the unit-of-work semantics of production, without undoing the test's own set-up.
    """

    async def request_session() -> AsyncIterator[AsyncSession]:
        savepoint = await session.begin_nested()
        try:
            yield session
        except BaseException:
            if savepoint.is_active:
                await savepoint.rollback()
            raise
        if savepoint.is_active:
            await savepoint.commit()

    return request_session


@asynccontextmanager
async def app_client(
    session: AsyncSession, settings: Settings | None = None
) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process HTTP client on ``create_app(settings)`` whose requests run on ``session``."""
    app = create_app(settings)
    app.dependency_overrides[get_session] = per_request_savepoint(session)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://praxis.test"
    ) as http:
        yield http
