"""Liveness and database health, answered without waiting for the request pool.

``/health`` runs on a connection of its own (a pool of one, opened at start-up): when every pooled
connection is held by requests waiting on a lock, a probe still learns at once that the server and
its database are up. It also says whether the schema is the one this Praxis needs.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel

from praxis.backend.api.errors import ERROR_RESPONSES
from praxis.backend.db.migrations import head_revision
from praxis.backend.services.schema import check_schema
from praxis.backend.services.unit_of_work import UnitOfWork

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str
    #: the schema's Alembic revision, which is the one this Praxis needs (else 503)
    revision: str


@router.get("/health", response_model=Health, responses={503: ERROR_RESPONSES[503]})
async def get_health(request: Request) -> Health:
    """200 when the database answers at the schema this Praxis needs; 503 (the error shape) when it
    does not answer, does not exist, or is at another revision (which it names, with the one needed)."""
    state = request.app.state
    sessions = getattr(state, "health_sessionmaker", None) or state.sessionmaker
    async with UnitOfWork(sessions) as uow:
        revision = await check_schema(uow.repos, head_revision(), getattr(state, "database_name", None))
    return Health(status="ok", database="ok", revision=revision)
