"""Clients with API tokens: the fixture layer's side of ``praxis.backend.api.access``.

``client`` and ``live_client`` carry a token with every scope, so a test that is not about access
never thinks of it (``app_client`` gives every in-process client one). A test that is asks for less
in one call: ``await client_with(scopes=["read"])`` (a client on the same app and transaction with a
token of those scopes), or ``anonymous_client`` (no token at all; the test app is not open, so it gets
401 wherever a token is needed). An app of a test's own on a committed database takes the header of
``await committed_token(url)``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from contextlib import AsyncExitStack

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.db.session import create_sessionmaker
from praxis.backend.models.orm import ALL_SCOPES, ApiTokenOrm
from praxis.backend.services.unit_of_work import UnitOfWork
from tests.builders import Builders
from tests.harness.session import app_client

ClientWith = Callable[..., Awaitable[httpx.AsyncClient]]


def bearer(token: ApiTokenOrm) -> dict[str, str]:
    """The header a request sends to use ``token`` (one the builders made: it carries its secret)."""
    assert token.secret is not None, "only a token just created carries its secret"
    return {"Authorization": f"Bearer {token.secret}"}


async def authorize(http: httpx.AsyncClient, session: AsyncSession, scopes: Iterable[str]) -> ApiTokenOrm:
    """Give ``http`` a new token of ``scopes``, stored through ``session``, for every request it sends."""
    token = await Builders(session).api_token.create(scopes=list(scopes))
    http.headers.update(bearer(token))
    return token


async def committed_token(database_url: str, scopes: Iterable[str] = ALL_SCOPES) -> ApiTokenOrm:
    """A token committed to ``database_url``, for a server of the test's own on that database."""
    engine = create_async_engine(database_url, poolclass=NullPool)
    try:
        async with UnitOfWork(create_sessionmaker(engine)) as uow:
            token = await Builders(uow.session, uow.repos).api_token.create(scopes=list(scopes))
            await uow.commit()
            return token
    finally:
        await engine.dispose()


@pytest.fixture
async def client_with(db_session: AsyncSession, app: FastAPI) -> AsyncIterator[ClientWith]:
    """``await client_with(scopes=["read"])``: a client like ``client`` whose token has only these."""
    async with AsyncExitStack() as clients:

        async def make(*, scopes: Iterable[str]) -> httpx.AsyncClient:
            return await clients.enter_async_context(app_client(db_session, app=app, scopes=scopes))

        yield make


@pytest.fixture
async def anonymous_client(db_session: AsyncSession, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client like ``client`` that sends no token."""
    async with app_client(db_session, app=app, scopes=None) as http:
        yield http
