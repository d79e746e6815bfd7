"""The worker: takes a run's job, executes it in a child process, finishes it.

``Worker.execute(run_id)`` is the whole path, used alike by ``praxis worker`` (jobs from the queue,
``queue.serve_jobs``) and by the tests' in-process worker (jobs taken on the test's transaction). It
reads as four steps: begin the run, run the child and forward its messages, finish the run; the job is
acked by the queue when ``execute`` returns. No SQL here (``RunExecutionService``), no subprocess code
(``supervisor``).

A run is executed under a lease: a PostgreSQL advisory lock on a connection of its own, held while the
run executes. When a worker dies (SIGKILL, a lost machine) the server drops its connections and the
lease with them; the queue then offers the job again (its heartbeats stopped), and the worker that
takes it finds the run running without a lease and fails it as "worker lost". The same connection
LISTENs for the run's pause, resume and cancel requests.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import asyncpg
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from praxis.backend.execution.call_log import CallLog
from praxis.backend.execution.supervisor import LINE_LIMIT, Child, describe_exit
from praxis.backend.models.orm import RunStatus
from praxis.backend.repositories.protocol_run import RUN_CHANNEL
from praxis.backend.services.run_execution import RunExecutionService, RunPlan
from praxis.backend.services.unit_of_work import UnitOfWork

__all__ = ["Worker", "WorkerOptions"]

log = logging.getLogger("praxis.worker")
T = TypeVar("T")

#: how often buffered calls and outputs are written while a protocol runs
FLUSH_SECONDS = 0.05
#: written at once past this many buffered messages (the child then waits on the pipe: backpressure)
FLUSH_MESSAGES = 500
#: a write that keeps failing (the database is gone) is retried this long before the run gives up
OUTAGE_SECONDS = 30.0
#: a file reaches the worker base64-encoded in one message line: what fits in a line, with room to spare
PIPE_FILE_BYTES = (LINE_LIMIT - 64 * 1024) // 4 * 3
#: what an unreachable or full database raises: through SQLAlchemy, and from asyncpg's own connections
UNREACHABLE = (
    OperationalError,
    DBAPIError,
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InsufficientResourcesError,  # too many connections
    asyncpg.CannotConnectNowError,  # starting up or shutting down
)


@dataclass(frozen=True, slots=True)
class WorkerOptions:
    time_limit: float = 3600.0
    memory_limit_mb: int = 4096
    #: the largest file an output may carry from a protocol (the server's limit, within the pipe's)
    max_file_bytes: int = 8 * 1024 * 1024
    cancel_grace: float = 5.0
    asset_retry: float = 2.0


@dataclass
class Outcome:
    """What became of a run's child, gathered while it ran."""

    finished: dict[str, Any] | None = None
    initial_state: dict[str, Any] | None = None
    final_state: dict[str, Any] | None = None
    result: Any = None
    timed_out: bool = False
    forced_cancel: bool = False
    broken: str | None = None
    exit_status: int | None = None
    output_tail: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


class Lease:
    """The run's advisory lock and its control channel, on a connection of their own."""

    def __init__(self, url: str | None) -> None:
        self._url = url
        self._connection: asyncpg.Connection | None = None
        self.control = asyncio.Event()

    async def acquire(self, run_id: uuid.UUID) -> bool:
        if self._url is None:  # the tests' in-process worker: one run at a time, nobody to take over
            return True
        await self.release()  # an earlier try's connection, if it got that far
        self._connection = connection = await asyncpg.connect(self._url)
        held = await connection.fetchval("SELECT pg_try_advisory_lock(hashtextextended($1, 0))", str(run_id))
        if held:
            marker = f'"id" : "{run_id}"'

            def heard(connection: object, pid: int, channel: str, payload: str) -> None:
                if marker in payload:
                    self.control.set()

            await connection.add_listener(RUN_CHANNEL, heard)
        return bool(held)

    async def release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()  # closing drops the lock and the listener


