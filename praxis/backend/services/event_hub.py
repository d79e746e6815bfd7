"""One listening connection per API process, fanned out in memory to every event stream it serves.

The database announces new run events (``EVENTS_CHANNEL``, migration 0005). The hub listens on one
connection of its own and, per announcement, reads the new events once on that same connection and
offers them to each subscriber of the run (and status events to the subscribers of all runs). So 200
clients watching runs cost one database connection, and one read per batch the worker writes.

Each subscriber has a bounded buffer. A client that stops reading fills it: the hub then drops the
buffer and marks the subscriber ``lagging``, and its stream catches up from the stored rows once the
client reads again (``praxis.backend.services.run_events``). A stalled client therefore holds no
database connection and at most ``capacity`` events in memory.

Correctness does not depend on the announcements' payloads beyond the run's id: the hub keeps, per
watched run, the id of the last event it read, and reads what is above it (ids of one run follow
commit order). A lost connection is reopened, and every watched run read again.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import uuid
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, create_async_engine
from sqlalchemy.pool import NullPool

from praxis.backend.models.orm import RunEventOrm
from praxis.backend.repositories.run_event import EVENTS_CHANNEL, RunEventLog

__all__ = ["EventHub", "RunEvent", "Subscriber"]

log = logging.getLogger(__name__)

#: the hub's connection as ``pg_stat_activity`` names it
APPLICATION_NAME = "praxis-event-hub"
#: events one read of the hub takes at most (a batch of 1,000 calls makes about 2,000)
READ_PAGE = 2000


@dataclass(frozen=True)
class RunEvent:
    id: int
    run_id: uuid.UUID
    kind: str
    data: dict[str, Any]

    @classmethod
    def of(cls, row: RunEventOrm) -> RunEvent:
        return cls(row.id, row.protocol_run_id, row.kind, row.data)

    @functools.cached_property
    def sse(self) -> bytes:
        """The event as Server-Sent Events text: encoded once, however many streams send it."""
        data = json.dumps({"run_id": str(self.run_id), **self.data}, separators=(",", ":"), default=str)
        return f"id: {self.id}\nevent: {self.kind}\ndata: {data}\n\n".encode()


@dataclass(eq=False)
class Subscriber:
    """A stream's place in the hub: its run (None: every run's status changes) and its buffer."""

    run_id: uuid.UUID | None
    capacity: int
    events: deque[RunEvent] = field(default_factory=deque)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    #: its buffer overflowed and was dropped: the stream reads the stored rows to catch up
    lagging: bool = False

    def offer(self, event: RunEvent) -> None:
        if not self.lagging:
            if len(self.events) >= self.capacity:
                self.events.clear()
                self.lagging = True
            else:
                self.events.append(event)
        self.wake.set()


class EventHub:
    """``await hub.subscribe(run_id)`` ... ``hub.unsubscribe(subscriber)``; started on first use."""

    def __init__(self, database_url: str, *, capacity: int = 256, reconnect_delay: float = 1.0) -> None:
        self.database_url = database_url
        self.capacity = capacity
        self.reconnect_delay = reconnect_delay
        self._runs: dict[uuid.UUID, set[Subscriber]] = {}
        self._all: set[Subscriber] = set()
        self._cursors: dict[uuid.UUID, int] = {}
        self._dirty: set[uuid.UUID] = set()
        self._status_ids: list[int] = []
        self._waiting: dict[uuid.UUID, list[asyncio.Future[None]]] = {}
        self._work = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._engine: AsyncEngine | None = None
        self._connection: AsyncConnection | None = None
        self._lost = False

    # -- for streams ---------------------------------------------------------------------------------
    @property
    def subscribers(self) -> int:
        return len(self._all) + sum(len(s) for s in self._runs.values())

    async def subscribe(self, run_id: uuid.UUID | None) -> Subscriber:
        """Register a stream; once this returns, every event of the run committed from now on reaches
        it (events committed before are the stream's to read from the stored rows)."""
        self._ensure_started()
        subscriber = Subscriber(run_id, self.capacity)
        if run_id is None:
            self._all.add(subscriber)
            return subscriber
        self._runs.setdefault(run_id, set()).add(subscriber)
        if run_id not in self._cursors:
            ready = asyncio.get_running_loop().create_future()
            self._waiting.setdefault(run_id, []).append(ready)
            self._dirty.add(run_id)
            self._work.set()
            try:
                await ready
            except BaseException:
                self.unsubscribe(subscriber)
                raise
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber.run_id is None:
            self._all.discard(subscriber)
            return
        watching = self._runs.get(subscriber.run_id)
        if watching is not None:
            watching.discard(subscriber)
            if not watching:
                del self._runs[subscriber.run_id]
                self._cursors.pop(subscriber.run_id, None)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._disconnect()

    # -- the listening connection --------------------------------------------------------------------
    def _ensure_started(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._serve(), name="praxis-event-hub")

    def _heard(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        kind, _, rest = payload.partition(":")
        if kind == "s":
            event_id, _, run = rest.partition(":")
            if self._all:
                self._status_ids.append(int(event_id))
        else:
            run = rest
        try:
            run_id = uuid.UUID(run)
        except ValueError:
            return
        if run_id in self._runs:
            self._dirty.add(run_id)
        self._work.set()

    def _terminated(self, _connection: Any) -> None:
        self._lost = True
        self._work.set()

    async def _connect(self) -> None:
        self._engine = create_async_engine(
            self.database_url, poolclass=NullPool, isolation_level="AUTOCOMMIT"
        )
        self._connection = await self._engine.connect()
        raw = (await self._connection.get_raw_connection()).driver_connection
        assert raw is not None  # asyncpg's connection under SQLAlchemy's adapter
        await raw.execute(f"SET application_name = '{APPLICATION_NAME}'")
        raw.add_termination_listener(self._terminated)
        await raw.add_listener(EVENTS_CHANNEL, self._heard)
        self._lost = False

    async def _disconnect(self) -> None:
        connection, engine = self._connection, self._engine
        self._connection = self._engine = None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
        if engine is not None:
            await engine.dispose()

    async def _serve(self) -> None:
        while True:
            try:
                await self._connect()
                # whatever was said while not listening: read every watched run, and let the streams
                # of all runs catch up from the stored rows
                self._dirty.update(self._runs)
                for subscriber in self._all:
                    subscriber.lagging = True
                    subscriber.wake.set()
                while not self._lost:
                    await self._work.wait()
                    self._work.clear()
                    await self._read()
            except asyncio.CancelledError:
                raise
            except Exception:  # the connection broke: open another one, and read everything again
                log.warning("the event hub lost its database connection; reconnecting", exc_info=True)
            await self._disconnect()
            await asyncio.sleep(self.reconnect_delay)

    async def _read(self) -> None:
        if self._lost or self._connection is None:
            return
        async with AsyncSession(bind=self._connection) as session:
            events = RunEventLog(session)
            status_ids, self._status_ids = self._status_ids, []
            if status_ids and self._all:
                for row in await events.by_ids(status_ids):
                    event = RunEvent.of(row)
                    for subscriber in list(self._all):
                        subscriber.offer(event)
            while self._dirty:
                run_id = self._dirty.pop()
                if run_id not in self._runs:
                    continue
                if run_id not in self._cursors:
                    self._cursors[run_id] = await events.last_id(run_id)
                else:
                    await self._read_run(events, run_id)
                # Whichever read this was, the run has a cursor now: from here on every event of it
                # committed is read and offered. A stream may have subscribed while a read of the
                # run was under way (its last watcher left, it came, the read set the cursor again):
                # released here, not only after a first read, or it would wait for good.
                for ready in self._waiting.pop(run_id, []):
                    if not ready.done():
                        ready.set_result(None)

    async def _read_run(self, events: RunEventLog, run_id: uuid.UUID) -> None:
        rows = await events.of_run(run_id, after=self._cursors[run_id], limit=READ_PAGE)
        if run_id not in self._runs:
            self._cursors.pop(run_id, None)  # every watcher left during the read: nothing to keep
            return
        if len(rows) == READ_PAGE:
            self._dirty.add(run_id)  # more to read
        for row in rows:
            event = RunEvent.of(row)
            self._cursors[run_id] = event.id
            for subscriber in list(self._runs.get(run_id, ())):
                subscriber.offer(event)
