"""Running protocols in tests through the real worker code path, with no sleeps and no polling.

``protocol_runner`` (in-process): ``Worker.execute`` on the test's own transaction. The child process
is real (the protocol runs in a fresh interpreter, as in production); the run's records are written by
production's units of work, each a SAVEPOINT of the test's transaction, so everything is rolled back
at the end. Jobs are taken from the queue on the same transaction. What it cannot show: pause, resume
and cancel of a running protocol, and anything across processes (NOTIFY is delivered on commit only):
those use ``praxis worker`` on a committed database (``live_worker``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import textwrap
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import asyncpg
from sqlalchemy.ext.asyncio import AsyncSession

from praxis.backend.execution.assets import LIQUID_HANDLER, PLATE, PLATE_READER, TIP_RACK
from praxis.backend.execution.worker import Worker, WorkerOptions
from praxis.backend.models.orm import (
    FINISHED_RUN_STATUSES,
    DataOutputOrm,
    ProtocolDefinitionOrm,
    ProtocolRunOrm,
    WorkcellOrm,
)
from praxis.backend.repositories import Repositories
from praxis.backend.repositories.protocol_run import CALLS_CHANNEL, RUN_CHANNEL
from praxis.backend.services.demo import DEMO_PROTOCOLS
from praxis.backend.services.discovery import DiscoveryService
from praxis.backend.services.protocol import CallTree, ProtocolRunService, nest_calls
from tests.harness.session import joined_sessionmaker

if TYPE_CHECKING:
    from tests.builders import Builders

T = TypeVar("T")


@dataclass
class FinishedRun:
    """A run as it ended: the row, its calls nested as they were made, its outputs."""

    run: ProtocolRunOrm
    call_tree: list[CallTree]
    outputs: list[DataOutputOrm]

    @property
    def calls(self) -> list[str]:
        """Each call's function name, depth-first in call order: ``["serial_dilution", "transfer", ...]``."""

        def walk(trees: list[CallTree]) -> Iterator[str]:
            for tree in trees:
                yield tree.call.function_name
                yield from walk(tree.children)

        return list(walk(self.call_tree))


class ProtocolRunner:
    """``await protocol_runner.run(run)``: queue the run, execute it, return it as it ended."""

    def __init__(self, session: AsyncSession, options: WorkerOptions) -> None:
        self.session = session
        self.repositories = Repositories(session)
        self.worker = Worker(joined_sessionmaker(session.bind), options, one_connection=True)  # type: ignore[arg-type]

    async def run(self, run: ProtocolRunOrm | uuid.UUID) -> FinishedRun:
        run_id = run if isinstance(run, uuid.UUID) else run.accession_id
        current = await self.repositories.protocol_run.get(run_id)
        if current.queued_at is None:
            await ProtocolRunService(self.repositories).command(run_id, "queue")
        await self.run_queued()
        return await self.finished(run_id)

    async def run_queued(self, *, due_only: bool = True) -> int:
        """Execute every due job on the queue, in order; how many there were. ``due_only=False``:
        delayed jobs too (a run that waits for its assets is tried again at once)."""
        done = 0
        while (run_id := await self.repositories.run_queue.take(due_only=due_only)) is not None:
            await self.worker.execute(run_id)
            done += 1
        return done

    async def finished(self, run_id: uuid.UUID) -> FinishedRun:
        run = await self.repositories.protocol_run.get(run_id)
        calls = await self.repositories.protocol_run.calls_of(run_id)
        outputs = await self.repositories.data_output.list({"protocol_run_id": run_id}, order_by="created_at")
        return FinishedRun(run, nest_calls(calls), outputs)


# -- a lab that runs the demo protocols ------------------------------------------------------------


@dataclass
class Lab:
    workcell: WorkcellOrm
    dilution: ProtocolDefinitionOrm
    read: ProtocolDefinitionOrm


async def discover_source(
    repositories: Repositories, directory: Path, source: str, file_name: str = "protocols.py"
) -> dict[str, ProtocolDefinitionOrm]:
    """The protocols of ``source`` (dedented), written to ``directory / file_name`` and discovered into
    the catalog: their definitions by name."""
    (directory / file_name).write_text(textwrap.dedent(source))
    found = await DiscoveryService(repositories).discover_and_upsert_protocols(directory)
    return {definition.name: definition for definition in found.definitions}


