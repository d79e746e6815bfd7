"""Routes beyond the CRUD of labware and outputs: what sits on a resource, a plate read as wells, the
file an output carries.

Included before the generated collections, so their fixed paths never reach a ``/{id}`` route.
"""

from __future__ import annotations

import uuid
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Request, Response

from praxis.backend.api.crud import service_dependency
from praxis.backend.api.errors import ERROR_RESPONSES, responses_for
from praxis.backend.errors import UnsupportedMediaTypeError
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


# -- an output's file ---------------------------------------------------------------------------------

FileName = Annotated[
    str,
    Query(
        min_length=1,
        max_length=255,
        pattern=r"^[^/\\\x00-\x1f]+$",
        description="The file's name as it should be saved (no directory), e.g. `plate-1.csv`",
    ),
]
MediaType = Annotated[
    str,
    Query(
        max_length=127,
        pattern=r"^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+$",
        description="The file's media type, e.g. `text/csv`; kept and reported as `file_content_type`",
    ),
]
_BINARY = {"schema": {"type": "string", "format": "binary"}}


@router.put(
    "/outputs/{id}/file",
    response_model=DataOutputRead,
    tags=["outputs"],
    summary="Attach a file to the output (the body's bytes, at most max_file_bytes), replacing any it had",
    openapi_extra={"requestBody": {"required": True, "content": {"application/octet-stream": _BINARY}}},
    responses=responses_for(404, 409, 413, 422),
)
async def attach_output_file(
    id: uuid.UUID,
    request: Request,
    svc: Outputs,
    name: FileName,
    content_type: MediaType = "application/octet-stream",
) -> DataOutputOrm:
    if (request.headers.get("content-type") or "").split(";")[
        0
    ].strip().lower() != "application/octet-stream":
        raise UnsupportedMediaTypeError(
            "send the file's bytes as 'Content-Type: application/octet-stream'; its own media type goes in "
            "?content_type=",
            field="Content-Type",
        )
    return await svc.attach_file(
        id,
        await request.body(),
        file_name=name,
        content_type=content_type,
        max_bytes=request.app.state.settings.max_file_bytes,
    )


@router.get(
    "/outputs/{id}/file",
    response_class=Response,
    tags=["outputs"],
    summary="The output's file: its bytes, named in Content-Disposition (its media type is the output's "
    "file_content_type)",
    responses={200: {"description": "The file's bytes", "content": {"application/octet-stream": _BINARY}}},
)
async def get_output_file(id: uuid.UUID, svc: Outputs) -> Response:
    output, data = await svc.file(id)
    return Response(
        data,
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": content_disposition(output.file_name or "file"),
            "ETag": f'"{output.file_sha256}"',
        },
    )


@router.delete(
    "/outputs/{id}/file",
    response_model=DataOutputRead,
    tags=["outputs"],
    summary="Remove the output's file (the output stays)",
)
async def detach_output_file(id: uuid.UUID, svc: Outputs) -> DataOutputOrm:
    return await svc.detach_file(id)


def content_disposition(name: str) -> str:
    """``attachment`` with the name for every client: ASCII as is, else RFC 5987's UTF-8 form too."""
    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"
