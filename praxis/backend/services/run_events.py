"""A run's events as a Server-Sent Events stream: stored events first, then live ones from the hub.

- ``run_stream``: one run's events above ``after`` (``Last-Event-ID``; 0 without it: the run's whole
  history, so a page can draw the call tree from the stream alone), then live; it ends with the
  status event that ends the run (at once, after the stored events, for a run that has ended).
- ``all_runs_stream``: every run's status changes from now (or above ``after``), without end.

Stored events are read a page at a time in a short unit of work of their own, and the connection is
back in the pool before a byte is sent: a slow client never holds one. A stream whose buffer in the
hub overflowed reads what it missed from the stored rows, so no event is lost and none is sent twice
(the stream remembers the last id it sent).
"""

from __future__ import annotations

import asyncio
import functools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import ParamSpec, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from praxis.backend.models.orm import FINISHED_RUN_STATUSES, RunEventKind
from praxis.backend.services.event_hub import EventHub, RunEvent, Subscriber
from praxis.backend.services.unit_of_work import UnitOfWork

__all__ = ["KEEPALIVE_SECONDS", "REPLAY_PAGE", "all_runs_stream", "format_event", "run_stream"]

P = ParamSpec("P")
T = TypeVar("T")

#: a comment line sent to an idle stream this often: proxies keep it open, a gone client is noticed
KEEPALIVE_SECONDS = 15.0
#: stored events read per unit of work while replaying
REPLAY_PAGE = 500
_RETRY = b"retry: 2000\n\n"
_FINISHED = {status.value for status in FINISHED_RUN_STATUSES}


def format_event(event: RunEvent) -> bytes:
    return event.sse


def ends_run(event: RunEvent) -> bool:
    return event.kind == RunEventKind.STATUS.value and event.data.get("status") in _FINISHED


def _whole(read: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """A read that runs to its end even when its stream is cancelled (the client hung up): a unit of
    work cut off mid-query would hand its connection back to the pool broken."""

    @functools.wraps(read)
    async def whole(*args: P.args, **kwargs: P.kwargs) -> T:
        return await asyncio.shield(read(*args, **kwargs))

    return whole


@_whole
async def _stored(
    sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID | None, after: int
) -> list[RunEvent]:
    async with UnitOfWork(sessions) as uow:
        if run_id is None:
            rows = await uow.repos.run_event.statuses(after=after, limit=REPLAY_PAGE)
        else:
            rows = await uow.repos.run_event.of_run(run_id, after=after, limit=REPLAY_PAGE)
        return [RunEvent.of(row) for row in rows]


@_whole
async def run_has_ended(sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID) -> bool:
    async with UnitOfWork(sessions) as uow:
        return (await uow.repos.protocol_run.get(run_id)).status.value in _FINISHED


@_whole
async def last_status_event(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with UnitOfWork(sessions) as uow:
        return await uow.repos.run_event.last_id()


class _Stream:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID | None, after: int
    ) -> None:
        self.sessions = sessions
        self.run_id = run_id
        self.last = after
        self.ended = False

    async def catch_up(self) -> AsyncIterator[bytes]:
        """Every stored event above the last one sent, page by page, no connection held while sending;
        a page goes out as one write (a page of small writes costs a slow reader a round trip each)."""
        while not self.ended:
            page = await _stored(self.sessions, self.run_id, self.last)
            chunk = bytearray()
            for event in page:
                chunk += self.send(event)
                if self.ended:
                    break
            if chunk:
                yield bytes(chunk)
            if self.ended or len(page) < REPLAY_PAGE:
                return

    def send(self, event: RunEvent) -> bytes:
        self.last = event.id
        self.ended = self.run_id is not None and ends_run(event)
        return format_event(event)

    async def live(self, subscriber: Subscriber) -> AsyncIterator[bytes]:
        while not self.ended:
            if subscriber.lagging:
                subscriber.lagging = False
                subscriber.events.clear()
                async for chunk in self.catch_up():
                    yield chunk
                continue
            handed = bytearray()  # what the hub handed over since the last write, as one write
            while subscriber.events and not self.ended:
                event = subscriber.events.popleft()
                if event.id > self.last:
                    handed += self.send(event)
            if handed:
                yield bytes(handed)
            if self.ended or subscriber.lagging:
                continue
            subscriber.wake.clear()
            if subscriber.events:
                continue
            try:
                await asyncio.wait_for(subscriber.wake.wait(), KEEPALIVE_SECONDS)
            except TimeoutError:
                yield b": keepalive\n\n"


async def run_stream(
    hub: EventHub | None, sessions: async_sessionmaker[AsyncSession], run_id: uuid.UUID, after: int
) -> AsyncIterator[bytes]:
    stream = _Stream(sessions, run_id, after)
    # an app running without its lifespan (in-process tests) has no hub: what is stored, then the end;
    # so has a run that has ended (read before the events: its last event is among them)
    if hub is None or await run_has_ended(sessions, run_id):
        yield _RETRY
        async for chunk in stream.catch_up():
            yield chunk
        return
    subscriber = await hub.subscribe(run_id)
    try:
        yield _RETRY  # the stream's first line, sent once every event of the run from now reaches it
        ended = await run_has_ended(sessions, run_id)
        async for chunk in stream.catch_up():
            yield chunk
        if ended:
            return
        async for chunk in stream.live(subscriber):
            yield chunk
    finally:
        hub.unsubscribe(subscriber)


async def all_runs_stream(
    hub: EventHub | None, sessions: async_sessionmaker[AsyncSession], after: int | None
) -> AsyncIterator[bytes]:
    if hub is None:  # an app running without its lifespan (in-process tests): what is stored, then the end
        yield _RETRY
        stream = _Stream(sessions, None, after if after is not None else await last_status_event(sessions))
        async for chunk in stream.catch_up():
            yield chunk
        return
    subscriber = await hub.subscribe(None)
    try:
        stream = _Stream(sessions, None, after if after is not None else await last_status_event(sessions))
        yield _RETRY  # the stream's first line, sent once every status change from now reaches it
        async for chunk in stream.catch_up():
            yield chunk
        async for chunk in stream.live(subscriber):
            yield chunk
    finally:
        hub.unsubscribe(subscriber)
