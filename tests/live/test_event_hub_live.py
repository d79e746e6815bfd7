"""The event hub (one listening connection per API process) against a real database: a stream's
subscription completes whatever the hub is doing when it comes, and the events committed after it
reach the stream.

The hub's own read is held at a gate (``RunEventLog.of_run`` waits on it) only to put the subscription
at the moment that matters, deterministically: the hub and the database do the rest as they do in
production.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from praxis.backend.repositories.run_event import RunEventLog
from praxis.backend.services.event_hub import EventHub, Subscriber
from tests.builders import Builders
from tests.harness.live import LiveServer

#: far above what a subscription or a delivery takes, so a lost wake-up fails instead of hanging
WITHIN_S = 20


class HeldRead:
    """The hub's next read of a run's events, held until ``release()``: ``reading`` is set once the hub
    is in it, ``read`` once it has returned (the hub has then acted on what it read)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.reading, self.read = asyncio.Event(), asyncio.Event()
        self._gate = asyncio.Event()
        self._monkeypatch = monkeypatch
        original = RunEventLog.of_run

        async def held(log: RunEventLog, *args: Any, **kwargs: Any) -> Any:
            monkeypatch.setattr(RunEventLog, "of_run", original)  # only this read is held
            self.reading.set()
            await self._gate.wait()
            try:
                return await original(log, *args, **kwargs)
            finally:
                self.read.set()

        monkeypatch.setattr(RunEventLog, "of_run", held)

    def release(self) -> None:
        self._gate.set()


async def log_line(server: LiveServer, run_id: uuid.UUID, message: str) -> None:
    """A ``log`` event of the run, committed (and announced) as the worker writes one."""

    async def append(repos: Builders) -> None:
        await RunEventLog(repos.session).append(run_id, [("log", {"level": "INFO", "message": message})])

    await server.arrange(append)


async def next_message(subscriber: Subscriber) -> str:
    while not subscriber.events:
        subscriber.wake.clear()
        await subscriber.wake.wait()
    return str(subscriber.events.popleft().data["message"])


@pytest.fixture
async def hub(live_server: LiveServer) -> AsyncIterator[EventHub]:
    hub = EventHub(live_server.database_url)
    yield hub
    await hub.close()


@pytest.fixture
async def run_id(live_server: LiveServer) -> uuid.UUID:
    async def create(repos: Builders) -> uuid.UUID:
        return (await repos.protocol_run.create()).accession_id

    return await live_server.arrange(create)


@pytest.fixture
async def reading(
    live_server: LiveServer, hub: EventHub, run_id: uuid.UUID, monkeypatch: pytest.MonkeyPatch
) -> tuple[Subscriber, HeldRead]:
    """A stream subscribed to the run, and the hub in a read of the run's new event ("one"), held."""
    subscriber = await asyncio.wait_for(hub.subscribe(run_id), WITHIN_S)
    held = HeldRead(monkeypatch)
    await log_line(live_server, run_id, "one")
    await asyncio.wait_for(held.reading.wait(), WITHIN_S)
    return subscriber, held


async def test_a_stream_subscribing_while_the_hub_reads_its_run_is_not_left_waiting(
    live_server: LiveServer, hub: EventHub, run_id: uuid.UUID, reading: tuple[Subscriber, HeldRead]
) -> None:
    """A client that hangs up and reconnects (as ``Last-Event-ID`` clients do) can leave the run's last
    watcher and come back while the hub is reading the run's new events. That read used to set the
    run's place again, and the new subscription, which waited for the run's first read, waited for
    good: its stream never sent a byte."""
    first, held = reading
    hub.unsubscribe(first)  # the client hung up
    second = asyncio.create_task(hub.subscribe(run_id))  # and came back
    # the read goes on once the new subscription has registered (its task's first step runs before a
    # callback scheduled after it)
    asyncio.get_running_loop().call_soon(held.release)

    subscriber = await asyncio.wait_for(second, WITHIN_S)
    await log_line(live_server, run_id, "two")
    messages = []
    while "two" not in messages:
        messages.append(await asyncio.wait_for(next_message(subscriber), WITHIN_S))
    assert messages[-1] == "two"  # committed after the subscription: delivered live
    assert set(messages) <= {"one", "two"}


async def test_a_run_whose_last_watcher_left_during_a_read_is_read_afresh_by_the_next(
    live_server: LiveServer, hub: EventHub, run_id: uuid.UUID, reading: tuple[Subscriber, HeldRead]
) -> None:
    """The read outlives every watcher of the run: nothing of it is kept, and a later subscription
    starts from the run's stored events as a first one does."""
    first, held = reading
    hub.unsubscribe(first)
    held.release()
    await asyncio.wait_for(held.read.wait(), WITHIN_S)

    later = await asyncio.wait_for(hub.subscribe(run_id), WITHIN_S)
    await log_line(live_server, run_id, "two")

    assert await asyncio.wait_for(next_message(later), WITHIN_S) == "two"
    assert hub.subscribers == 1
