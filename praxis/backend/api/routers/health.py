"""Liveness and database health."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from praxis.backend.api.dependencies import SessionDep
from praxis.backend.api.errors import ERROR_RESPONSES
from praxis.backend.repositories import Repositories

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=Health, responses={503: ERROR_RESPONSES[503]})
async def health(session: SessionDep) -> Health:
    """200 when the database answers; 503 (the error shape) when it does not."""
    await Repositories(session).ping()
    return Health(status="ok", database="ok")