async def build_lab(repos: Builders, repositories: Repositories) -> Lab:
    workcell = await repos.workcell.create(name="assay cell")
    await repos.machine.create(workcell=workcell, name="star", fqn=LIQUID_HANDLER)
    await repos.machine.create(workcell=workcell, name="reader", fqn=PLATE_READER)
    plate_type = await repos.resource_definition.create(fqn=PLATE)
    tip_type = await repos.resource_definition.create(fqn=TIP_RACK)
    await repos.resource.create(workcell=workcell, resource_definition=plate_type, name="plate_01")
    await repos.resource.create(workcell=workcell, resource_definition=tip_type, name="tips_01")
    found = await DiscoveryService(repositories).discover_and_upsert_protocols(DEMO_PROTOCOLS)
    by_name = {d.name: d for d in found.definitions}
    return Lab(workcell, by_name["serial_dilution"], by_name["absorbance_read"])


# -- the committed tier: real `praxis worker` processes ----------------------------------------------


@contextlib.contextmanager
def worker_process(database_url: str, **environment: str) -> Iterator[subprocess.Popen[bytes]]:
    """``praxis worker`` on ``database_url``, ended (SIGTERM, then SIGKILL) when the block ends."""
    env = {**os.environ, "PRAXIS_DATABASE_URL": database_url, **environment}
    log = tempfile.NamedTemporaryFile(prefix="praxis-worker-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen(
        [sys.executable, "-m", "praxis.backend.cli", "worker"],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()
        if process.returncode in (0, -signal.SIGTERM, -signal.SIGKILL):
            os.unlink(log.name)  # kept only when the worker died of something else, for its traceback


def _dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def _wait_until(
    database_url: str, channel: str, check: Callable[[asyncpg.Connection], Awaitable[T | None]], within: float
) -> T:
    """``check``'s first answer that is not None, asked again each time ``channel`` announces something
    (listening before the first check, so nothing said in between is missed)."""
    connection = await asyncpg.connect(_dsn(database_url))
    heard = asyncio.Event()
    try:
        await connection.add_listener(channel, lambda *args: heard.set())
        async with asyncio.timeout(within):
            while True:
                heard.clear()
                if (answer := await check(connection)) is not None:
                    return answer
                await heard.wait()
    finally:
        await connection.close()


async def wait_for_status(
    database_url: str, run_id: uuid.UUID | str, statuses: set[str], within: float = 60
) -> dict[str, Any]:
    """The run's row once its status is one of ``statuses``: woken by the run's announcements."""

    async def check(connection: asyncpg.Connection) -> dict[str, Any] | None:
        row = await connection.fetchrow(
            "SELECT * FROM protocol_run WHERE accession_id = $1", uuid.UUID(str(run_id))
        )
        return dict(row) if row is not None and row["status"] in statuses else None

    return await _wait_until(database_url, RUN_CHANNEL, check, within)


async def wait_for_end(database_url: str, run_id: uuid.UUID | str, within: float = 60) -> dict[str, Any]:
    return await wait_for_status(database_url, run_id, {s.value for s in FINISHED_RUN_STATUSES}, within)


async def wait_for_ends(
    database_url: str, run_ids: list[str] | list[uuid.UUID], within: float = 60
) -> list[dict[str, Any]]:
    """The rows of ``run_ids`` once every one has ended, on one connection however many runs."""
    ids = [uuid.UUID(str(run_id)) for run_id in run_ids]
    ended = [s.value for s in FINISHED_RUN_STATUSES]

    async def check(connection: asyncpg.Connection) -> list[dict[str, Any]] | None:
        rows = await connection.fetch(
            "SELECT * FROM protocol_run WHERE accession_id = ANY($1) AND status = ANY($2)", ids, ended
        )
        if len(rows) < len(ids):
            return None
        by_id = {row["accession_id"]: dict(row) for row in rows}
        return [by_id[run_id] for run_id in ids]

    return await _wait_until(database_url, RUN_CHANNEL, check, within)


async def wait_for_call(
    database_url: str, run_id: uuid.UUID | str, function_name: str, within: float = 60, *, more_than: int = 0
) -> None:
    """Until the run has logged more than ``more_than`` calls of ``function_name`` (one, by default):
    woken by the worker's announcement of each batch of calls it writes."""

    async def check(connection: asyncpg.Connection) -> bool | None:
        query = "SELECT count(*) FROM function_call_log WHERE protocol_run_id = $1 AND function_name = $2"
        logged = int(await connection.fetchval(query, uuid.UUID(str(run_id)), function_name) or 0)
        return logged > more_than or None  # count(*) is never NULL

    await _wait_until(database_url, CALLS_CHANNEL, check, within)
