"""Run transitions and function call logs: the routes beyond a run's CRUD."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query

from praxis.backend.api.crud import service_dependency
from praxis.backend.api.errors import ERROR_RESPONSES
from praxis.backend.models.orm import FunctionCallLogOrm, ProtocolRunOrm
from praxis.backend.models.schemas.fields import NO_NUL_PATTERN
from praxis.backend.models.schemas.protocol import (
    FunctionCallCreate,
    FunctionCallEnd,
    FunctionCallNode,
    FunctionCallRead,
    ProtocolRunRead,
    RunCancel,
    RunCommand,
    RunTransition,
)
from praxis.backend.services.data_output import DataOutputService, Plate
from praxis.backend.services.protocol import CallTree, ProtocolRunService

router = APIRouter(prefix="/protocols/runs", tags=["protocol_runs"], responses=ERROR_RESPONSES)
Runs = Annotated[ProtocolRunService, Depends(service_dependency(ProtocolRunService))]
#: bodies that may be left out (taken as empty ones) but are objects when sent: the document then says
#: ``RunTransition``, not ``RunTransition`` or ``null``, which a generated client (openapi-python-client)
#: cannot call without a body; a ``null`` body is a 422, as the document says
OptionalTransition = Annotated[RunTransition, Body(default_factory=RunTransition)]
OptionalCommand = Annotated[RunCommand, Body(default_factory=RunCommand)]
OptionalCancel = Annotated[RunCancel, Body(default_factory=RunCancel)]
OptionalCallEnd = Annotated[FunctionCallEnd, Body(default_factory=FunctionCallEnd)]


async def _transition(
    svc: ProtocolRunService, id: uuid.UUID, action: str, body: RunTransition
) -> ProtocolRunOrm:
    return await svc.transition(
        id,
        action,
        expected_version=body.version,
        error_message=body.error_message,
        output_data=body.output_data,
        initial_state_json=body.initial_state_json,
        final_state_json=body.final_state_json,
    )


async def _command(
    svc: ProtocolRunService, id: uuid.UUID, command: str, body: RunCommand, **extra: Any
) -> ProtocolRunOrm:
    return await svc.command(id, command, reason=body.reason, expected_version=body.version, **extra)


@router.post("/{id}/start", response_model=ProtocolRunRead, summary="PENDING -> RUNNING")
async def start_protocol_run(id: uuid.UUID, svc: Runs, body: OptionalTransition) -> ProtocolRunOrm:
    return await _transition(svc, id, "start", body)


@router.post("/{id}/complete", response_model=ProtocolRunRead, summary="RUNNING -> COMPLETED")
async def complete_protocol_run(id: uuid.UUID, svc: Runs, body: OptionalTransition) -> ProtocolRunOrm:
    return await _transition(svc, id, "complete", body)


@router.post("/{id}/fail", response_model=ProtocolRunRead, summary="RUNNING -> FAILED")
async def fail_protocol_run(id: uuid.UUID, svc: Runs, body: OptionalTransition) -> ProtocolRunOrm:
    return await _transition(svc, id, "fail", body)


@router.post(
    "/{id}/queue",
    response_model=ProtocolRunRead,
    summary="PENDING -> QUEUED: a worker executes the run (409 naming a parameter whose asset is missing)",
)
async def queue_protocol_run(id: uuid.UUID, svc: Runs, body: OptionalCommand) -> ProtocolRunOrm:
    return await _command(svc, id, "queue", body)


@router.post(
    "/{id}/pause",
    response_model=ProtocolRunRead,
    summary="Pause: a queued run at once; a running one at its protocol's next call (control_request)",
)
async def pause_protocol_run(id: uuid.UUID, svc: Runs, body: OptionalCommand) -> ProtocolRunOrm:
    return await _command(svc, id, "pause", body)


@router.post(
    "/{id}/resume",
    response_model=ProtocolRunRead,
    summary="Resume a paused run (queued again if it never started), or withdraw a pending pause",
)
async def resume_protocol_run(id: uuid.UUID, svc: Runs, body: OptionalCommand) -> ProtocolRunOrm:
    return await _command(svc, id, "resume", body)


@router.post(
    "/{id}/cancel",
    response_model=ProtocolRunRead,
    summary="Cancel: at once unless a worker executes it, then at its protocol's next call",
)
async def cancel_protocol_run(id: uuid.UUID, svc: Runs, body: OptionalCancel) -> ProtocolRunOrm:
    return await svc.command(
        id,
        "cancel",
        reason=body.reason,
        expected_version=body.version,
        final_state_json=body.final_state_json,
    )


@router.post("/{id}/calls", response_model=FunctionCallRead, status_code=201, summary="Log a function call")
async def create_function_call(id: uuid.UUID, body: FunctionCallCreate, svc: Runs) -> FunctionCallLogOrm:
    return await svc.log_call(id, body.model_dump())


@router.get(
    "/{id}/calls", response_model=list[FunctionCallRead], summary="The run's function calls, in order"
)
async def list_function_calls(id: uuid.UUID, svc: Runs) -> list[FunctionCallLogOrm]:
    return await svc.calls(id)


@router.post(
    "/{id}/calls/{call_id}/end",
    response_model=FunctionCallRead,
    summary="End a running function call: completed (return value) or failed (error, traceback)",
)
async def end_function_call(
    id: uuid.UUID, call_id: uuid.UUID, svc: Runs, body: OptionalCallEnd
) -> FunctionCallLogOrm:
    return await svc.end_call(id, call_id, body.model_dump(exclude_unset=True))


def _node(tree: CallTree) -> FunctionCallNode:
    read = FunctionCallRead.model_validate(tree.call)
    return FunctionCallNode(**dict(read), children=[_node(child) for child in tree.children])


@router.get(
    "/{id}/calls/tree",
    response_model=list[FunctionCallNode],
    summary="The run's function calls nested under the calls they were made from, in order",
)
async def get_function_call_tree(id: uuid.UUID, svc: Runs) -> list[FunctionCallNode]:
    return [_node(tree) for tree in await svc.call_tree(id)]


@router.get(
    "/{id}/outputs/plate",
    response_model=Plate,
    summary="The run's numeric well outputs of one name as a plate grid (rows of columns)",
)
async def get_output_plate(
    id: uuid.UUID,
    svc: Annotated[DataOutputService, Depends(service_dependency(DataOutputService))],
    name: Annotated[str, Query(min_length=1, max_length=255, pattern=NO_NUL_PATTERN)],
    resource_id: uuid.UUID | None = None,
) -> Plate:
    return await svc.plate(id, name, resource_id=resource_id)
