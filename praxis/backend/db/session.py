"""Engines and session factories: one place decides how Praxis talks to PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)


def create_engine(
    url: str,
    *,
    pool_size: int = 10,
    max_overflow: int = 20,
    pool_timeout: float = 30.0,
    statement_timeout: float = 0,
    lock_timeout: float = 0,
) -> AsyncEngine:
    """The application's engine. ``pool_pre_ping``: after a database restart, pooled connections are
    dead; the ping replaces them at checkout, so the app serves again without a restart of its own.

    ``pool_timeout`` bounds the wait for a pooled connection; ``statement_timeout`` and
    ``lock_timeout`` (seconds, 0 for none) are set on every connection, so a request stuck behind a
    lock another transaction holds gives its connection back instead of holding it for ever."""
    server_settings = {
        name: str(int(seconds * 1000))
        for name, seconds in (("statement_timeout", statement_timeout), ("lock_timeout", lock_timeout))
        if seconds
    }
    return create_async_engine(
        url,
        pool_size=pool_size,
        max_overflow=max_overflow,
        pool_timeout=pool_timeout,
        pool_pre_ping=True,
        connect_args={"server_settings": server_settings} if server_settings else {},
    )


def create_sessionmaker(
    bind: AsyncEngine | AsyncConnection, **options: Any
) -> async_sessionmaker[AsyncSession]:
    """The sessions every unit of work runs on.

    ``expire_on_commit=False``: objects stay readable after the unit of work commits, without the
    lazy reload that an AsyncSession cannot do implicitly. The tests bind it to their own connection
    with ``join_transaction_mode="create_savepoint"`` and change nothing else.
    """
    return async_sessionmaker(bind, expire_on_commit=False, autoflush=False, **options)
