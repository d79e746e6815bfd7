"""Liveness and database health."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from praxis.backend.api.dependencies import UnitOfWorkDep
from praxis.backend.api.errors import ERROR_RESPONSES

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    database: str


@router.get("/health", response_model=Health, responses={503: ERROR_RESPONSES[503]})
async def get_health(uow: UnitOfWorkDep) -> Health:
    """200 when the database answers; 503 (the error shape) when it does not."""
    await uow.repos.ping()
    return Health(status="ok", database="ok")
