"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from praxis.backend.api.routers import health
from praxis.backend.db.session import create_engine, create_sessionmaker
from praxis.backend.settings import Settings, get_settings


def create_app(settings: Settings | None = None, *, database_url: str | None = None) -> FastAPI:
    """Build the app; the engine is created at start-up from ``database_url`` or the settings.

    Tests build it without running the lifespan and override ``get_session`` with their own session.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = database_url
        if url is None:
            from praxis.backend.db.runtime import resolve_database

            url = resolve_database(settings).url
        engine = create_engine(url, pool_size=settings.pool_size, max_overflow=settings.max_overflow)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        try:
            yield
        finally:
            await engine.dispose()

    app = FastAPI(title="Praxis", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(health.router)
    return app
