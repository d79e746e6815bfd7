"""``POST /api/v1/protocols/discover``: catalog the protocols of a directory the server allows.

Only HTTP lives here: the service confines the path to the server's ``protocol_roots`` (and refuses
everything when none are configured), so the rule is written once, in
``praxis.backend.services.discovery.confinement``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from praxis.backend.api.dependencies import UnitOfWorkDep
from praxis.backend.api.errors import ERROR_RESPONSES
from praxis.backend.models.schemas.protocol import DiscoverRequest, DiscoverResult
from praxis.backend.services.discovery import DiscoveryService

router = APIRouter(prefix="/protocols", tags=["protocol_definitions"], responses=ERROR_RESPONSES)


@router.post("/discover", response_model=DiscoverResult, summary="Discover and catalog protocols")
async def discover_protocols(body: DiscoverRequest, request: Request, uow: UnitOfWorkDep) -> dict[str, Any]:
    settings = request.app.state.settings
    service = DiscoveryService(
        uow.repos, allowed_roots=settings.protocol_roots, time_limit=settings.discovery_time_limit
    )
    result = await service.discover_and_upsert_protocols(body.path)
    return {
        "definitions": result.definitions,
        "errors": [{"path": str(error.path), "error": error.error} for error in result.errors],
    }
