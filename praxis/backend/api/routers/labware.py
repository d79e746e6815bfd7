"""Routes beyond the CRUD of labware and outputs: what sits on a resource, a plate read as wells.

Included before the generated collections, so their fixed paths never reach a ``/{id}`` route.
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from praxis.backend.api.crud import service_dependency
from praxis.backend.api.errors import ERROR_RESPONSES
from praxis.backend.models.orm import DataOutputOrm, ResourceOrm
from praxis.backend.models.schemas.data_output import DataOutputRead, WellOutputsCreate
from praxis.backend.models.schemas.resource import ResourceRead
from praxis.backend.services.data_output import DataOutputService
from praxis.backend.services.resource import ResourceService

router = APIRouter(responses=ERROR_RESPONSES)
Resources = Annotated[ResourceService, Depends(service_dependency(ResourceService))]
Outputs = Annotated[DataOutputService, Depends(service_dependency(DataOutputService))]


@router.get(
    "/resources/{id}/children",
    response_model=list[ResourceRead],
    tags=["resources"],
    summary="The labware sitting directly on this resource (a carrier's plates), by position",
)
async def list_resource_children(id: uuid.UUID, svc: Resources) -> list[ResourceOrm]:
    return await svc.children(id)


@router.post(
    "/outputs/wells",
    response_model=list[DataOutputRead],
    status_code=201,
    tags=["outputs"],
    summary="A plate read as one flat array: one output per well (A1..H12 for 96 values), in one INSERT",
)
async def create_well_outputs(body: WellOutputsCreate, svc: Outputs) -> list[DataOutputOrm]:
    return await svc.create_wells(body.model_dump())
