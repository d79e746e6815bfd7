"""The transaction-per-test session (SQLAlchemy's "Joining a Session into an External Transaction").

The test's connection opens a transaction that is always rolled back. Every session on it, the test's
own and one per request of the in-process app, joins that transaction with
``join_transaction_mode="create_savepoint"``: a ``commit()`` releases a SAVEPOINT and a
``rollback()`` rolls one back, so the application's own unit of work runs unchanged while nothing it
writes outlives the test or is ever visible to another connection.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState

from praxis.backend.api.app import create_app
from praxis.backend.db.session import create_sessionmaker
from praxis.backend.models.orm import ALL_SCOPES
from praxis.backend.settings import Settings
from tests.builders.turns import Turns
from tests.harness.misuse import refuse_foreign_loop, remember_loop
from tests.harness.outer import OUTER_KEY, OuterTransaction


def joined_sessionmaker(connection: AsyncConnection) -> async_sessionmaker[AsyncSession]:
    """Production's session factory, bound to the test's connection instead of the engine."""
    return create_sessionmaker(connection, join_transaction_mode="create_savepoint")


#: an execution option: this read fills in what is not loaded, and leaves what is as it is
#: (``tests.builders.loading``, after the repository's own read has refreshed the rows)
KEEP_LOADED = "praxis_keep_loaded"


def _read_fresh(state: ORMExecuteState) -> None:
    # The app's requests write through sessions of their own; a row the test loaded before a request
    # would otherwise come back from the test session's identity map as it was then.
    if state.is_select and not state.is_column_load and not state.execution_options.get(KEEP_LOADED):
        state.update_execution_options(populate_existing=True)


@asynccontextmanager
async def joined_session(connection: AsyncConnection) -> AsyncIterator[AsyncSession]:
    """A session joined to ``connection``'s transaction in a SAVEPOINT of its own, closed at the end."""
    session = joined_sessionmaker(connection)()
    event.listen(session.sync_session, "do_orm_execute", _read_fresh)
    # A statement from another event loop is refused before it reaches the connection (misuse.py).
    remember_loop(session)
    event.listen(session.sync_session, "do_orm_execute", refuse_foreign_loop)
    event.listen(session.sync_session, "before_flush", refuse_foreign_loop)
    # Open the session's SAVEPOINT now rather than at its first statement, so that statement counts
    # inside a test show only what the code under test sends.
    await session.connection()
    try:
        yield session
    finally:
        await session.close()


@asynccontextmanager
async def isolated_session(engine: AsyncEngine) -> AsyncIterator[AsyncSession]:
    """A session in an outer transaction of its own; ``session.info[OUTER_KEY]`` says, once the block
    ends, whether the test left that transaction as it found it (``tests/harness/outer.py``)."""
    async with engine.connect() as connection:
        transaction = await connection.begin()
        async with joined_session(connection) as session:
            outer = await OuterTransaction.record(connection, transaction)
            session.info[OUTER_KEY] = outer
            try:
                yield session
            finally:
                # Whatever the test did (committed, failed mid-flush, left the session broken or a task
                # running on it, ended the outer transaction), the outer transaction is rolled back and
                # the connection goes back to the pool clean, or is replaced. Rolling it back first
                # makes closing the session free: its SAVEPOINTs are already gone, so it sends no
                # ROLLBACK TO SAVEPOINT of its own (one round trip less per test).
                await outer.end()


class TakingTurns:
    """An ASGI app that serves each HTTP request of ``app`` in the test session's turn (the builders'
    turn, ``tests/builders/turns.py``), from its start until its response starts.

    Each request's unit of work runs on the test's connection, in a SAVEPOINT of its own; two at once
    (``asyncio.gather`` over client calls) would interleave their SAVEPOINTs and fail each other with
    500s. Taking turns, they run one after another, as builder calls do, and with them. The turn is
    given back when the response starts (the unit of work has committed by then), so a streamed body
    never holds it."""

    def __init__(self, app: Any, turns: Turns) -> None:
        self.app = app
        self.turns = turns

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        holding = await self.turns.take("the test's client")

        async def sending(message: Any) -> None:
            nonlocal holding
            if holding and message["type"] == "http.response.start":
                holding = False
                self.turns.give_back()
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            if holding:
                self.turns.give_back()


def bind_app(app: FastAPI, session: AsyncSession) -> FastAPI:
    """Serve ``app``'s requests inside the test's transaction, through the app's own unit of work.

    Each request gets a session of its own on the test's connection (as production gets one from the
    pool), committed through a SAVEPOINT when the route returns and rolled back when it raises.
    """
    connection: Any = session.bind
    assert isinstance(connection, AsyncConnection), "bind_app takes the test's db_session"
    app.state.sessionmaker = joined_sessionmaker(connection)
    return app


@asynccontextmanager
async def app_client(
    session: AsyncSession,
    settings: Settings | None = None,
    *,
    app: FastAPI | None = None,
    scopes: Iterable[str] | None = ALL_SCOPES,
) -> AsyncIterator[httpx.AsyncClient]:
    """An in-process HTTP client on ``app`` (default ``create_app(settings)``) bound to ``session``,
    with a new API token of ``scopes`` (every scope by default; ``None``: no token at all)."""
    from tests.harness.auth import authorize

    app = bind_app(app or create_app(settings), session)
    transport = httpx.ASGITransport(app=TakingTurns(app, Turns.of(session)))
    async with httpx.AsyncClient(transport=transport, base_url="http://localhost") as http:
        if scopes is not None:
            await authorize(http, session, scopes)
        yield http
