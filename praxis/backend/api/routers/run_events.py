"""Runs as Server-Sent Events: one run's events, every run's status changes.

A route of its own module: its success is ``text/event-stream``, its errors are JSON (the API's one
error shape), which the shared error responses of the other run routes would document wrongly.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import StreamingResponse

from praxis.backend.api.crud import service_dependency
from praxis.backend.api.errors import ERROR_RESPONSES, documented_error
from praxis.backend.services.protocol import ProtocolRunService
from praxis.backend.services.run_events import all_runs_stream, run_stream

router = APIRouter(prefix="/protocols/runs", tags=["protocol_runs"])
Runs = Annotated[ProtocolRunService, Depends(service_dependency(ProtocolRunService))]


def _json_error(status: int) -> dict[str, Any]:
    return documented_error(ERROR_RESPONSES[status]["description"])


LastEventId = Annotated[
    int | None,
    Header(
        alias="Last-Event-ID",
        ge=0,
        description="the id of the last event received: the stream resumes after it (from stored events)",
    ),
]


class EventStreamResponse(StreamingResponse):
    media_type = "text/event-stream"

    def __init__(self, content: Any, status_code: int = 200, **kwargs: Any) -> None:
        headers = {
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
            **(kwargs.pop("headers", None) or {}),
        }
        super().__init__(content, status_code=status_code, headers=headers, **kwargs)


_EVENT_STREAM: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "Server-Sent Events: each with an ``id``, an ``event`` (its kind) and JSON ``data``",
        "content": {"text/event-stream": {"schema": {"type": "string"}}},
    },
    422: _json_error(422),
    503: _json_error(503),
}


@router.get(
    "/events",
    response_class=EventStreamResponse,
    responses=_EVENT_STREAM,
    summary="Every run's status changes as Server-Sent Events (``status``), from now or after Last-Event-ID",
)
async def stream_all_run_events(request: Request, last_event_id: LastEventId = None) -> EventStreamResponse:
    hub = getattr(request.app.state, "event_hub", None)
    return EventStreamResponse(all_runs_stream(hub, request.app.state.sessionmaker, last_event_id))


@router.get(
    "/{id}/events",
    response_class=EventStreamResponse,
    responses={**_EVENT_STREAM, 404: _json_error(404)},
    summary="The run's events as Server-Sent Events (status, call_started, call_ended, output, log, progress): its "
    "history (after Last-Event-ID), then live, until the run ends",
)
async def stream_run_events(
    id: uuid.UUID, request: Request, svc: Runs, last_event_id: LastEventId = None
) -> EventStreamResponse:
    await svc.get(id)  # 404 before the stream starts
    hub = getattr(request.app.state, "event_hub", None)
    return EventStreamResponse(run_stream(hub, request.app.state.sessionmaker, id, last_event_id or 0))
