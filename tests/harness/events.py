"""Reading a Server-Sent Events stream as a browser's ``EventSource`` does: ``id``, ``event``, ``data``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx

ENDED = {"completed", "failed", "cancelled"}


@dataclass(frozen=True)
class Event:
    id: int
    kind: str
    data: dict[str, Any]


async def read_events(
    http: httpx.AsyncClient,
    url: str,
    *,
    last_event_id: int | None = None,
    stop_after: int | None = None,
    within: float = 120,
    attached: asyncio.Event | None = None,
) -> tuple[list[Event], bool]:
    """The stream's events, and whether the run ended (its last event is the status that ends it);
    ``stop_after``: the client hangs up after that many (as a dropped connection would). A stream
    still open after ``within`` seconds fails the test (TimeoutError): its keepalives would keep a
    client's read timeout from ever firing, so a run that never ends would hold the test for good.
    ``attached`` is set at the stream's first line: the stream of all runs sends it once it listens,
    so what happens after that reaches it."""
    headers = {"Accept": "text/event-stream"}
    if last_event_id is not None:
        headers["Last-Event-ID"] = str(last_event_id)
    async with asyncio.timeout(within), http.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, (await response.aread()).decode()
        assert response.headers["content-type"].startswith("text/event-stream")
        events = await parse(response.aiter_lines(), stop_after, attached)
    return events, bool(events) and events[-1].kind == "status" and events[-1].data["status"] in ENDED


async def parse(
    lines: AsyncIterator[str], stop_after: int | None = None, attached: asyncio.Event | None = None
) -> list[Event]:
    """The events in a stream's lines, until it ends (or ``stop_after`` of them)."""
    events: list[Event] = []
    fields: dict[str, str] = {}
    async for line in lines:
        if attached is not None:
            attached.set()
        if line == "":
            if "data" in fields:
                events.append(Event(int(fields["id"]), fields["event"], json.loads(fields["data"])))
                if stop_after is not None and len(events) >= stop_after:
                    break
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")
    return events