class Worker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        options: WorkerOptions,
        *,
        lease_url: str | None = None,
        one_connection: bool = False,
    ) -> None:
        """``lease_url``: where leases are taken (None: no lease, for a single in-process worker).
        ``one_connection``: every session of ``sessions`` is on one connection (the tests'), so units
        of work must take turns; in production each has a pooled connection of its own."""
        self.sessions = sessions
        self.options = options
        self.lease_url = lease_url
        self._turns = asyncio.Lock() if one_connection else contextlib.nullcontext()

    async def execute(self, run_id: uuid.UUID) -> None:
        lease = Lease(self.lease_url)
        held = False
        try:
            # Taken again while the database refuses (a restart, every connection in use): the job is
            # done once this returns, so a start given up on would leave the run queued for good.
            if not await self._retrying(lambda: lease.acquire(run_id)):
                return  # another worker executes it
            held = True
            plan = await self._retrying(lambda: self._begin(run_id))
            if plan is None:
                return
            plan.spec["max_file_bytes"] = min(self.options.max_file_bytes, PIPE_FILE_BYTES)
            outcome = await self._run_child(plan, lease)
            await self._finish(run_id, outcome)
        except Exception as exc:
            log.exception("run %s: the worker could not execute it", run_id)
            if held:  # else another worker may hold it: not this one's to end
                await self._broke(run_id, exc)
        finally:
            await lease.release()

    async def _broke(self, run_id: uuid.UUID, exc: Exception) -> None:
        """A run the worker could not start or carry on with is failed, saying so, not left queued or
        running: no other worker would look at it again (its job is done)."""
        details = f"failed: the worker could not go on executing it ({type(exc).__name__}; see its log)"
        try:
            await self._retrying(lambda: self._work(lambda svc: svc.broken(run_id, details)))
        except Exception:
            log.exception("run %s: could not record that it failed", run_id)

    # -- the steps ---------------------------------------------------------------------------------

    async def _begin(self, run_id: uuid.UUID) -> RunPlan | None:
        plan = await self._work(
            lambda svc: svc.begin(
                run_id,
                default_time_limit=self.options.time_limit,
                memory_limit_mb=self.options.memory_limit_mb,
                asset_retry=self.options.asset_retry,
            )
        )
        if plan is None:
            # a run left running or paused with nobody holding its lease: its worker is gone
            await self._retrying(
                lambda: self._work(
                    lambda svc: svc.lost(run_id, "worker lost: the worker executing it stopped")
                )
            )
        return plan

    async def _run_child(self, plan: RunPlan, lease: Lease) -> Outcome:
        outcome = Outcome()
        calls = CallLog(
            plan.run_id,
            lambda new, ended, outputs, events: self._record(plan.run_id, new, ended, outputs, events),
        )
        done = asyncio.Event()
        async with Child(plan.spec) as child:
            # Helpers stop when asked, never cancelled mid-write: a unit of work cut off halfway would
            # break the connection it ran on.
            helpers = [
                asyncio.create_task(self._keep_flushing(calls, done)),
                asyncio.create_task(self._forward_control(plan.run_id, child, lease, outcome, done)),
            ]
            try:
                async with asyncio.timeout(plan.time_limit):
                    async for message in child.messages():
                        await self._handle(plan.run_id, message, calls, outcome)
                outcome.exit_status = await child.wait()
            except TimeoutError:
                outcome.timed_out = True
                await child.kill()
                outcome.exit_status = await child.wait()
            finally:
                done.set()
                lease.control.set()
                await asyncio.gather(*helpers, return_exceptions=True)
            outcome.output_tail = child.output_tail()
        await self._retrying(calls.flush)
        return outcome

    async def _finish(self, run_id: uuid.UUID, outcome: Outcome) -> None:
        status, details, error = _verdict(outcome)
        await self._retrying(
            lambda: self._work(
                lambda svc: svc.finish(
                    run_id,
                    status,
                    details,
                    error_message=error,
                    initial_state=outcome.initial_state,
                    final_state=outcome.final_state,
                    output=outcome.result,
                )
            )
        )

    # -- while the child runs ----------------------------------------------------------------------

    async def _handle(
        self, run_id: uuid.UUID, message: dict[str, Any], calls: CallLog, outcome: Outcome
    ) -> None:
        kind = message["type"]
        if kind == "state":
            setattr(outcome, f"{message['which']}_state", message["state"])
        elif kind == "result":
            outcome.result = message.get("value")
        elif kind == "finished":
            outcome.finished = message
        elif kind == "broken":
            outcome.broken = message.get("error")
        elif kind == "paused":
            await self._retrying(calls.flush)
            await self._retrying(lambda: self._work(lambda svc: svc.paused(run_id)))
        elif kind == "resumed":
            await self._retrying(lambda: self._work(lambda svc: svc.resumed(run_id)))
        else:
            calls.add(message)
            if calls.pending() >= FLUSH_MESSAGES:
                await self._retrying(calls.flush)

    async def _keep_flushing(self, calls: CallLog, done: asyncio.Event) -> None:
        while not done.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), FLUSH_SECONDS)
            if not done.is_set():
                with contextlib.suppress(DBAPIError, OSError):
                    await calls.flush()

    async def _forward_control(
        self, run_id: uuid.UUID, child: Child, lease: Lease, outcome: Outcome, done: asyncio.Event
    ) -> None:
        """Pass each pause, resume or cancel a client asks for on to the child; end a cancelled child
        that does not stop within the grace period."""
        while not done.is_set():
            lease.control.clear()
            # retried while the database refuses: a control request read that failed once ended this
            # task, and the run then ignored every pause and cancel
            request = await self._retrying(lambda: self._work(lambda svc: svc.control_request(run_id)))
            if request is not None:
                child.send(request)
                if request == "cancel":
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(done.wait(), self.options.cancel_grace)
                    if not done.is_set():
                        outcome.forced_cancel = True
                        await child.kill()
                    return
            await lease.control.wait()

    async def _record(
        self,
        run_id: uuid.UUID,
        new: list[dict[str, Any]],
        ended: list[dict[str, Any]],
        outputs: list[dict[str, Any]],
        events: list[tuple[str, dict[str, Any]]],
    ) -> None:
        await self._work(lambda svc: svc.record(run_id, new, ended, outputs, events))

    # -- plumbing ----------------------------------------------------------------------------------

    async def _work(self, step: Callable[[RunExecutionService], Awaitable[T]]) -> T:
        """One unit of work, committed."""
        async with self._turns, UnitOfWork(self.sessions) as uow:
            result = await step(RunExecutionService(uow.repos))
            await uow.commit()
            return result

    async def _retrying(self, step: Callable[[], Awaitable[T]]) -> T:
        """``step``, tried again while the database is unreachable, for up to ``OUTAGE_SECONDS``."""
        loop = asyncio.get_running_loop()
        give_up = loop.time() + OUTAGE_SECONDS
        delay = 0.1
        while True:
            try:
                return await step()
            except UNREACHABLE:
                if loop.time() > give_up:
                    raise
                log.warning("the database is unreachable; trying again in %.1f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 2.0)


def _verdict(outcome: Outcome) -> tuple[RunStatus, str, str | None]:
    """The run's end, its status_details and its error message, from what its child did."""
    finished = outcome.finished
    if outcome.forced_cancel and (finished is None or finished["status"] != "cancelled"):
        return (
            RunStatus.CANCELLED,
            "cancelled; the protocol did not stop at a call in time and was ended",
            None,
        )
    if outcome.timed_out:
        return RunStatus.FAILED, "ended: the run exceeded its time limit", "the run exceeded its time limit"
    if finished is None:
        why = outcome.broken or describe_exit(outcome.exit_status)
        tail = outcome.output_tail.strip().splitlines()[-5:]
        message = f"{why} before reporting its end" + (": " + " / ".join(tail) if tail else "")
        return RunStatus.FAILED, message[:2000], message[:2000]
    if finished["status"] == "completed":
        return RunStatus.COMPLETED, "completed", None
    if finished["status"] == "cancelled":
        return RunStatus.CANCELLED, "cancelled at the protocol's next call", None
    error = finished.get("error_message") or "failed"
    return RunStatus.FAILED, f"failed: {error}"[:2000], error


def asyncpg_dsn(url: str) -> str:
    """The libpq-style URL asyncpg takes, from a SQLAlchemy ``postgresql+asyncpg://`` one."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


async def serve(url: str, stop: Callable[[], Awaitable[object]]) -> None:
    """``praxis worker``: execute the queue's runs until ``stop`` returns."""
    from praxis.backend.db.session import create_engine, create_sessionmaker
    from praxis.backend.execution.queue import JobOptions, serve_jobs
    from praxis.backend.settings import get_settings

    settings = get_settings()
    # a run's units of work, its flusher and its control reader: three at most at once per run
    engine = create_engine(
        url, pool_size=settings.worker_concurrency, max_overflow=2 * settings.worker_concurrency
    )
    dsn = asyncpg_dsn(url)
    worker = Worker(
        create_sessionmaker(engine),
        WorkerOptions(
            time_limit=settings.run_time_limit,
            memory_limit_mb=settings.run_memory_limit_mb,
            max_file_bytes=settings.max_file_bytes,
            cancel_grace=settings.cancel_grace,
            asset_retry=settings.asset_retry,
        ),
        lease_url=dsn,
    )
    try:
        await serve_jobs(
            dsn,
            worker.execute,
            JobOptions(
                concurrency=settings.worker_concurrency, heartbeat_timeout=settings.job_heartbeat_timeout
            ),
            stop,
        )
    finally:
        await engine.dispose()
