"""``POST /api/v1/protocols/discover``: catalog the protocols of a directory the server allows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request

from praxis.backend.api.dependencies import UnitOfWorkDep
from praxis.backend.api.errors import ERROR_RESPONSES
from praxis.backend.errors import InvalidValueError
from praxis.backend.models.schemas.protocol import DiscoverRequest, DiscoverResult
from praxis.backend.services.discovery import DiscoveryService

router = APIRouter(prefix="/protocols", tags=["protocol_definitions"], responses=ERROR_RESPONSES)


def allowed_directory(raw: str, roots: list[Path]) -> Path:
    """The requested directory, resolved (symlinks and ``..`` included) and inside a configured root."""
    if not roots:
        raise InvalidValueError(
            "protocol discovery is not enabled on this server (set PRAXIS_PROTOCOL_ROOTS)", field="path"
        )
    candidate = Path(raw)
    if not candidate.is_absolute():
        candidate = roots[0] / candidate
    resolved = candidate.resolve()
    for root in roots:
        if resolved == root.resolve() or resolved.is_relative_to(root.resolve()):
            return resolved
    raise InvalidValueError(f"{raw!r} is outside the protocol roots this server allows", field="path")


@router.post("/discover", response_model=DiscoverResult, summary="Discover and catalog protocols")
async def discover(body: DiscoverRequest, request: Request, uow: UnitOfWorkDep) -> dict[str, Any]:
    directory = allowed_directory(body.path, request.app.state.settings.protocol_roots)
    result = await DiscoveryService(uow.repos).discover_and_upsert_protocols(directory)
    return {
        "definitions": result.definitions,
        "errors": [{"path": str(error.path), "error": error.error} for error in result.errors],
    }
