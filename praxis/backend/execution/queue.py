"""The job queue, on PostgreSQL through pgqueuer: the only module that imports the job library.

pgqueuer over procrastinate: it speaks asyncpg, Praxis's own driver, so a job is enqueued on the very
connection (and transaction) of the unit of work that queues the run: the run's new status and its
job commit together or not at all. procrastinate's connectors are psycopg's, a second driver and a
second connection outside that transaction. pgqueuer wakes workers with LISTEN/NOTIFY, takes jobs with
``FOR UPDATE SKIP LOCKED``, and re-offers a job whose worker stopped sending heartbeats, which is how a
run whose worker died is found (``worker``). Its schema is migration 0003's.

A job's payload is the run's id; the job says "look at this run", and the run's row says what to do,
so a job delivered twice or late does no harm.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import asyncpg
from pgqueuer import AsyncpgDriver, Job, Queries, QueueManager
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["ENTRYPOINT", "JobOptions", "RunQueue", "serve_jobs"]

log = logging.getLogger("praxis.worker")

#: the one kind of job: execute (or look again at) the run named in the payload
ENTRYPOINT = "praxis_run"


async def _driver_connection(session: AsyncSession) -> asyncpg.Connection:
    connection = await session.connection()
    raw = await connection.get_raw_connection()
    return raw.driver_connection  # type: ignore[return-value]


class RunQueue:
    """Enqueues on the session's own connection, inside its transaction."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    async def _queries(self) -> Queries:
        return Queries(AsyncpgDriver(await _driver_connection(self._session)))

    async def enqueue(self, run_id: uuid.UUID, *, delay: float | None = None) -> None:
        await (await self._queries()).enqueue(
            ENTRYPOINT, run_id.bytes, execute_after=timedelta(seconds=delay) if delay else None
        )

    async def take(self, *, due_only: bool = True) -> uuid.UUID | None:
        """Take the next due job (for the in-process worker of the tests): its run, and the job is done.
        ``due_only=False`` takes a delayed job too (a run waiting for its assets), without waiting.

        The same query pgqueuer's workers use would hold the job while it runs; here the caller runs it
        at once on this transaction's connection, so the job is removed as it is taken.
        """
        connection = await _driver_connection(self._session)
        row = await connection.fetchrow(
            "DELETE FROM pgqueuer WHERE id = (SELECT id FROM pgqueuer WHERE entrypoint = $1 AND status = "
            "'queued' AND (execute_after <= clock_timestamp() OR NOT $2) ORDER BY priority DESC, id LIMIT 1 "
            "FOR UPDATE SKIP LOCKED) RETURNING payload",
            ENTRYPOINT,
            due_only,
        )
        return None if row is None else uuid.UUID(bytes=bytes(row["payload"]))

    async def size(self) -> int:
        connection = await _driver_connection(self._session)
        count = await connection.fetchval("SELECT count(*) FROM pgqueuer WHERE entrypoint = $1", ENTRYPOINT)
        return int(count or 0)  # count(*) is never NULL; asyncpg types fetchval as maybe None


@dataclass(frozen=True, slots=True)
class JobOptions:
    concurrency: int = 1
    heartbeat_timeout: float = 10.0
    #: how long a worker waits for a NOTIFY before looking at the queue anyway (for delayed jobs)
    dequeue_timeout: float = 2.0


async def serve_jobs(
    url: str,
    handle: Callable[[uuid.UUID], Awaitable[None]],
    options: JobOptions,
    stop: Callable[[], Awaitable[object]],
) -> None:
    """Take jobs from the queue at ``url`` and hand each run's id to ``handle`` until ``stop`` returns.

    A lost database connection (an outage, a restart) does not end the worker: it connects again,
    backing off up to 5 s between tries, and goes on. A run it was executing when the connection went
    is failed as "worker lost" by whichever worker takes its job again.
    """
    stopping = asyncio.Event()

    async def stop_when_asked() -> None:
        await stop()
        stopping.set()

    stopper = asyncio.create_task(stop_when_asked())
    delay = 0.2
    try:
        while not stopping.is_set():
            try:
                await _take_jobs(url, handle, options, stopping)
                delay = 0.2
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as lost:
                log.warning(
                    "the job queue's database is unreachable (%s); connecting again in %.1f s", lost, delay
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), delay)
                delay = min(delay * 2, 5.0)
    finally:
        stopper.cancel()


async def _take_jobs(
    url: str, handle: Callable[[uuid.UUID], Awaitable[None]], options: JobOptions, stopping: asyncio.Event
) -> None:
    connection = await asyncpg.connect(url)
    # pgqueuer caps a worker's picked jobs at no less than two; the semaphore holds execution to the
    # configured concurrency (a worker then holds at most one job more than it executes, waiting).
    turns = asyncio.Semaphore(options.concurrency)
    try:
        manager = QueueManager(Queries(AsyncpgDriver(connection)))

        @manager.entrypoint(ENTRYPOINT, concurrency_limit=0)
        async def run_job(job: Job) -> None:
            assert job.payload is not None
            async with turns:
                await handle(uuid.UUID(bytes=bytes(job.payload)))

        async def shut_down_when_stopping() -> None:
            await stopping.wait()
            manager.shutdown.set()

        connection.add_termination_listener(lambda _: manager.shutdown.set())  # the server went away
        watchers = [asyncio.create_task(shut_down_when_stopping())]
        try:
            await manager.run(
                dequeue_timeout=timedelta(seconds=options.dequeue_timeout),
                batch_size=1,
                max_concurrent_tasks=max(2, options.concurrency),
                heartbeat_timeout=timedelta(seconds=options.heartbeat_timeout),
                log_aggregation_interval=timedelta(0),
            )
        finally:
            for watcher in watchers:
                watcher.cancel()
        if connection.is_closed() and not stopping.is_set():
            raise ConnectionError("the connection to the job queue was lost")
    finally:
        with contextlib.suppress(Exception):
            await connection.close()
