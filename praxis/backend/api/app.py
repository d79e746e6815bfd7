"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi_offline import FastAPIOffline

from praxis.backend.api import errors, openapi, pages
from praxis.backend.api.access import API_PREFIX, AUTHORIZED, HostAllowlist
from praxis.backend.api.limits import BodyReadTimeout, BodySizeLimit, HeadSizeLimit
from praxis.backend.api.methods import HeadAsGet, NoTrailingNewline
from praxis.backend.api.routers import discovery, health, labware, run_events, runs
from praxis.backend.api.routers.collections import ROUTERS
from praxis.backend.db.migrations import head_revision
from praxis.backend.db.session import create_engine, create_sessionmaker
from praxis.backend.services.event_hub import EventHub
from praxis.backend.settings import Settings, get_settings


def create_app(settings: Settings | None = None, *, database_url: str | None = None) -> FastAPI:
    """Build the app; the engine is created at start-up from ``database_url`` or the settings.

    Tests build it without running the lifespan and give it a session factory on their own connection.
    The docs page (``/docs``) is served with its Swagger UI assets from the app itself: no CDN.
    """
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        url = database_url
        if url is None:
            from praxis.backend.db.runtime import resolve_database

            url = resolve_database(settings).url
        timeouts = {
            "pool_timeout": settings.pool_timeout,
            "statement_timeout": settings.statement_timeout,
            "lock_timeout": settings.lock_timeout,
        }
        engine = create_engine(
            url, pool_size=settings.pool_size, max_overflow=settings.max_overflow, **timeouts
        )
        health_engine = create_engine(url, pool_size=1, max_overflow=0, **timeouts)
        app.state.engine = engine
        app.state.sessionmaker = create_sessionmaker(engine)
        app.state.health_sessionmaker = create_sessionmaker(health_engine)
        app.state.database_name = engine.url.database
        # the schema every /api/v1 request is checked against until it is seen there once (access.py)
        app.state.required_revision = head_revision()
        app.state.schema_ready = False
        app.state.event_hub = EventHub(url, capacity=settings.event_buffer)
        try:
            yield
        finally:
            await app.state.event_hub.close()
            await engine.dispose()
            await health_engine.dispose()

    app = FastAPIOffline(
        title="Praxis",
        version="0.1.0",
        description="The lab-automation backend: workcells, machines, decks, labware, protocols, runs, outputs.",
        lifespan=lifespan,
        redirect_slashes=False,
        generate_unique_id_function=openapi.operation_id,
        dependencies=[AUTHORIZED],  # every route's scope, by one rule (praxis.backend.api.access)
    )
    app.state.settings = settings
    errors.install(app)
    # innermost first: the last resort for errors, the body's size, then its deadline (which also
    # covers the body BodySizeLimit reads itself), then HEAD
    app.add_middleware(errors.UnexpectedErrors)
    app.add_middleware(
        BodySizeLimit, max_bytes=settings.max_body_bytes, max_file_bytes=settings.max_file_bytes
    )
    app.add_middleware(BodyReadTimeout, seconds=settings.body_timeout)
    app.add_middleware(HeadAsGet)
    app.add_middleware(NoTrailingNewline)
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["*"],
            allow_headers=["Authorization", "Content-Type"],
            expose_headers=["X-Total-Count"],
        )
    app.add_middleware(HostAllowlist, allowed_hosts=settings.allowed_hosts)
    app.add_middleware(HeadSizeLimit, max_bytes=settings.max_head_bytes)
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(discovery.router, prefix=API_PREFIX)
    app.include_router(run_events.router, prefix=API_PREFIX)
    app.include_router(runs.router, prefix=API_PREFIX)
    app.include_router(labware.router, prefix=API_PREFIX)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    openapi.install(app)
    return app
